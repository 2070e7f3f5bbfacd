"""Records → RDF: the only place where parsed records become triples.

IRIs are derived from document ids and names only, so the same input gives the same
IRIs. Shared things (implementing bodies, countries, regions) are not scoped by document,
so several plans naming the same body or region meet in one node.

Each document's triples are made alone (``GraphBuilder.document``) and make that document's
named graph: a shared node's triples are asserted in every graph whose document states them,
so removing a document removes exactly what it said and nothing another document also says.
The build's graph is the union of the concept scheme, the document graphs and the links.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg.lang.keys import key
from kg.rdf.themes import ThemeMatcher
from kg.rdf.vocab import ID, KG, KGC
from kg.records import Amount, BusinessPlan, Department, Document, PolicyBrief, Span, UnitProject

_KIND = {"settlement": KGC.Settlement, "budget": KGC.Budget}


def slug(text: str) -> str:
    """An IRI segment: NFC, no white space, characters other than letters/digits as ``_``."""
    text = key(unicodedata.normalize("NFC", text))
    return re.sub(r"[^0-9A-Za-z\uac00-\ud7a3\-]+", "_", text).strip("_") or "_"


def bind_prefixes(g: Graph) -> None:
    g.bind("kg", KG._NS)
    g.bind("kgc", KGC._NS)
    g.bind("id", ID)
    g.bind("skos", SKOS)
    g.bind("prov", PROV)
    g.bind("dcterms", DCTERMS)


def document_graph_iri(doc_id: str) -> URIRef:
    """The named graph of one document's triples."""
    return ID[f"graph/doc/{doc_id}"]


CONCEPTS_GRAPH = ID["graph/concepts"]  # the SKOS scheme the build used (ontology/concepts.ttl)
LINKS_GRAPH = ID["graph/links"]  # the alignments between documents (they rest on two documents)


def new_graph() -> Graph:
    g = Graph()
    bind_prefixes(g)
    return g


def prefix_map() -> dict[str, str]:
    """The prefixes the build's graphs are written with."""
    g = Graph(bind_namespaces="core")
    bind_prefixes(g)
    return {prefix: str(ns) for prefix, ns in g.namespaces() if prefix}


