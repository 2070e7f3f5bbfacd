"""The built graph: true counts, SHACL, round trips, stable IRIs, exports, validate."""
from __future__ import annotations

import json

import networkx as nx
import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.cli import main
from kg.rdf.io import load_graph, ontology
from kg.rdf.stats import STATS_KEYS
from kg.rdf.validate import shacl_violations
from kg.rdf.vocab import ID, KG, KGC
from tests.conftest import ONTOLOGY, RAW

# Counted by hand from data/raw (see tests/test_parse_plan.py for the parts).
EXPECTED = {
    "departments": 4,  # 대외협력과, 외국인국제정책과, 소통기획과, 중앙협력본부
    "teams": 15,  # 5 + 3 + 4 + 3 계단위 직제
    "unit_projects": 15,  # 7 + 3 + 4 + 1
    "sub_projects": 58,  # 23 + 21 + 12 + 2
    "regions": 11,
    "sister_regions": 3,  # 워싱턴주, 뉴저지주, 강소성
    "friendship_regions": 8,
    "indicators": 12,  # 3 per 부서
    "implementing_bodies": 10,
    "budget_2026_unit_projects_total": 14872,  # 대외국제소통국 정책사업 14,872 백만원
}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_stats_contract_and_true_counts(capsys, built):
    code, out, _ = run(capsys, "stats", "--json", "--build", str(built[0]))
    numbers = json.loads(out)
    assert code == 0 and tuple(numbers) == STATS_KEYS
    assert {k: numbers[k] for k in EXPECTED} == EXPECTED
    assert numbers["triples"] > 1000 and numbers["passages"] >= 40 and numbers["strategies"] >= 4
    assert all(isinstance(v, (int, float)) for v in numbers.values())


def test_budget_total_equals_bureau_policy_budget(plan_doc, built):
    policy = next(x for x in plan_doc.plan.bureau.budget_lines if x.category == "정책사업")
    assert built[1].stats["budget_2026_unit_projects_total"] == policy.current


def test_build_conforms_to_shacl(graph):
    ont, _, shapes = ontology(ONTOLOGY)
    assert [v for v in shacl_violations(graph, shapes, ont) if v.severity == "Violation"] == []


def test_broken_graph_does_not_conform(graph):
    ont, _, shapes = ontology(ONTOLOGY)
    broken = Graph()
    broken += graph
    sub = next(graph.subjects(RDF.type, KG.SubProject))
    budget = next(graph.objects(sub, KG.budget))
    broken.remove((budget, KG.fiscalYear, None))
    broken.add((sub, RDFS.label, Literal("두 번째 이름", lang="ko")))
    focus = {v.focus for v in shacl_violations(broken, shapes, ont) if v.severity == "Violation"}
    assert {str(sub), str(budget)} <= focus


def test_validate_cli(capsys, built, tmp_path):
    code, out, _ = run(capsys, "validate", "--build", str(built[0]))
    assert code == 0 and "SHACL: conforms" in out
    assert "7,335" in out  # the one real mismatch of the source: 외국인국제정책과 전년도 정책사업
    broken = tmp_path / "broken"
    broken.mkdir()
    g = load_graph(built[0])
    g.remove((None, KG.sourceDocument, None))
    g.serialize(broken / "graph.ttl", format="turtle")
    from kg.integrity import file_table  # a build made by hand lists its files like a real one

    (broken / "manifest.json").write_text(json.dumps({"policy_kg": "test", "files": file_table(broken)}), encoding="utf-8")
    code, out, _ = run(capsys, "validate", "--build", str(broken))
    assert code == 3 and "violation" in out


def test_turtle_round_trip_is_isomorphic(graph):
    again = Graph().parse(data=graph.serialize(format="turtle"), format="turtle")
    assert isomorphic(graph, again)


def test_two_builds_give_identical_graphs(built, tmp_path):
    from kg.pipeline import build

    second = build(RAW, tmp_path / "again", ONTOLOGY)
    assert second.stats == built[1].stats
    assert isomorphic(load_graph(built[0]), load_graph(tmp_path / "again"))
    assert set(load_graph(built[0]).subjects()) == set(load_graph(tmp_path / "again").subjects())


def test_entities_carry_provenance_and_typed_budgets(graph):
    unit = next(s for s in graph.subjects(RDF.type, KG.UnitProject) if str(graph.value(s, RDFS.label)) == "국제교류협력 증진")
    assert str(unit).startswith(str(ID))
    assert int(graph.value(unit, KG.startLine)) == 685
    assert graph.value(unit, KG.sourceDocument) == ID["doc/jeonbuk-2026-external-affairs-plan"]
    amounts = {(int(graph.value(b, KG.fiscalYear)), graph.value(b, KG.budgetKind), graph.value(b, KG.amount).toPython()) for b in graph.objects(unit, KG.budget)}
    assert (2026, KGC.Budget, 553) in {(y, k, int(v)) for y, k, v in amounts}
    assert (2024, KGC.Settlement, 643) in {(y, k, int(v)) for y, k, v in amounts}
    assert graph.value(next(graph.objects(unit, KG.budget)), KG.amount).datatype == URIRef("http://www.w3.org/2001/XMLSchema#decimal")


