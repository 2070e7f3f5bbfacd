"""The ontology files agree with the code, are fully labelled, and the shapes catch bad data."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyshacl
import pytest
from rdflib import OWL, RDF, RDFS, SH, SKOS, Graph, Literal, Namespace, URIRef

from kg.rdf.vocab import ID, KG, KGC

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"
KG_TERMS = sorted(KG.__annotations__)
KGC_TERMS = sorted(KGC.__annotations__)
DECLARATIONS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
# Abstract classes: instances are always typed with a subclass, so no shape targets them.
ABSTRACT = {KG.Organization, KG.Project}
# Concepts the code never names (support forms, themes) are not in the DefinedNamespace KGC.
CONCEPT = KGC._NS
# A plain Namespace: pytest probes module attributes, and rdflib.XSD warns on unknown names.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")


@pytest.fixture(scope="module")
def kg_ttl() -> Graph:
    return Graph().parse(ONTOLOGY / "kg.ttl", format="turtle")


@pytest.fixture(scope="module")
def concepts() -> Graph:
    return Graph().parse(ONTOLOGY / "concepts.ttl", format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(ONTOLOGY / "shapes.ttl", format="turtle")


def languages(g: Graph, s: URIRef, p: URIRef) -> set[str | None]:
    return {o.language for o in g.objects(s, p) if isinstance(o, Literal) and str(o).strip()}


# ---------------------------------------------------------------- kg.ttl ↔ vocab.py


@pytest.mark.parametrize("name", ["kg.ttl", "concepts.ttl", "shapes.ttl"])
def test_turtle_files_parse(name):
    assert len(Graph().parse(ONTOLOGY / name, format="turtle")) > 50


@pytest.mark.parametrize("name", KG_TERMS)
def test_every_kg_term_is_declared_labelled_and_defined(kg_ttl, name):
    term = KG[name]
    kinds = set(kg_ttl.objects(term, RDF.type)) & set(DECLARATIONS)
    assert len(kinds) == 1, f"kg:{name} must be exactly one of owl:Class/ObjectProperty/DatatypeProperty"
    assert {"ko", "en"} <= languages(kg_ttl, term, RDFS.label), f"kg:{name} needs @ko and @en labels"
    assert "en" in languages(kg_ttl, term, SKOS.definition), f"kg:{name} needs an @en skos:definition"


def test_kg_ttl_declares_no_term_missing_from_vocab(kg_ttl):
    ns = str(KG._NS)
    declared = {s for kind in DECLARATIONS for s in kg_ttl.subjects(RDF.type, kind)}
    mentioned = {t for triple in kg_ttl for t in triple if isinstance(t, URIRef) and str(t).startswith(ns)}
    stray = sorted(str(t)[len(ns):] for t in declared | mentioned if str(t)[len(ns):] not in KG_TERMS)
    assert not stray, f"terms in kg.ttl but not in vocab.py: {stray}"


def test_ontology_header(kg_ttl):
    onto = URIRef("https://w3id.org/policy-kg/ontology")
    assert (onto, RDF.type, OWL.Ontology) in kg_ttl
    assert {"ko", "en"} <= languages(kg_ttl, onto, RDFS.label)


@pytest.mark.parametrize(
    ("sub", "sup"),
    [(KG.Bureau, KG.Organization), (KG.Department, KG.Organization), (KG.Team, KG.Organization),
     (KG.ImplementingBody, KG.Organization), (KG.UnitProject, KG.Project), (KG.SubProject, KG.Project)],
)
def test_class_hierarchy(kg_ttl, sub, sup):
    assert (sub, RDFS.subClassOf, sup) in kg_ttl


@pytest.mark.parametrize(
    ("prop", "range_"),
    [(KG[p], XSD.integer) for p in ("fiscalYear", "startLine", "endLine", "ordinal", "level", "staffQuota",
                                    "staffCurrent", "indicatorCount", "unitProjectCount", "declaredSubProjectCount")]
    + [(KG[p], XSD.decimal) for p in ("amount", "previousAmount", "changeAmount", "weight", "value", "score")]
    + [(KG.periodStart, XSD.date), (KG.periodEnd, XSD.date)]
    + [(KG[p], SKOS.Concept) for p in ("budgetKind", "currencyUnit", "indicatorType", "partnershipType", "supportForm")]
    + [(KG.supports, KG.Strategy), (KG.correspondsTo, KG.Department), (KG.budget, KG.BudgetAmount)],
)
def test_property_ranges(kg_ttl, prop, range_):
    assert (prop, RDFS.range, range_) in kg_ttl


def test_described_by_is_the_inverse_of_describes(kg_ttl):
    assert (KG.describedBy, OWL.inverseOf, KG.describes) in kg_ttl
    assert (KG.supports, RDFS.domain, KG.Project) in kg_ttl
    assert (KG.correspondsTo, RDFS.domain, KG.ImplementingBody) in kg_ttl


# ---------------------------------------------------------------- concepts.ttl


@pytest.fixture(scope="module")
def concepts_and_glossary(concepts) -> Graph:
    return concepts + Graph().parse(ONTOLOGY / "glossary.ttl", format="turtle")


@pytest.mark.parametrize("name", KGC_TERMS)
def test_every_kgc_term_is_a_labelled_concept_or_scheme(concepts_and_glossary, name):
    term = KGC[name]
    g = concepts_and_glossary
    kinds = set(g.objects(term, RDF.type)) & {SKOS.Concept, SKOS.ConceptScheme, SKOS.Collection}
    assert kinds, f"kgc:{name} must be a skos:Concept, ConceptScheme or Collection in concepts.ttl or glossary.ttl"
    assert {"ko", "en"} <= languages(g, term, SKOS.prefLabel), f"kgc:{name} needs @ko and @en prefLabels"


def test_collections_gather_concepts_of_one_scheme(concepts):
    for coll in concepts.subjects(RDF.type, SKOS.Collection):
        members = set(concepts.objects(coll, SKOS.member))
        assert members, f"{coll} has no members"
        assert {s for m in members for s in concepts.objects(m, SKOS.inScheme)} == {KGC.Themes}


def test_every_concept_is_in_a_scheme_with_labels_and_definition(concepts):
    schemes = set(concepts.subjects(RDF.type, SKOS.ConceptScheme))
    problems = []
    for c in concepts.subjects(RDF.type, SKOS.Concept):
        in_schemes = set(concepts.objects(c, SKOS.inScheme))
        if not in_schemes or not in_schemes <= schemes:
            problems.append(f"{c}: not in a declared scheme")
        for lang in ("ko", "en"):
            if len([o for o in concepts.objects(c, SKOS.prefLabel) if o.language == lang]) != 1:
                problems.append(f"{c}: needs exactly one @{lang} prefLabel")
        if "en" not in languages(concepts, c, SKOS.definition):
            problems.append(f"{c}: needs an @en definition")
        for b in concepts.objects(c, SKOS.broader):
            if (b, RDF.type, SKOS.Concept) not in concepts:
                problems.append(f"{c}: broader {b} is not a concept")
    assert not problems, "\n".join(problems)


def test_concept_schemes_have_the_expected_members(concepts):
    def members(scheme):
        return set(concepts.subjects(SKOS.inScheme, scheme))

    assert members(KGC.PartnershipTypes) == {KGC.SisterRelationship, KGC.FriendshipRelationship}
    assert members(KGC.BudgetKinds) == {KGC.Settlement, KGC.Budget}
    assert members(KGC.IndicatorTypes) == {KGC.CoreIndicator, KGC.GeneralIndicator}
    assert KGC.MillionKRW in members(KGC.Units)
    forms = {"direct", "private-subsidy", "local-gov-subsidy", "contribution", "other"}
    assert members(KGC.SupportForms) == {CONCEPT[f"support-{f}"] for f in forms}
    assert len(members(KGC.Themes)) >= 12


@pytest.mark.parametrize(
    ("scheme", "written", "concept"),
    [
        (KGC.PartnershipTypes, "자매결연", KGC.SisterRelationship),
        (KGC.PartnershipTypes, "자매", KGC.SisterRelationship),
        (KGC.PartnershipTypes, "sister region", KGC.SisterRelationship),
        (KGC.PartnershipTypes, "우호협력", KGC.FriendshipRelationship),
        (KGC.PartnershipTypes, "우호결연", KGC.FriendshipRelationship),
        (KGC.BudgetKinds, "결산", KGC.Settlement),
        (KGC.IndicatorTypes, "핵심", KGC.CoreIndicator),
        (KGC.IndicatorTypes, "일반", KGC.GeneralIndicator),
        (KGC.Units, "백만원", KGC.MillionKRW),
        (KGC.SupportForms, "출연(출자)", CONCEPT["support-contribution"]),
        (KGC.SupportForms, "출자", CONCEPT["support-contribution"]),
        (KGC.SupportForms, "자치단체보조", CONCEPT["support-local-gov-subsidy"]),
        (KGC.Themes, "시민외교", CONCEPT["theme-citizen-diplomacy"]),
        (KGC.Themes, "해외동포", CONCEPT["theme-overseas-koreans"]),
    ],
)
def test_values_as_written_resolve_to_one_concept(concepts, scheme, written, concept):
    """The builder resolves a value written in a document against pref/alt labels of a scheme."""
    found = {
        c
        for c in concepts.subjects(SKOS.inScheme, scheme)
        for p in (SKOS.prefLabel, SKOS.altLabel)
        for label in concepts.objects(c, p)
        if str(label) == written
    }
    assert found == {concept}


def test_no_label_names_two_concepts_of_one_scheme(concepts):
    seen: dict[tuple, URIRef] = {}
    clashes = []
    for c, scheme in concepts.subject_objects(SKOS.inScheme):
        for p in (SKOS.prefLabel, SKOS.altLabel):
            for label in concepts.objects(c, p):
                k = (scheme, str(label).casefold())
                if seen.setdefault(k, c) != c:
                    clashes.append(f"{label!r} names {seen[k]} and {c}")
    assert not clashes, "\n".join(clashes)


# ---------------------------------------------------------------- shapes.ttl


def test_shapes_graph_is_valid_shacl(shapes):
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


def test_every_shape_says_what_it_checks(shapes):
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(SH.targetClass, None))
    property_shapes = set(shapes.objects(None, SH.property)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    missing = [f"{s}: rdfs:comment" for s in node_shapes if (s, RDFS.comment, None) not in shapes]
    for s in property_shapes:
        if (s, SH.name, None) not in shapes:
            missing.append(f"{shapes.value(s, SH.path)}: sh:name")
        if {"ko", "en"} - languages(shapes, s, SH.message):
            missing.append(f"{shapes.value(s, SH.path)}: sh:message @en and @ko")
    assert not missing, "\n".join(missing)


def test_every_concrete_class_has_a_shape_and_targets_are_kg_classes(kg_ttl, shapes):
    targets = set(shapes.objects(None, SH.targetClass))
    classes = set(kg_ttl.subjects(RDF.type, OWL.Class))
    assert targets <= classes
    assert classes - ABSTRACT <= targets


# A small build of the kind kg.rdf.build produces: concrete types, @ko labels, typed numbers,
# concepts.ttl copied into the data graph.

DOC = ID["doc/plan"]
BUREAU, DEPT, TEAM = ID["plan/bureau"], ID["plan/dept/d"], ID["plan/dept/d/team/t"]
UNIT, SUB = ID["plan/dept/d/unit/u"], ID["plan/dept/d/unit/u/sub/s"]
AMOUNT, LINE = ID["plan/dept/d/unit/u/budget/2026-budget"], ID["plan/dept/d/budget-line/l"]
INDICATOR, TARGET = ID["plan/dept/d/indicator/i"], ID["plan/dept/d/indicator/i/target/2026"]
BODY, REGION, COUNTRY = ID["body/b"], ID["region/us/wa"], ID["country/us"]
STRATEGY, SUBSTRATEGY, ALIGNMENT = ID["brief/strategy/1"], ID["brief/strategy/1-1"], ID["alignment/1"]


def good_graph(concepts: Graph) -> Graph:
    g = Graph()
    g += concepts
    ko = lambda s: Literal(s, lang="ko")  # noqa: E731

    def entity(iri, cls, label=None, span=(1, 2)):
        g.add((iri, RDF.type, cls))
        if label:
            g.add((iri, RDFS.label, ko(label)))
        if span:
            g.add((iri, KG.sourceDocument, DOC))
            g.add((iri, KG.startLine, Literal(span[0])))
            g.add((iri, KG.endLine, Literal(span[1])))

    entity(DOC, KG.Document, "대외국제소통국 업무계획", span=None)
    g.add((DOC, KG.sha256, Literal("0123456789abcdef" * 4)))
    g.add((DOC, KG.documentFormat, Literal("business_plan")))
    g.add((DOC, KG.sourceName, Literal("plan.txt")))
    entity(BUREAU, KG.Bureau, "대외국제소통국", (1, 100))
    entity(DEPT, KG.Department, "외국인국제정책과", (10, 90))
    entity(TEAM, KG.Team, "국제협력팀", (12, 12))
    entity(UNIT, KG.UnitProject, "국제교류협력 증진", (40, 80))
    entity(SUB, KG.SubProject, "자매(우호)결연지역 등 교류", (50, 58))
    entity(INDICATOR, KG.PerformanceIndicator, "자매우호결연지역 등 교류횟수", (20, 22))
    entity(BODY, KG.ImplementingBody, "전북특별자치도", span=None)
    entity(REGION, KG.Region, "워싱턴주", span=None)
    entity(COUNTRY, KG.Country, "미국", span=None)
    entity(STRATEGY, KG.Strategy, "지자체 제도 및 인프라 활용", (30, 40))
    entity(SUBSTRATEGY, KG.Strategy, "지역 대학과의 파트너십", (35, 36))
    g.add((BUREAU, KG.hasDepartment, DEPT))
    g.add((DEPT, KG.hasTeam, TEAM))
    g.add((DEPT, KG.staffQuota, Literal(13)))
    g.add((DEPT, KG.staffCurrent, Literal(13)))
    g.add((DEPT, KG.hasUnitProject, UNIT))
    g.add((DEPT, KG.hasIndicator, INDICATOR))
    g.add((DEPT, KG.budgetLine, LINE))
    g.add((UNIT, KG.hasSubProject, SUB))
    g.add((UNIT, KG.partnerRegion, REGION))
    for project in (UNIT, SUB):
        g.add((project, KG.budget, AMOUNT))
    g.add((AMOUNT, RDF.type, KG.BudgetAmount))
    g.add((AMOUNT, KG.fiscalYear, Literal(2026)))
    g.add((AMOUNT, KG.budgetKind, KGC.Budget))
    g.add((AMOUNT, KG.amount, Literal(Decimal("105"))))
    g.add((AMOUNT, KG.currencyUnit, KGC.MillionKRW))
    g.add((LINE, RDF.type, KG.BudgetLine))
    g.add((LINE, KG.category, ko("정책사업")))
    g.add((LINE, KG.fiscalYear, Literal(2026)))
    g.add((LINE, KG.amount, Literal(Decimal("6404"))))
    g.add((LINE, KG.previousAmount, Literal(Decimal("7335"))))
    g.add((LINE, KG.changeAmount, Literal(Decimal("-931"))))
    g.add((LINE, KG.level, Literal(1)))
    g.add((LINE, KG.currencyUnit, KGC.MillionKRW))
    g.add((SUB, KG.implementedBy, BODY))
    g.add((SUB, KG.supportForm, CONCEPT["support-direct"]))
    g.add((SUB, KG.periodStart, Literal("2026-01-01", datatype=XSD.date)))
    g.add((SUB, KG.periodEnd, Literal("2030-12-31", datatype=XSD.date)))
    g.add((REGION, KG.country, COUNTRY))
    g.add((REGION, KG.partnershipType, KGC.SisterRelationship))
    g.add((INDICATOR, KG.indicatorType, KGC.GeneralIndicator))
    g.add((INDICATOR, KG.weight, Literal(Decimal("30"))))
    g.add((INDICATOR, KG.target, TARGET))
    g.add((TARGET, RDF.type, KG.IndicatorValue))
    g.add((TARGET, KG.fiscalYear, Literal(2026)))
    g.add((TARGET, KG.value, Literal(Decimal("47"))))
    g.add((TARGET, KG.valueText, Literal("47")))
    g.add((SUBSTRATEGY, KG.subStrategyOf, STRATEGY))
    g.add((ALIGNMENT, RDF.type, KG.Alignment))
    g.add((ALIGNMENT, KG.alignedEntity, SUB))
    g.add((ALIGNMENT, KG.alignedStrategy, STRATEGY))
    g.add((ALIGNMENT, KG.score, Literal(Decimal("0.82"))))
    g.add((ALIGNMENT, KG.method, Literal("theme-overlap")))
    g.add((ALIGNMENT, KG.evidence, ko("자매우호 결연지역 등과 교류협력사업 추진")))
    g.add((SUB, KG.supports, STRATEGY))
    return g


def violations(data: Graph, shapes: Graph, **kwargs) -> set[tuple[URIRef, URIRef | None]]:
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, **kwargs)
    found = {  # top-level results only, not those nested in sh:detail
        (report.value(r, SH.focusNode), report.value(r, SH.resultPath))
        for r in report.objects(report.value(predicate=RDF.type, object=SH.ValidationReport), SH.result)
    }
    assert conforms == (not found)
    return found


def test_a_well_formed_build_conforms(tmp_path, concepts, shapes):
    path = tmp_path / "graph.ttl"
    good_graph(concepts).serialize(path, format="turtle")
    assert violations(Graph().parse(path, format="turtle"), shapes) == set()


def test_a_well_formed_build_conforms_with_the_ontology_and_rdfs_inference(concepts, shapes, kg_ttl):
    """Domains and ranges must not turn good data bad when a validator reasons with kg.ttl."""
    assert violations(good_graph(concepts), shapes, ont_graph=kg_ttl, inference="rdfs") == set()


def _drop(s, p):
    return lambda g: g.remove((s, p, None))


def _add(s, p, o):
    return lambda g: g.add((s, p, o))


def _replace(s, p, o):
    return lambda g: (g.remove((s, p, None)), g.add((s, p, o)))


ORPHAN = ID["plan/dept/d/unit/u/sub/orphan"]


def _orphan(g: Graph) -> None:
    """A second, complete sub-project that no unit project lists."""
    for p, o in list(g.predicate_objects(SUB)):
        if p not in (KG.supports, RDFS.label):
            g.add((ORPHAN, p, o))
    g.add((ORPHAN, RDFS.label, Literal("고아 세부사업", lang="ko")))


BROKEN = {
    "budget amount without a year": (_drop(AMOUNT, KG.fiscalYear), AMOUNT, KG.fiscalYear),
    "sub-project with two labels": (_add(SUB, RDFS.label, Literal("다른 이름", lang="ko")), SUB, RDFS.label),
    "label without @ko": (_replace(TEAM, RDFS.label, Literal("국제협력팀")), TEAM, RDFS.label),
    "amount as a float": (_replace(AMOUNT, KG.amount, Literal(105.0)), AMOUNT, KG.amount),
    "negative budget": (_replace(AMOUNT, KG.amount, Literal(Decimal("-1"))), AMOUNT, KG.amount),
    "unknown budget kind": (_replace(AMOUNT, KG.budgetKind, KGC.MillionKRW), AMOUNT, KG.budgetKind),
    "year out of range": (_replace(AMOUNT, KG.fiscalYear, Literal(26)), AMOUNT, KG.fiscalYear),
    "reversed line span": (_replace(SUB, KG.startLine, Literal(99)), SUB, KG.startLine),
    "entity without source": (_drop(UNIT, KG.sourceDocument), UNIT, KG.sourceDocument),
    "unit project in two departments": (_add(BUREAU, KG.hasUnitProject, UNIT), UNIT, None),
    "orphan sub-project": (_orphan, ORPHAN, None),
    "partnership type from another scheme": (
        _replace(REGION, KG.partnershipType, KGC.Budget), REGION, KG.partnershipType
    ),
    "support form from another scheme": (_replace(SUB, KG.supportForm, KGC.SisterRelationship), SUB, KG.supportForm),
    "bad sha256": (_replace(DOC, KG.sha256, Literal("not-a-hash")), DOC, KG.sha256),
    "weight over 100": (_replace(INDICATOR, KG.weight, Literal(Decimal("130"))), INDICATOR, KG.weight),
    "score over 1": (_replace(ALIGNMENT, KG.score, Literal(Decimal("1.5"))), ALIGNMENT, KG.score),
    "alignment without evidence": (_drop(ALIGNMENT, KG.evidence), ALIGNMENT, KG.evidence),
    "supports a non-strategy": (_replace(SUB, KG.supports, REGION), SUB, KG.supports),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_build_is_rejected_at_the_broken_node(concepts, shapes, case):
    breaks, focus, path = BROKEN[case]
    g = good_graph(concepts)
    breaks(g)
    found = violations(g, shapes)
    assert found, f"{case}: should not conform"
    assert {f for f, _ in found} == {focus}, f"{case}: violations at {found}"
    if path is not None:
        assert (focus, path) in found