class GraphBuilder:
    """Makes each document's graph; ``concepts`` is the SKOS scheme used to resolve labels (read,
    never copied into a document's graph)."""

    def __init__(self, concepts: Graph):
        self.concepts = concepts
        self._scheme_labels = self._concept_labels(concepts)
        self._matcher = ThemeMatcher(concepts)
        self.g = new_graph()
        self._labels = dict(self._scheme_labels)
        self._year = 0

    def document(self, doc: Document) -> Graph:
        """The triples ``doc`` states, themes included: its named graph. A concept the scheme
        lacks (a new indicator type …) is made in the graph of each document that uses it."""
        self.g = new_graph()
        self._labels = dict(self._scheme_labels)
        self._year = 0
        self.add(doc)
        self.tag_themes()
        return self.g

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _concept_labels(concepts: Graph) -> dict[tuple[URIRef, str], URIRef]:
        out = {}
        for c, scheme in concepts.subject_objects(SKOS.inScheme):
            for p in (SKOS.prefLabel, SKOS.altLabel):
                for label in concepts.objects(c, p):
                    out[(scheme, key(str(label)).lower())] = c
        return out

    def find_concept(self, scheme: URIRef, label: str) -> URIRef | None:
        return self._labels.get((scheme, key(label).lower()))

    def concept(self, scheme: URIRef, label: str) -> URIRef:
        """The concept of ``scheme`` labelled ``label``; a new concept if none is."""
        found = self.find_concept(scheme, label)
        if found is not None:
            return found
        node = URIRef(f"{scheme}/{slug(label)}")
        self.g.add((node, RDF.type, SKOS.Concept))
        self.g.add((node, SKOS.inScheme, scheme))
        self.g.add((node, SKOS.prefLabel, Literal(label, lang="ko")))
        self._labels[(scheme, key(label).lower())] = node
        return node

    def node(self, iri: URIRef, cls: URIRef, label: str | None = None, span: Span | None = None) -> URIRef:
        self.g.add((iri, RDF.type, cls))
        if label is not None:
            self.g.add((iri, RDFS.label, Literal(label, lang="ko")))
        if span is not None:
            self.g.add((iri, KG.sourceDocument, ID[f"doc/{span.doc_id}"]))
            self.g.add((iri, KG.startLine, Literal(span.start)))
            self.g.add((iri, KG.endLine, Literal(span.end)))
        return iri

    def text(self, s: URIRef, p: URIRef, value: str | None) -> None:
        if value:
            self.g.add((s, p, Literal(value, lang="ko")))

    def number(self, s: URIRef, p: URIRef, value: float | None) -> None:
        if value is not None:
            self.g.add((s, p, decimal_literal(value)))

    def amounts(self, owner: URIRef, amounts: Iterable[Amount]) -> None:
        for a in amounts:
            b = URIRef(f"{owner}/budget/{a.year}-{a.kind}")
            self.g.add((owner, KG.budget, b))
            self.g.add((b, RDF.type, KG.BudgetAmount))
            self.g.add((b, KG.fiscalYear, Literal(a.year)))
            self.g.add((b, KG.budgetKind, _KIND[a.kind]))
            self.number(b, KG.amount, a.value)
            self.g.add((b, KG.currencyUnit, KGC.MillionKRW))

    # ------------------------------------------------------------ themes

    _THEMED = {
        KG.SubProject: (RDFS.label, SKOS.altLabel, KG.content, KG.supportCondition),
        KG.UnitProject: (RDFS.label, KG.purpose, KG.mainContent),
        KG.Strategy: (RDFS.label, SKOS.altLabel, KG.text),
        KG.Programme: (RDFS.label,),
        KG.Passage: (KG.text,),
        KG.Problem: (KG.text,),
    }

    def tag_themes(self) -> None:
        """``kg:theme`` from each node's own text to every theme whose label or synonym it uses."""
        matcher = self._matcher
        for cls, props in self._THEMED.items():
            for node in set(self.g.subjects(RDF.type, cls)):
                for concept in matcher.themes(" ".join(str(o) for p in props for o in self.g.objects(node, p))):
                    self.g.add((node, KG.theme, concept))

    # ------------------------------------------------------------ documents

    def add(self, doc: Document) -> None:
        d = ID[f"doc/{doc.doc_id}"]
        self.node(d, KG.Document, doc.title)
        self.g.add((d, DCTERMS.title, Literal(doc.title, lang="ko")))
        self.g.add((d, KG.sha256, Literal(doc.sha256)))
        self.g.add((d, KG.documentFormat, Literal(doc.format)))
        self.g.add((d, KG.sourceName, Literal(doc.source_name)))
        if doc.meta is not None:  # what the document is (kg.meta)
            m = doc.meta
            self.g.add((d, KG.documentKind, Literal(m.kind)))
            for prop, value in ((KG.issuer, m.issuer), (KG.issuerType, m.issuer_type), (KG.issuingBureau, m.bureau)):
                if value:
                    self.g.add((d, prop, Literal(value)))
            if m.year:
                self.g.add((d, KG.documentYear, Literal(m.year)))
        about = {}
        if doc.plan is not None:
            about = self._plan(doc.doc_id, doc.plan)
        if doc.brief is not None:
            about = self._brief(doc.doc_id, doc.brief)
        for p in doc.passages:
            n = self.node(ID[f"{doc.doc_id}/passage/{p.ordinal}"], KG.Passage, _short(p.text), p.span)
            self.text(n, KG.text, p.text)
            self.g.add((n, KG.ordinal, Literal(p.ordinal)))
            if p.section and p.section in about.get("sections", {}):
                self.g.add((n, KG.inSection, about["sections"][p.section]))
            if p.about and p.about in about.get("entities", {}):
                self.g.add((n, KG.describes, about["entities"][p.about]))

    # ------------------------------------------------------------ plan

    def _plan(self, doc_id: str, plan: BusinessPlan) -> dict:
        b = plan.bureau
        self._year = plan.year
        bureau = self.node(ID[f"{doc_id}/bureau"], KG.Bureau, b.name, b.span)
        for goal in b.strategic_goals:
            self.text(bureau, KG.strategicGoal, goal)
        self.text(bureau, KG.direction, b.direction)
        self._budget_lines(bureau, b.budget_lines)
        for goal in b.policy_goals:
            self.g.add((bureau, KG.hasPolicyGoal, self._goal(bureau, goal)))
        entities = {b.name: bureau}
        for dept in plan.departments:
            entities[dept.name] = self._department(doc_id, bureau, dept)
        self._link_bodies_to_departments(plan, entities)
        return {"entities": entities}

    def _department(self, doc_id: str, bureau: URIRef, dept: Department) -> URIRef:
        d = self.node(ID[f"{doc_id}/dept/{slug(dept.name)}"], KG.Department, dept.name, dept.span)
        self.g.add((bureau, KG.hasDepartment, d))
        self.text(d, KG.strategicGoal, dept.strategic_goal)
        self.text(d, KG.direction, dept.direction)
        for item in dept.main_contents:
            self.text(d, KG.mainContent, item)
        if dept.staffing:
            self.g.add((d, KG.staffQuota, Literal(dept.staffing.quota_total)))
            self.g.add((d, KG.staffCurrent, Literal(dept.staffing.current)))
        for team in dept.teams:
            t = self.node(URIRef(f"{d}/team/{slug(team)}"), KG.Team, team, dept.staffing.span if dept.staffing else dept.span)
            self.g.add((d, KG.hasTeam, t))
        self._budget_lines(d, dept.budget_lines)
        for goal in dept.policy_goals:
            self.g.add((d, KG.hasPolicyGoal, self._goal(d, goal)))
        for ind in dept.indicators:
            self.g.add((d, KG.hasIndicator, self._indicator(d, ind)))
        for unit in dept.unit_projects:
            self.g.add((d, KG.hasUnitProject, self._unit(d, unit)))
        return d

    def _budget_lines(self, owner: URIRef, lines) -> None:
        year = self._year
        for line in lines:
            n = self.node(URIRef(f"{owner}/budget-line/{slug(line.category)}"), KG.BudgetLine, span=line.span)
            self.g.add((owner, KG.budgetLine, n))
            self.g.add((n, KG.category, Literal(line.category, lang="ko")))
            self.g.add((n, KG.level, Literal(line.level)))
            self.g.add((n, KG.fiscalYear, Literal(year)))
            self.number(n, KG.amount, line.current)
            self.number(n, KG.previousAmount, line.previous)
            self.number(n, KG.changeAmount, line.change)
            self.g.add((n, KG.currencyUnit, KGC.MillionKRW))

    def _goal(self, owner: URIRef, goal) -> URIRef:
        n = self.node(URIRef(f"{owner}/goal/{slug(goal.name)}"), KG.PolicyGoal, goal.name, goal.span)
        if goal.indicator_count is not None:
            self.g.add((n, KG.indicatorCount, Literal(goal.indicator_count)))
        if goal.unit_project_count is not None:
            self.g.add((n, KG.unitProjectCount, Literal(goal.unit_project_count)))
        if goal.budget is not None:
            self.amounts(n, [Amount(self._year, "budget", goal.budget)])
        return n

    def _indicator(self, dept: URIRef, ind) -> URIRef:
        n = self.node(URIRef(f"{dept}/indicator/{slug(ind.name)}"), KG.PerformanceIndicator, ind.name, ind.span)
        if ind.kind:
            self.g.add((n, KG.indicatorType, self.concept(KGC.IndicatorTypes, ind.kind)))
        self.number(n, KG.weight, ind.weight)
        for p, v in ((KG.measurementUnit, ind.unit), (KG.formula, ind.formula), (KG.dataSource, ind.source), (KG.rationale, ind.rationale)):
            self.text(n, p, v)
        for p, name, values in ((KG.target, "target", ind.targets), (KG.actual, "actual", ind.actuals)):
            for yv in values:
                v = URIRef(f"{n}/{name}/{yv.year}")
                self.g.add((n, p, v))
                self.g.add((v, RDF.type, KG.IndicatorValue))
                self.g.add((v, KG.fiscalYear, Literal(yv.year)))
                self.number(v, KG.value, yv.value)
                self.g.add((v, KG.valueText, Literal(yv.text)))
        return n

    def _unit(self, dept: URIRef, unit: UnitProject) -> URIRef:
        u = self.node(URIRef(f"{dept}/unit/{slug(unit.name)}"), KG.UnitProject, unit.name, unit.span)
        for item in unit.purposes:
            self.text(u, KG.purpose, item)
        for item in unit.contents:
            self.text(u, KG.mainContent, item)
        if unit.account:
            self.g.add((u, KG.account, Literal(unit.account, lang="ko")))
        if unit.declared_sub_count is not None:
            self.g.add((u, KG.declaredSubProjectCount, Literal(unit.declared_sub_count)))
        self.amounts(u, unit.amounts)
        seen: set[str] = set()
        for sub in unit.sub_projects:
            s_slug = slug(sub.name)
            while s_slug in seen:  # two rows with one name stay two projects
                s_slug += "_"
            seen.add(s_slug)
            s = self.node(URIRef(f"{u}/sub/{s_slug}"), KG.SubProject, sub.name, sub.span)
            self.g.add((u, KG.hasSubProject, s))
            self.amounts(s, sub.amounts)
            self._overview(s, sub)
        for group in unit.region_groups:
            relation = self.concept(KGC.PartnershipTypes, group.relation)
            for region in group.regions:
                r = self._region(region, relation)
                self.g.add((u, KG.partnerRegion, r))
        return u

    def _overview(self, s: URIRef, sub) -> None:
        ov = sub.overview
        if ov is None:
            return
        if key(ov.name) != key(sub.name):
            self.g.add((s, SKOS.altLabel, Literal(ov.name, lang="ko")))
        self.text(s, KG.content, ov.content)
        for p, v in ((KG.periodStart, ov.period_start), (KG.periodEnd, ov.period_end)):
            if v:
                self.g.add((s, p, Literal(v, datatype=XSD.date)))
        if ov.support_form:
            self.g.add((s, KG.supportForm, self.concept(KGC.SupportForms, ov.support_form)))
        self.text(s, KG.supportCondition, ov.support_condition)
        for name in sub.implementers:
            body = self.node(ID[f"body/{slug(name)}"], KG.ImplementingBody)
            if (body, RDFS.label, None) not in self.g:
                self.g.add((body, RDFS.label, Literal(name, lang="ko")))
            self.g.add((s, KG.implementedBy, body))

    def _region(self, region, relation: URIRef) -> URIRef:
        scope = slug(region.country) + "/" if region.country else ""
        r = ID[f"region/{scope}{slug(region.name)}"]
        if (r, RDF.type, KG.Region) not in self.g:
            self.node(r, KG.Region, region.name)
            if region.country:
                c = self.node(ID[f"country/{slug(region.country)}"], KG.Country)
                if (c, RDFS.label, None) not in self.g:
                    self.g.add((c, RDFS.label, Literal(region.country, lang="ko")))
                    known = self.find_concept(KGC.Countries, region.country)
                    if known is not None:  # other names of the country (Vietnam, Viet Nam)
                        self.g.add((c, SKOS.exactMatch, known))
                        for name in self.concepts.objects(known, SKOS.prefLabel):
                            if name != Literal(region.country, lang="ko"):
                                self.g.add((c, SKOS.altLabel, name))
                        for name in self.concepts.objects(known, SKOS.altLabel):
                            self.g.add((c, SKOS.altLabel, name))
                self.g.add((r, KG.country, c))
        self.g.add((r, KG.partnershipType, relation))
        return r

    def _link_bodies_to_departments(self, plan: BusinessPlan, entities: dict) -> None:
        """A body named like one of the plan's departments (``중앙협력본부``) is that department."""
        depts = {key(d.name): entities[d.name] for d in plan.departments}
        for body in set(self.g.subjects(RDF.type, KG.ImplementingBody)):
            k = key(str(self.g.value(body, RDFS.label)))
            for dk, d in depts.items():
                if dk == k or (len(k) >= 4 and dk.endswith(k)):
                    self.g.add((body, KG.correspondsTo, d))

    # ------------------------------------------------------------ brief

    def _brief(self, doc_id: str, brief: PolicyBrief) -> dict:
        doc = ID[f"doc/{doc_id}"]
        sections = {}
        for s in brief.sections:
            n = self.node(ID[f"{doc_id}/section/{s.ordinal}"], KG.Section, s.title, s.span)
            self.g.add((n, KG.ordinal, Literal(s.ordinal)))
            self.g.add((doc, KG.hasSection, n))
            sections.setdefault(s.title, n)
        areas = {}
        for p in brief.programmes:
            if p.area not in areas:
                areas[p.area] = self.node(ID[f"{doc_id}/programme-area/{slug(p.area)}"], KG.ProgrammeArea, p.area, p.span)
            n = self.node(ID[f"{doc_id}/programme/{slug(p.name)}"], KG.Programme, p.name, p.span)
            self.g.add((n, KG.inArea, areas[p.area]))
        for i, prob in enumerate(brief.problems, start=1):
            n = self.node(ID[f"{doc_id}/problem/{i}"], KG.Problem, _short(prob.text), prob.span)
            self.text(n, KG.text, prob.text)
        strategies = {s.key: ID[f"{doc_id}/strategy/{slug(s.key)}"] for s in brief.strategies}
        for s in brief.strategies:
            n = self.node(strategies[s.key], KG.Strategy, s.name, s.span)
            for alt in s.alt_names:
                self.g.add((n, SKOS.altLabel, Literal(alt, lang="ko")))
            self.text(n, KG.text, s.description)
            if s.parent in strategies:
                self.g.add((n, KG.subStrategyOf, strategies[s.parent]))
        for ph in brief.phases:
            n = self.node(ID[f"{doc_id}/phase/{ph.ordinal}"], KG.Phase, ph.name, ph.span)
            self.g.add((n, KG.ordinal, Literal(ph.ordinal)))
            self.text(n, KG.text, ph.description)
        return {"sections": sections, "entities": strategies}