def test_shared_implementing_body_is_one_node(graph):
    bodies = [b for b in graph.subjects(RDF.type, KG.ImplementingBody) if str(graph.value(b, RDFS.label)) == "14개 시군"]
    assert len(bodies) == 1
    projects = {str(graph.value(s, RDFS.label)) for s in graph.subjects(KG.implementedBy, bodies[0])}
    assert "시군 및 자원봉사단체 협력 강화" in projects and "새마을지도자 자녀 장학금 지원" in projects
    hq = next(b for b in graph.subjects(RDF.type, KG.ImplementingBody) if str(graph.value(b, RDFS.label)) == "중앙협력본부")
    assert str(graph.value(graph.value(hq, KG.correspondsTo), RDFS.label)) == "전북특별자치도 중앙협력본부"


def test_regions_have_country_and_relation(graph):
    rows = graph.query(
        "SELECT ?name ?country WHERE { ?r a kg:Region ; rdfs:label ?name ; kg:country/rdfs:label ?country ; kg:partnershipType kgc:SisterRelationship }",
        initNs={"kg": KG._NS, "kgc": KGC._NS, "rdfs": RDFS},
    )
    assert {(str(a), str(b)) for a, b in rows} == {("워싱턴주", "미국"), ("뉴저지주", "미국"), ("강소성", "중국")}


@pytest.mark.parametrize("fmt,parse_as", [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_export_rdf_formats_round_trip(capsys, built, graph, fmt, parse_as, tmp_path):
    out = tmp_path / f"g.{fmt}"
    code, _, _ = run(capsys, "export", "--format", fmt, "--build", str(built[0]), "-o", str(out))
    assert code == 0
    assert isomorphic(Graph().parse(out, format=parse_as), graph)


def test_export_graphml_opens_in_networkx(capsys, built, tmp_path):
    out = tmp_path / "g.graphml"
    assert run(capsys, "export", "--format", "graphml", "--build", str(built[0]), "-o", str(out))[0] == 0
    g = nx.read_graphml(out)
    labels = {d.get("label") for _, d in g.nodes(data=True)}
    assert {"국제교류협력 증진", "대외협력과", "14개 시군", "닥락성"} <= labels
    types = {d.get("type") for _, d in g.nodes(data=True)}
    assert {"SubProject", "UnitProject", "Department", "Region", "ImplementingBody"} <= types
    assert g.number_of_edges() > 100


def test_projects_and_strategies_carry_themes_from_their_own_text(graph):
    from rdflib.namespace import SKOS

    def themes(label):
        node = next(s for s in graph.subjects(RDFS.label, Literal(label, lang="ko")))
        return {str(x) for c in graph.objects(node, KG.theme) for x in graph.objects(c, SKOS.prefLabel) if x.language == "ko"}

    assert "공공외교" in themes("전북형 공공외교 한마당")
    assert "자매·우호결연" in themes("자매(우호)결연지역 등 교류")
    assert "해외 네트워크" in themes("외국인 오피니언리더 초청")
    assert "법·제도" in themes("국민외교 친화도시 선정")
    assert not themes("수도권 거점지역 마케팅 강화") and not themes("정무수석 운영")


def _children(name: str) -> list[int]:
    import os
    from pathlib import Path

    me, out = str(os.getpid()), []
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if stat[1] == me and name in (proc / "cmdline").read_bytes().decode("utf-8", "replace"):
                out.append(int(proc.name))
        except (OSError, IndexError, ValueError):
            continue
    return out


def test_a_failed_build_leaves_no_process_behind(tmp_path):
    """The model's writer starts with the build; a build that fails at any step stops it (an app
    that takes many uploads would otherwise keep one ~0.5 GB process per failed one)."""
    from kg.errors import InputError
    from kg.pipeline import build

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "scan.pdf").write_bytes(b"%PDF-1.4\n%%EOF")
    before = set(_children("kg.index.static_model"))
    for _ in range(2):
        with pytest.raises(InputError):
            build(raw, tmp_path / "build", ONTOLOGY)
    assert set(_children("kg.index.static_model")) - before == set()


def test_two_briefs_naming_a_strategy_alike_give_two_alignments():
    """Found by a 110-document synthetic build: the alignment's IRI took the strategy's last
    segment only, so one project aligned with 지원 확대 of two briefs made one node with two
    strategies (a SHACL violation)."""
    from kg.rdf.build import alignment_iri

    project = ID["plan-a/dept/국제협력과/unit/교류"]
    a, b = (alignment_iri(project, ID[f"{brief}/strategy/국민참여지원확대"]) for brief in ("brief-1", "brief-2"))
    assert a != b and str(a).startswith(str(project) + "/alignment/")
    assert alignment_iri(project, ID["brief-1/strategy/국민참여지원확대"]) == a  # stable
