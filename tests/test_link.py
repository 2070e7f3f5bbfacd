"""Plan ↔ brief links: which projects support 국민외교, with what strategy, score and evidence."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from kg import alignments as al
from kg.cli import main
from kg.link import THRESHOLD, align, candidates
from kg.lang.keys import key
from kg.rdf.vocab import KG

from .conftest import BRIEF, ONTOLOGY, PLAN, ROOT

READING = Path(__file__).parent / "fixtures" / "links" / "reading.jsonl"
DEV_LINKS = ROOT.parent / "shared" / "eval" / "links_dev.jsonl"
QUERIES = ROOT / "queries"
CONTRACT = {"project_iri", "project", "strategy_iri", "strategy", "score", "method", "evidence"}


def _reading() -> list[dict]:
    return [json.loads(x) for x in READING.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="session")
def rows(graph):
    return al.links(graph, QUERIES)


@pytest.fixture(scope="session")
def supported(rows):
    return {r["project"] for r in rows}


def _precision_recall(predicted: set[str], reading: list[dict]) -> tuple[float, float]:
    truth = {r["project"] for r in reading if r["supports_gukmin_oegyo"]}
    labelled = {r["project"] for r in reading}
    assert predicted <= labelled, f"projects the reading does not know: {predicted - labelled}"
    tp = len(predicted & truth)
    return tp / len(predicted), tp / len(truth)


# ---------------------------------------------------------------- the quality bar


def test_supporting_projects_match_a_careful_reading_of_both_documents(supported):
    """Quality bar: ≥ 85% of the projects marked as supporting 국민외교 truly are
    international / public-diplomacy work, and ≥ 85% of those are found."""
    precision, recall = _precision_recall(supported, _reading())
    assert precision >= 0.85 and recall >= 0.85, (precision, recall)


def test_sub_projects_alone_meet_the_bar(rows):
    subs = {r["project"] for r in rows if r["project_type"] == "SubProject"}
    reading = [r for r in _reading() if r["type"] == "SubProject"]
    precision, recall = _precision_recall(subs, reading)
    assert precision >= 0.85 and recall >= 0.85, (precision, recall)


@pytest.mark.skipif(not DEV_LINKS.exists(), reason="../shared/eval is not beside the repo")
def test_labelled_dev_examples_are_all_right_with_a_margin(graph, built):
    from kg.index.embedder import load_embedder

    best: dict[str, float] = {}
    for a in candidates(graph, load_embedder("builtin", built[0])):
        best[a.entity_label] = max(best.get(a.entity_label, 0.0), a.score)
    report = al.evaluate(best, al.read_labels(DEV_LINKS), THRESHOLD)
    assert (report["precision"], report["recall"]) == (1.0, 1.0), report["errors"]
    assert report["not_in_plan"] == []
    # the threshold is not balanced on a knife edge
    assert report["lowest_positive"] - THRESHOLD >= 0.2 and THRESHOLD - report["highest_negative"] >= 0.2


def test_meaning_alone_never_makes_a_link(graph, built, supported):
    """Without any embedder the same projects are found: similarity only adds to other evidence."""
    without = {a.entity_label for a in align(graph, None)}
    assert without == supported


# ---------------------------------------------------------------- strategies and evidence


def test_the_seconded_ambassador_carries_out_the_central_local_bodies_strategy(rows):
    r = [x for x in rows if x["project"] == "국제관계대사 운영"]
    assert [x["strategy"] for x in r] == ["중앙부처-지자체 협업조직 활용"]
    assert "shared-themes" in r[0]["method"]
    assert "국제관계 대사회의" in r[0]["brief_evidence"]


def test_evidence_is_quoted_from_both_documents(rows):
    plan, brief = (key(p.read_text(encoding="utf-8")) for p in (PLAN, BRIEF))
    for r in rows:
        quote = r["plan_evidence"].split(": ", 1)[-1].split(" (단위사업 목적: ")[-1].rstrip(")")
        assert key(quote) in plan, (r["project"], quote)
        assert key(r["brief_evidence"]) in brief, (r["project"], r["brief_evidence"])
        assert r["evidence"] == f"업무계획: {r['plan_evidence']} ↔ 정책브리프: {r['brief_evidence']}"


def test_scores_are_in_range_sorted_and_above_the_threshold(rows):
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(THRESHOLD <= s <= 1 for s in scores)
    assert all(r["method"] for r in rows)


def test_every_alignment_has_its_direct_edge_and_nothing_else_does(graph, rows):
    edges = {(str(s), str(o)) for s, o in graph.subject_objects(KG.supports)}
    assert edges == {(r["project_iri"], r["strategy_iri"]) for r in rows}
    assert len(set(graph.subjects(RDF.type, KG.Alignment))) == len(rows)


def test_a_project_is_not_linked_to_a_branch_and_an_item_of_it(graph, rows):
    by_project: dict[str, set[str]] = {}
    for r in rows:
        by_project.setdefault(r["project_iri"], set()).add(r["strategy_iri"])
    for strategies in by_project.values():
        for s in strategies:
            assert str(graph.value(URIRef(s), KG.subStrategyOf)) not in strategies


# ---------------------------------------------------------------- explanation and gaps


def test_gap_list_names_the_strategies_nothing_in_the_plan_carries_out(graph, rows):
    gaps = {g["strategy"] for g in al.gaps(graph, QUERIES)}
    # no 국민외교법 and no 국민외교 친화도시 effort in the plan
    assert {"국민외교의 효과적 실시를 위한 지자체의 역할 제도화", "국민외교 친화도시 선정"} <= gaps
    assert gaps.isdisjoint({r["strategy"] for r in rows})
    cover = {c["branch"]: c for c in al.coverage(graph, rows)}
    assert cover["법·제도 구축"]["items_covered"] == [] and cover["법·제도 구축"]["projects"] == []
    assert "중앙부처-지자체 협업조직 활용" in cover["지자체 제도 및 인프라 활용"]["items_covered"]


def test_naming_a_branch_selects_its_items_too(graph, rows):
    picked = al.filter_strategy(graph, rows, "국민외교센터 운영 활성화")  # the heading's spelling
    names = {r["strategy"] for r in picked}
    assert picked and names <= {"국민외교센터 운영활성화", "이슈(실용주의적인 의제) 생성 및 홍보",
                                "지자체 수요 및 협력 유인 파악", "재원확보 및 지자체에 대한 행·재정적 지원 모색"}


def test_an_unknown_strategy_is_a_one_line_error(graph, rows):
    with pytest.raises(al.UnknownStrategyError) as e:
        al.filter_strategy(graph, rows, "우주개발")
    assert "\n" not in e.value.one_line() and "국민외교 친화도시 선정" in e.value.one_line()


def test_why_lists_the_reasons_in_korean(graph, rows):
    r = next(x for x in rows if x["project"] == "전북특별자치도 중국 해외사무소 운영")
    reasons = al.why(graph, r["project_iri"], r["strategy_iri"])
    assert any(x.startswith("외국 언급: 중국") for x in reasons)
    assert any(x.startswith("사업 내용의 대외 주제") and "해외사무소" in x for x in reasons)


# ---------------------------------------------------------------- CLI contract


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_kg_links_json_contract(built, capsys, rows):
    code, out, _ = _run(capsys, "links", "--build", str(built[0]), "--json")
    data = json.loads(out)
    assert code == 0 and len(data) == len(rows)
    assert all(set(d) == CONTRACT for d in data)
    assert all(isinstance(d["score"], float) and isinstance(d["method"], str) for d in data)


def test_kg_links_explains_one_project(built, capsys):
    code, out, _ = _run(capsys, "links", "--build", str(built[0]), "--project", "국제관계대사", "--json")
    data = json.loads(out)
    assert code == 0 and [d["strategy"] for d in data] == ["중앙부처-지자체 협업조직 활용"]
    assert any("국제관계대사" in w for w in data[0]["why"])


def test_kg_links_unknown_strategy_exits_2_without_traceback(built, capsys):
    code, out, err = _run(capsys, "links", "--build", str(built[0]), "--strategy", "우주개발")
    assert code == 2 and out == "" and err.startswith("kg: error: no strategy named") and "Traceback" not in err


def test_kg_links_gaps(built, capsys):
    code, out, _ = _run(capsys, "links", "--build", str(built[0]), "--gaps", "--json")
    data = json.loads(out)
    assert code == 0 and {"gaps", "coverage"} == set(data)
    assert "국민외교 친화도시 선정" in {g["strategy"] for g in data["gaps"]}


def test_kg_links_eval_rejects_a_bad_labels_file(built, capsys, tmp_path):
    bad = tmp_path / "labels.jsonl"
    bad.write_text('{"project": "x"}\n', encoding="utf-8")
    code, _, err = _run(capsys, "links", "--build", str(built[0]), "--eval", str(bad))
    assert code == 2 and f"{bad}:1:" in err


# ---------------------------------------------------------------- the saved query is real SPARQL


def test_saved_query_lists_supporting_projects_with_score_and_evidence(graph):
    q = (QUERIES / al.SUPPORTING).read_text(encoding="utf-8")
    result = list(graph.query(q))
    assert result and all(0 < float(r.score) <= 1 and str(r.evidence) for r in result)
    assert {str(r.projectLabel) for r in result} >= {"전북형 공공외교 한마당", "외국인 오피니언리더 초청"}


# ---------------------------------------------------------------- shapes


def test_an_alignment_of_a_non_project_violates_the_shapes(graph):
    from kg.rdf.io import ontology
    from kg.rdf.validate import shacl_violations

    ont, _, shapes = ontology(ONTOLOGY)
    g = Graph()
    node = next(iter(graph.subjects(RDF.type, KG.Alignment)))
    for p, o in graph.predicate_objects(node):
        g.add((node, p, o))
    dept = next(iter(graph.subjects(RDF.type, KG.Department)))
    strategy = graph.value(node, KG.alignedStrategy)
    g.add((strategy, RDF.type, KG.Strategy))
    g.remove((node, KG.alignedEntity, None))
    g.add((node, KG.alignedEntity, dept))
    g.add((dept, RDF.type, KG.Department))
    g.add((dept, RDFS.label, Literal("부서", lang="ko")))
    found = [v for v in shacl_violations(g, shapes, ont) if v.severity == "Violation"]
    assert any(str(node) == v.focus and "alignedEntity" in v.path for v in found), found