def _decimal(value: float) -> Decimal:
    return Decimal(str(value)).normalize() if value != int(value) else Decimal(int(value))


def decimal_literal(value: float) -> Literal:
    """An xsd:decimal in its canonical form (``5.0``, ``4.11``): the form Turtle's shorthand
    writes, so a graph reads back as the same terms whoever wrote it."""
    text = format(_decimal(value), "f")
    return Literal(text if "." in text else text + ".0", datatype=XSD.decimal)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def alignment_iri(entity: str, strategy: str) -> URIRef:
    """The IRI of the alignment of a project with a strategy (stable: both IRIs make it). The
    strategy's brief is part of it: two briefs may name a strategy alike."""
    brief, _, name = str(strategy).removeprefix(str(ID)).rpartition("/strategy/")
    return URIRef(f"{entity}/alignment/{brief}/{name}" if brief else f"{entity}/alignment/{str(strategy).rsplit('/', 1)[-1]}")


def add_alignments(g: Graph, alignments: Iterable) -> int:
    """Each alignment (``kg.link.Alignment``) as a ``kg:Alignment`` node with its score, methods,
    evidence from both documents and the themes it rests on, plus the direct ``kg:supports``
    edge from the project to the strategy. Returns how many were added."""
    n = 0
    for a in alignments:
        node = alignment_iri(a.entity, a.strategy)
        g.add((node, RDF.type, KG.Alignment))
        g.add((node, RDFS.label, Literal(f"{a.entity_label} → {a.strategy_label}", lang="ko")))
        g.add((node, KG.alignedEntity, a.entity))
        g.add((node, KG.alignedStrategy, a.strategy))
        g.add((node, KG.score, decimal_literal(a.score)))
        g.add((node, KG.relevance, decimal_literal(a.relevance)))
        for m in a.methods:
            g.add((node, KG.method, Literal(m)))
        g.add((node, KG.evidence, Literal(a.evidence, lang="ko")))
        g.add((node, KG.entityEvidence, Literal(a.plan_evidence, lang="ko")))
        g.add((node, KG.strategyEvidence, Literal(a.brief_evidence, lang="ko")))
        for reason in a.reasons:
            g.add((node, RDFS.comment, Literal(reason, lang="ko")))
        for t in a.themes:
            g.add((node, KG.theme, t))
        g.add((a.entity, KG.supports, a.strategy))
        n += 1
    return n


def document_graphs(docs: Iterable[Document], concepts: Graph) -> dict[str, Graph]:
    """Each document's own graph, by document id."""
    builder = GraphBuilder(concepts)
    return {doc.doc_id: builder.document(doc) for doc in docs}


def union(concepts: Graph, parts: Iterable[Graph]) -> Graph:
    """The build's graph: the concept scheme and every part (document graphs, links), each
    triple once."""
    g = new_graph()
    g += concepts
    for part in parts:
        g += part
    return g


def build_graph(docs: Iterable[Document], concepts: Graph) -> Graph:
    """The union of the documents' graphs and the concept scheme (no links)."""
    return union(concepts, document_graphs(docs, concepts).values())
