"""Entity pages, neighbourhoods and budgets (kg.explore), `kg show`, and search highlights."""
from __future__ import annotations

import json

import pytest
from rdflib import RDFS, Literal

from kg import explore
from kg.cli import main
from kg.rdf.io import ontology
from kg.rdf.nx import to_networkx
from kg.search import highlights
from tests.conftest import ONTOLOGY, RAW


@pytest.fixture(scope="module")
def vocab():
    return explore.names(ontology(ONTOLOGY)[0])


def _iri(graph, label: str) -> str:
    return str(next(graph.subjects(RDFS.label, Literal(label, lang="ko"))))


def test_a_sub_project_page(graph, vocab):
    e = explore.entity(graph, _iri(graph, "국제관계대사 운영"), vocab, RAW)
    assert e["type"] == "SubProject" and e["type_name"] == "세부사업"
    assert [(b["label"], b["amount"]) for b in e["budgets"]] == [("결산 2024", 18.0), ("예산 2025", 388.0), ("예산 2026", 21.0)]
    facts = {f["property"]: f["value"] for f in e["facts"]}
    assert facts["지원형태"] == "직접수행"  # a concept, by its Korean label
    assert [a["label"] for a in e["alignments"]] == ["중앙부처-지자체 협업조직 활용"]
    assert e["alignments"][0]["plan_evidence"] and e["alignments"][0]["brief_evidence"]
    unit = next(n for n in e["neighbours"] if n["direction"] == "in")
    assert (unit["label"], unit["property"], unit["type"]) == ("국제교류협력 증진", "세부사업", "UnitProject")
    assert e["source"]["file"] == "jeonbuk_2026_external_affairs_plan.txt"
    assert e["source"]["excerpt"].startswith("국제관계대사 운영")


def test_a_department_page_has_indicators_with_targets(graph, vocab):
    e = explore.entity(graph, _iri(graph, "대외협력과"), vocab, RAW)
    names = {i["label"]: i for i in e["indicators"]}
    assert names["자원봉사 활동률"]["unit"] == "%"
    assert names["자원봉사 활동률"]["targets"][2026] == "5.5"


def test_a_strategy_page_lists_its_projects(graph):
    rows = explore.alignments(graph, explore.URIRef(_iri(graph, "이슈(실용주의적인 의제) 생성 및 홍보")))
    assert rows and all(r["type"] in ("SubProject", "UnitProject") for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


def test_summary_for_cards(graph):
    s = explore.summary(graph, _iri(graph, "전북특별자치도 중국 해외사무소 운영"))
    assert s["department"] == "외국인국제정책과"
    assert s["bodies"] == ["전북특별자치도"]
    assert s["budget"] == {"year": 2026, "kind": "예산", "label": "예산 2026", "amount": 488.0}
    assert s["source"] == "jeonbuk_2026_external_affairs_plan.txt 569행"
    assert s["strategies"]


def test_find_prefers_exact_names_and_refuses_nothing(graph):
    assert explore.find(graph, "국제교류협력 증진")[0]["label"] == "국제교류협력 증진"
    assert len(explore.find(graph, "국제")) > 3
    assert explore.find(graph, "   ") == []
    with pytest.raises(explore.UnknownEntityError):
        explore.entity(graph, "https://w3id.org/policy-kg/id/nothing")


def test_neighbourhood_depth_types_and_cap(graph):
    view = to_networkx(graph)
    centre = _iri(graph, "국제교류협력 증진")
    one, n1 = explore.neighbourhood(view, centre, depth=1)
    two, n2 = explore.neighbourhood(view, centre, depth=2, cap=1000)
    assert centre in one and n2 > n1 and set(one) <= set(two)
    regions, _ = explore.neighbourhood(view, centre, depth=1, types={"Region", "UnitProject"})
    assert {view.nodes[n]["type"] for n in regions} == {"Region", "UnitProject"}
    capped, found = explore.neighbourhood(view, None, cap=15)
    assert capped.number_of_nodes() == 15 and found > 15
    with pytest.raises(explore.UnknownEntityError):
        explore.neighbourhood(view, "https://w3id.org/policy-kg/id/nothing")


def test_dot_labels_are_quoted_text():
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_node("a", label='<b>x</b> "q" \\ end', type="SubProject")
    g.add_node("b", label="<img src=x onerror=alert(1)>", type="Region")
    g.add_edge("a", "b", key="p", predicate="kg:partnerRegion")
    dot = explore.to_dot(g, "a", href=lambda iri: f"?entity={iri}")
    assert 'label="<b>x</b> \\"q\\" \\\\ end"' in dot
    assert "label=<" not in dot  # never an HTML-like label
    assert 'URL="?entity=a"' in dot and "penwidth=3" in dot and "-> n1 [label=\"partnerRegion\"]" in dot


def test_department_budgets_add_up_to_the_plan(graph):
    from kg.rdf.stats import stats

    rows = explore.department_budgets(graph)
    assert {r["column"] for r in rows} == {"결산 2024", "예산 2025", "예산 2026"}
    total_2026 = sum(r["amount"] for r in rows if r["column"] == "예산 2026")
    assert total_2026 == stats(graph)["budget_2026_unit_projects_total"]


def test_budget_changes(graph):
    c = explore.budget_changes(graph, limit=5)
    assert c["increases"][0]["label"] == "전북사랑도민증 활성화 운영" and c["increases"][0]["change"] == 561.0
    assert c["cuts"][0]["label"] == "국제관계대사 운영" and c["cuts"][0]["change"] == -367.0
    assert all(r["change"] > 0 for r in c["increases"]) and all(r["change"] < 0 for r in c["cuts"])


def test_highlights_mark_the_question_words():
    pieces = highlights("국민외교를 지원하는 사업은?", "국민외교 추진 지원 사업과 외교")
    assert [p for p, hit in pieces if hit] == ["국민외교", "지원", "사업", "외교"]
    assert "".join(p for p, _ in pieces) == "국민외교 추진 지원 사업과 외교"
    assert highlights("", "본문") == [("본문", False)]
    assert highlights("질문", "") == []


def test_cli_show(built, capsys):
    assert main(["show", "국제관계대사 운영", "--build", str(built[0])]) == 0
    out = capsys.readouterr().out
    assert "국제관계대사 운영  [세부사업]" in out and "예산 2026 21" in out and "지원 전략: 중앙부처-지자체 협업조직 활용" in out
    assert main(["show", "국제관계대사 운영", "--json", "--build", str(built[0])]) == 0
    assert json.loads(capsys.readouterr().out)["budgets"][-1]["amount"] == 21.0
    assert main(["show", "국제", "--build", str(built[0])]) == 2
    assert "entities match" in capsys.readouterr().err
    assert main(["show", "없는 이름", "--build", str(built[0])]) == 2
    assert "no entity named" in capsys.readouterr().err
