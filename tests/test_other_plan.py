"""Another bureau's plan in the same format: the parser keys on the format, not this corpus."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import RDF, RDFS

from kg.parse import parse_document
from kg.rdf.consistency import check_documents
from kg.rdf.vocab import KG
from tests.conftest import ONTOLOGY

AGRI = Path(__file__).parent / "fixtures" / "plan" / "agri_bureau_plan.txt"


@pytest.fixture(scope="module")
def agri():
    return parse_document(AGRI)


def test_other_bureau_structure(agri):
    plan = agri.plan
    assert agri.format == "business_plan" and plan.bureau.name == "농업농촌식품국" and plan.year == 2026
    assert [d.name for d in plan.departments] == ["농업정책과", "친환경유통과"]
    assert [d.teams for d in plan.departments] == [("농업정책팀", "농지팀"), ("유통팀", "인증팀", "학교급식팀")]
    assert [[u.name for u in d.unit_projects] for d in plan.departments] == [["청년 농업인 육성", "농가 경영 안정"], ["학교급식 지원"]]
    assert plan.departments[1].budget_lines[1].category == "정책사업"  # written letter-spaced: 정 책 사 업


def test_other_bureau_rows_blocks_and_bodies(agri):
    youth = agri.plan.departments[0].unit_projects[0]
    subs = {s.name: s for s in youth.sub_projects}
    assert list(subs) == ["영농 정착 지원금", "청년농 해외 선진지 연수", "청년농업인업무 추진 기본경비"]
    assert [a.value for a in subs["청년농 해외 선진지 연수"].amounts] == [90, 100, 100]  # row split over two lines
    assert subs["청년농업인업무 추진 기본경비"].overview.name == "청년농업인 업무 추진 기본경비"  # spelt differently
    assert [(g.relation, [(r.country, r.name) for r in g.regions]) for g in youth.region_groups] == [
        ("협력도시", [("프랑스", "리옹"), ("독일", "뮌헨")])
    ]
    farm = agri.plan.departments[0].unit_projects[1].sub_projects[0]
    assert farm.implementers == ("지역 농협", "14개 시군")


def test_other_bureau_indicators(agri):
    inds = [i for d in agri.plan.departments for i in d.indicators]
    assert [(i.name, i.unit, i.kind, i.weight) for i in inds] == [
        ("청년 농업인 신규 정착", "명", "핵심", 60),
        ("경영비 지원 농가", "호", "일반", 40),
        ("친환경 급식 비율", "%", "핵심", 100),
    ]
    assert inds[0].rationale == "최근 3년 평균 정착 인원 고려"
    assert [t.value for t in inds[2].actuals] == [71, 0, None, None, None]


def test_consistency_finds_a_real_mismatch(agri, tmp_path):
    assert check_documents([agri]) == []
    path = tmp_path / AGRI.name
    path.write_text(AGRI.read_text(encoding="utf-8").replace("영농 정착 지원금\t\t600\t610\t690", "영농 정착 지원금\t\t600\t610\t650"), encoding="utf-8")
    findings = check_documents([parse_document(path)])
    assert len(findings) == 1
    f = findings[0]
    assert (f.subject, f.stated, f.computed) == ("청년 농업인 육성", 800, 760) and "2026 budget" in f.check


def test_build_with_both_plans_shares_bodies(tmp_path, raw_copy):
    from kg.pipeline import build

    shutil.copy(AGRI, raw_copy / AGRI.name)
    result = build(raw_copy, tmp_path / "b", ONTOLOGY)
    assert result.stats["departments"] == 6 and result.stats["unit_projects"] == 18
    from kg.rdf.io import load_graph

    g = load_graph(tmp_path / "b")
    sigun = [b for b in g.subjects(RDF.type, KG.ImplementingBody) if str(g.value(b, RDFS.label)) == "14개 시군"]
    assert len(sigun) == 1
    docs = {g.value(s, KG.sourceDocument) for s in g.subjects(KG.implementedBy, sigun[0])}
    assert len(docs) == 2

    # a farming bureau funds no 국민외교 work: partner cities of a study tour alone do not make a link
    agri_doc = next(d for d in docs if "agri" in str(d))
    linked = {g.value(a, KG.alignedEntity) for a in g.subjects(RDF.type, KG.Alignment)}
    assert linked and not any(g.value(p, KG.sourceDocument) == agri_doc for p in linked)
