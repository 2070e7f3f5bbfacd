"""The analysts' saved SPARQL queries (queries/*.rq).

Every query file has the header the tools read (``# title:`` with a Korean title, ``# description:``),
parses, runs on the built graph with at least one row, and gives the same rows on rdflib's own engine
and on Oxigraph. Each query written for the analysts then gets a check of its result against figures
read by hand from data/raw/jeonbuk_2026_external_affairs_plan.txt (line numbers in the comments) or
data/raw/mofa_local_public_diplomacy_brief.txt — not figures copied from the query's own output.
"""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
ALL_QUERIES = sorted(QUERIES.glob("*.rq"))
KG = "https://w3id.org/policy-kg/ontology#"

NEW_QUERIES = [
    "department-budget-2026.rq",
    "projects-by-implementing-body.rq",
    "partner-regions.rq",
    "largest-budget-changes.rq",
    "projects-by-support-form.rq",
    "indicators-and-targets.rq",
    "project-neighbourhood.rq",
    "strategy-tree.rq",
]

HANGUL = re.compile("[\uac00-\ud7a3]")
TITLE = re.compile(r"^# title: (?P<ko>.+?) \((?P<en>[^()]*(?:\([^()]*\)[^()]*)*)\)$")
GROUP_CONCAT = re.compile(
    r'GROUP_CONCAT\s*\(\s*(?:DISTINCT\s+)?\?\w+\s*;\s*separator\s*=\s*"(?P<sep>[^"]*)"\s*\)\s*AS\s+\?(?P<var>\w+)',
    re.IGNORECASE,
)


def _text(name: str) -> str:
    return (QUERIES / name).read_text(encoding="utf-8")


def _value(term):
    if term is None:
        return None
    if isinstance(term, Literal):
        return term.toPython()
    return term


def run(graph: Graph, name: str) -> list[dict]:
    """The rows of a saved query as dicts of variable name → Python value (IRIs stay URIRefs)."""
    result = graph.query(_text(name))
    names = [str(v) for v in result.vars]
    return [dict(zip(names, map(_value, row))) for row in result]


def by(rows: list[dict], key: str) -> dict:
    out = {}
    for row in rows:
        assert row[key] not in out, f"{row[key]!r} twice"
        out[row[key]] = row
    return out


# ---------------------------------------------------------------------------- every query file


def test_the_new_queries_are_there():
    missing = [n for n in NEW_QUERIES if not (QUERIES / n).is_file()]
    assert not missing


@pytest.mark.parametrize("path", ALL_QUERIES, ids=lambda p: p.name)
def test_header(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    title = TITLE.match(lines[0])
    assert title, f"first line is not '# title: <한국어 제목> (<English>)': {lines[0]!r}"
    assert HANGUL.search(title["ko"]), "the title has no Korean"
    assert re.search("[A-Za-z]", title["en"]), "the title has no English part"
    assert lines[1].startswith("# description: ") and len(lines[1]) > len("# description: ") + 10
    rest = lines[2:]
    while rest and rest[0].startswith("#   "):  # description continued
        rest = rest[1:]
    assert rest and rest[0].startswith("PREFIX "), "PREFIXes follow the header"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.rq", path.name), "file names are kebab-case English"


@pytest.mark.parametrize("path", ALL_QUERIES, ids=lambda p: p.name)
def test_runs_with_rows(graph, path):
    rows = run(graph, path.name)
    if path.name == "budget-series.rq":  # one plan a bureau: no series (tests/test_series.py has an archive)
        assert rows == [] or len(rows) == 0
        return
    assert len(rows) >= 1


# ---------------------------------------------------------------------------- same rows on Oxigraph


@pytest.fixture(scope="module")
def ox_graph(built):
    """The product's engine (kg.sparql.Engine) behind rdflib's API."""
    from kg import sparql as sp

    return sp.load_store(built[0]).rdflib_graph()


def _normalised(rows: list[dict], concat: dict[str, str]) -> list[tuple]:
    """Rows comparable across engines: numbers by value; GROUP_CONCAT results as sorted parts
    (the order of the parts is not defined by SPARQL)."""
    out = []
    for row in rows:
        items = []
        for k in sorted(row):
            v = row[k]
            if k in concat and isinstance(v, str):
                v = tuple(sorted(v.split(concat[k]))) if v else ()
            elif isinstance(v, (Decimal, int, float)) and not isinstance(v, bool):
                v = Decimal(str(v)).normalize()
            items.append((k, v))
        out.append(tuple(items))
    return out


@pytest.mark.parametrize("path", ALL_QUERIES, ids=lambda p: p.name)
def test_same_rows_on_oxigraph(graph, ox_graph, path):
    assert len(ox_graph) == len(graph)
    expected = run(graph, path.name)
    got = run(ox_graph, path.name)
    assert len(got) == len(expected)
    concat = {m["var"]: m["sep"] for m in GROUP_CONCAT.finditer(path.read_text(encoding="utf-8"))}
    # same rows in the same order (the ORDER BYs are total), up to the order inside GROUP_CONCATs
    assert _normalised(got, concat) == _normalised(expected, concat)


# ---------------------------------------------------------------------------- 1. 부서별 예산

# 단위사업 '25예산 / '26예산 per department, read from the 관련 예산사업 내역 tables:
#   대외협력과 (7 units, lines 137-459): 87/80, 42/58, 731/749, 3,152/3,167, 286/193, 133/130, 0/564
#   외국인국제정책과 (3, lines 566-709): 2,194/1,740, 4,125/4,111, 1,012/553
#   소통기획과 (4, lines 878-1029): 1,450/1,401, 443/331, 1,390/1,354, 25/27
#   전북특별자치도 중앙협력본부 (1, line 1148): 427/414
DEPARTMENT_BUDGETS = {  # label: (units, 2026, 2025, change, change %, stated 정책사업 2026, stated 2025)
    "외국인국제정책과": (3, 6404, 7331, -927, "-12.64", 6404, 7335),  # line 510 states 7,335
    "대외협력과": (7, 4941, 4431, 510, "11.51", 4941, 4430),  # line 79 states 4,430
    "소통기획과": (4, 3113, 3308, -195, "-5.89", 3113, 3306),  # line 819 states 3,306
    "전북특별자치도 중앙협력본부": (1, 414, 427, -13, "-3.04", 414, 427),
}


def test_department_budget_2026(graph):
    rows = run(graph, "department-budget-2026.rq")
    assert [r["departmentLabel"] for r in rows] == list(DEPARTMENT_BUDGETS)  # largest 2026 first
    for row in rows:
        units, b26, b25, change, pct, stated26, stated25 = DEPARTMENT_BUDGETS[row["departmentLabel"]]
        assert row["unitProjects"] == units
        assert row["budget2026"] == b26 and row["budget2025"] == b25
        assert row["change"] == change
        assert row["changePercent"] == Decimal(pct)
        assert row["statedPolicyBudget2026"] == stated26 and row["statedPolicyBudget2025"] == stated25
    # the bureau's 정책사업 (line 42): 14,872 this year; last year stated 15,499, the units add up to 15,497
    assert sum(r["budget2026"] for r in rows) == 14872
    assert sum(r["budget2025"] for r in rows) == 15497


# ---------------------------------------------------------------------------- 2. 시행주체별 사업


def test_projects_by_implementing_body(graph):
    rows = run(graph, "projects-by-implementing-body.rq")
    table = by(rows, "bodyLabel")
    # 10 bodies; "전북특별자치도새마을회 등 민간단체" (line 256) and "14개 시군 및 민간단체" (line 318)
    # each name two bodies
    assert len(rows) == 10
    counts = {label: r["subProjectCount"] for label, r in table.items()}
    assert counts == {
        "전북특별자치도": 36,
        "14개 시군": 4,
        "민간단체": 2,
        "전북특별자치도자원봉사센터": 2,
        "중앙협력본부": 2,
        "전북특별자치도새마을회": 1,
        "전북애향본부": 1,
        "전북특별자치도 경제통상진흥원": 1,
        "전북국제협력진흥원": 1,
        "민간사회단체": 1,
    }
    assert rows[0]["bodyLabel"] == "전북특별자치도"
    # 58 sub-projects, 9 with a blank 시행주체, two with two bodies: 49 + 2
    assert sum(counts.values()) == 51

    sigun = table["14개 시군"]
    assert set(sigun["subProjects"].split(" | ")) == {
        "새마을지도자 자녀 장학금 지원",  # 22
        "시군 및 자원봉사단체 협력 강화",  # 330
        "자원봉사 코디네이터 지원·육성(시군)(성인지예산)",  # 676
        "전국 통합 자원봉사보험 가입 서비스 지원(시군)(성인지예산)",  # 81
    }
    assert sigun["budget2026"] == 22 + 330 + 676 + 81
    assert table["전북특별자치도자원봉사센터"]["budget2026"] == 1859 + 103
    assert set(table["민간단체"]["subProjects"].split(" | ")) == {
        "민간단체 협력 및 활동지원",
        "시군 및 자원봉사단체 협력 강화",
    }
    # the last sub-project of the plan (lines 1161-1166) is run by 중앙협력본부, which is a department
    hq = table["중앙협력본부"]
    assert hq["departmentLabel"] == "전북특별자치도 중앙협력본부"
    assert hq["budget2026"] == 102 + 311
    # the province's own sub-projects: every 직접수행 one (5,049) but 중앙협력본부's two (413),
    # plus three 기타 ones it runs itself (중국 해외사무소 488, 공공외교 한마당 200, 아시아권역 50)
    assert table["전북특별자치도"]["budget2026"] == 5049 - 413 + 488 + 200 + 50
    assert all(r["departmentLabel"] is None for label, r in table.items() if label != "중앙협력본부")


# ---------------------------------------------------------------------------- 3. 자매·우호결연 지역

# line 701: 자매결연(3) : 미국 워싱턴주, 뉴저지주, 중국 강소성
# line 702: 우호협력(8) : 중국 산둥성, 운남성, 상해시, 일본 가고시마현, 이시카와현, 베트남 닥락성,
#           베트남 까마우성, 러시아 연해주
SISTER = {("워싱턴주", "미국"), ("뉴저지주", "미국"), ("강소성", "중국")}
FRIENDSHIP = {
    ("산둥성", "중국"), ("운남성", "중국"), ("상해시", "중국"), ("가고시마현", "일본"),
    ("이시카와현", "일본"), ("닥락성", "베트남"), ("까마우성", "베트남"), ("연해주", "러시아"),
}


def test_partner_regions(graph):
    rows = run(graph, "partner-regions.rq")
    assert len(rows) == 11
    kinds = {}
    for r in rows:
        kinds.setdefault(r["partnershipTypeLabel"], set()).add((r["regionLabel"], r["countryLabel"]))
    assert kinds == {"자매결연": SISTER, "우호협력": FRIENDSHIP}
    assert Counter(r["countryLabel"] for r in rows) == {"중국": 4, "미국": 2, "일본": 2, "베트남": 2, "러시아": 1}
    assert {(r["countryLabel"], r["countryLabelEn"]) for r in rows} == {
        ("미국", "United States"), ("중국", "China"), ("일본", "Japan"), ("베트남", "Vietnam"), ("러시아", "Russia"),
    }
    # all listed under the 주요내용 of 국제교류협력 증진 (외국인국제정책과)
    assert {(r["unitProjectLabel"], r["departmentLabel"]) for r in rows} == {("국제교류협력 증진", "외국인국제정책과")}
    assert [r["partnershipTypeLabel"] for r in rows] == ["우호협력"] * 8 + ["자매결연"] * 3


# ---------------------------------------------------------------------------- 4. 예산 증감 상위 세부사업

# (세부사업, '25예산, '26예산) from the budget tables, largest |change| first; ties by name
LARGEST_CHANGES = [
    ("전북사랑도민증 활성화 운영", 0, 561),  # line 460
    ("국제관계대사 운영", 388, 21),  # line 716
    ("중앙부처 및 도정주요시책추진 국외출장", 1061, 790),  # line 570
    ("국제화 역량강화", 372, 158),
    ("주민참여예산(대외협력과)", 225, 114),
    ("고향사랑기부제 운영관리", 276, 184),
    ("재외동포 활동 지원 및 네트워크 구축", 118, 30),
    ("자원봉사 확산 프로그램 운영", 1772, 1859),
    ("온라인매체 및 뉴미디어 도정홍보 (성인지예산)", 100, 40),
    ("온라인 소통 도정 홍보", 321, 270),
    ("특화된 도정홍보물 제작", 725, 675),
    ("도민 자긍심 제고", 1047, 998),
    ("지역특화형비자 외국인 고용 우수기업 지원(소멸기금)(자체)", 0, 32),
    ("전북국제협력진흥원 운영", 3495, 3469),
    ("시군 및 자원봉사단체 협력 강화", 306, 330),
    ("홍보 영상 제작 기반시설 운영(성인지예산)", 451, 475),
    ("민간단체 협력 및 활동지원", 701, 724),
    ("자원봉사 코디네이터 지원·육성(시군)(성인지예산)", 654, 676),
    ("외국인정책 추진 및 비자전환지원", 286, 303),
    ("지방의회 소통 활성화", 10, 27),
    # next: 전북도정협력 추진 116 → 102 and 전북특별자치도 중국 해외사무소 운영 474 → 488 (±14)
]


def test_largest_budget_changes(graph):
    rows = run(graph, "largest-budget-changes.rq")
    got = [(r["subProjectLabel"], r["budget2025"], r["budget2026"]) for r in rows]
    assert got == LARGEST_CHANGES
    assert all(r["change"] == r["budget2026"] - r["budget2025"] for r in rows)
    top, second = rows[0], rows[1]
    assert (top["change"], top["changePercent"]) == (561, None)  # new in 2026: no percentage
    assert (top["unitProjectLabel"], top["departmentLabel"]) == ("전북사랑도민 제도 운영", "대외협력과")
    assert second["change"] == -367 and second["changePercent"] == Decimal("-94.59")
    assert (second["unitProjectLabel"], second["departmentLabel"]) == ("국제교류협력 증진", "외국인국제정책과")
    assert rows[-1]["changePercent"] == Decimal("170")  # 10 → 27


# ---------------------------------------------------------------------------- 5. 지원형태별 사업 수

# 지원형태 of each 세부사업 overview; the nine blank ones are 주민참여예산(대외협력과), 전북사랑도민증
# 활성화 운영, five of 외국인주민 안정적인 정착 체계 구축 (lines 643-677), 교류지역 주요행사 협력 and
# 고려인·중앙아시아지역 전북문화 이해증진. 2026 예산 summed by hand from the budget tables.
SUPPORT_FORMS = {
    "직접수행": (35, 5049),
    "지원형태 미기재": (9, 114 + 561 + 400 + 100 + 45 + 32 + 29 + 40 + 35),
    "민간보조": (5, 724 + 1859 + 103 + 126 + 36),
    "기타": (4, 303 + 488 + 200 + 50),
    "자치단체보조": (4, 22 + 330 + 676 + 81),
    "출연(출자)": (1, 3469),
}


def test_projects_by_support_form(graph):
    rows = run(graph, "projects-by-support-form.rq")
    got = {r["supportFormLabel"]: (r["subProjectCount"], r["budget2026"]) for r in rows}
    assert got == SUPPORT_FORMS
    assert sum(count for count, _ in got.values()) == 58
    assert sum(budget for _, budget in got.values()) == 14872  # the sub-projects' roundings cancel out
    assert [r["subProjectCount"] for r in rows] == sorted((r["subProjectCount"] for r in rows), reverse=True)
    blank = next(r for r in rows if r["supportFormLabel"] == "지원형태 미기재")
    assert blank["supportForm"] is None


# ---------------------------------------------------------------------------- 6. 성과지표와 목표

# 성과지표별 목표치 설정 tables (lines 99-104, 527-532, 839-844, 1111-1116):
# label: (department, type, weight, unit, '26 목표, '24 실적)
INDICATORS = {
    "정무활동 및 당정협력 강화": ("대외협력과", "일반", 30, "회", 11, 11),
    "민간단체 및 출향도민 협력 강화": ("대외협력과", "일반", 30, "회", 33, 38),
    "자원봉사 활동률": ("대외협력과", "핵심", 40, "%", Decimal("5.5"), Decimal("5.41")),
    "지역 특화형 비자·숙련기능인력 대상자 모집 인원": ("외국인국제정책과", "핵심", 35, "명", 200, 0),
    "외국인 주민의 지역사회 적응을 위한 정착 지원 활동 및 상담 지원": ("외국인국제정책과", "핵심", 35, "회", 5, 0),
    "자매우호결연지역 등 교류횟수": ("외국인국제정책과", "일반", 30, "회", 47, 47),
    "도정 핵심사업 인지도": ("소통기획과", "핵심", 40, "%", Decimal("87.5"), Decimal("86.1")),
    "도 대표 블로그 방문횟수": ("소통기획과", "핵심", 25, "회", 1970000, 2076141),
    "도정홍보 영상물 도민접촉률": ("소통기획과", "핵심", 35, "%", Decimal("86.5"), Decimal("90.1")),
    "수도권 주요기관과 유기적 네트워크 구축": ("전북특별자치도 중앙협력본부", "핵심", 40, "회", 90, 94),
    "세종지역 주요업무 협력지원": ("전북특별자치도 중앙협력본부", "일반", 30, "회", 64, 64),
    "수도권지역 주요업무 협력지원": ("전북특별자치도 중앙협력본부", "일반", 30, "회", 30, 31),
}


def test_indicators_and_targets(graph):
    rows = run(graph, "indicators-and-targets.rq")
    table = by(rows, "indicatorLabel")
    assert set(table) == set(INDICATORS)
    for label, (dept, kind, weight, unit, target, actual) in INDICATORS.items():
        r = table[label]
        got = (r["departmentLabel"], r["indicatorTypeLabel"], r["weight"], r["unit"], r["target2026"], r["actual2024"])
        assert got == (dept, kind, weight, unit, target, actual), label
    # cells as written
    assert table["도 대표 블로그 방문횟수"]["target2026Text"] == "1,970,000"
    assert table["수도권 주요기관과 유기적 네트워크 구축"]["target2026Text"] == "90회"
    # weights add up to 100 in each department; 7 핵심, 5 일반
    weights = Counter()
    for r in rows:
        weights[r["departmentLabel"]] += r["weight"]
    assert set(weights.values()) == {100}
    assert Counter(r["indicatorTypeLabel"] for r in rows) == {"핵심": 7, "일반": 5}
    # by department, heaviest first
    assert [r["departmentLabel"] for r in rows] == sorted(r["departmentLabel"] for r in rows)
    assert rows[0]["indicatorLabel"] == "자원봉사 활동률"


# ---------------------------------------------------------------------------- 7. 사업의 이웃

HANMADANG = URIRef(
    "https://w3id.org/policy-kg/id/jeonbuk-2026-external-affairs-plan/dept/외국인국제정책과"
    "/unit/국제교류협력증진/sub/전북형공공외교한마당"
)


def test_project_neighbourhood(graph):
    assert f"VALUES ?project {{ <{HANMADANG}> }}" in _text("project-neighbourhood.rq")
    assert (HANMADANG, RDF.type, URIRef(KG + "SubProject")) in graph

    rows = run(graph, "project-neighbourhood.rq")
    assert {r["project"] for r in rows} == {HANMADANG}
    assert {r["projectLabel"] for r in rows} == {"전북형 공공외교 한마당"}
    out = [(r["predicateName"], r["node"], r["nodeLabel"]) for r in rows if r["direction"] == "out"]
    into = [(r["predicateName"], r["nodeLabel"]) for r in rows if r["direction"] == "in"]
    # every triple around the node, once
    assert len(out) == len(set(graph.predicate_objects(HANMADANG)))
    assert len(into) == len(set(graph.subject_predicates(HANMADANG)))
    assert [r["direction"] for r in rows] == sorted((r["direction"] for r in rows), reverse=True)

    out_by = {}
    for name, node, label in out:
        out_by.setdefault(name, []).append((node, label))
    # lines 712 (budget row: '24결산 221 / '25예산 200 / '26예산 200) and 735-740 (overview)
    assert out_by["label"] == [("전북형 공공외교 한마당", None)]
    assert out_by["implementedBy"][0][1] == "전북특별자치도"
    assert out_by["supportForm"][0][1] == "기타"
    assert out_by["supportCondition"] == [("한국해외문화원 협업 공공외교한마당", None)]
    assert out_by["content"][0][0].startswith("유명 박람회나 국제행사에 대단위 전북 홍보관을 운영하여")
    assert [str(n) for n, _ in out_by["periodStart"] + out_by["periodEnd"]] == ["2026-01-01", "2030-12-31"]
    assert len(out_by["budget"]) == 3
    amounts = sorted(graph.value(b, URIRef(KG + "amount")).toPython() for b, _ in out_by["budget"])
    assert amounts == [200, 200, 221]
    assert ("hasSubProject", "국제교류협력 증진") in into
    # every link to a strategy shows as kg:supports out and as its kg:Alignment in
    supports = {label for _, label in out_by.get("supports", [])}
    alignments = [label for name, label in into if name == "alignedEntity"]
    assert len(alignments) == len(supports)
    assert all(label.startswith("전북형 공공외교 한마당 → ") for label in alignments)


# ---------------------------------------------------------------------------- 8. 국민외교 전략 트리

# The figure "국민외교 추진기반 구축" of the brief (lines 171-215): three branches, their items in columns
TREE = {
    "법·제도 구축": [
        "국민외교의 효과적 실시를 위한 지자체의 역할 제도화",
        "외교정보 및 공개여부에 대한 체계적인 분류",
        "국민외교 친화도시 선정",
    ],
    "지자체 제도 및 인프라 활용": [
        "중앙부처-지자체 협업조직 활용",
        "지자체 시설, 플랫폼 및 프로그램 활용",
        "민간참여가 필요한 분야 적극 발굴",
        "지역 대학과의 파트너십",
    ],
    "국민외교센터 운영활성화": [
        "이슈(실용주의적인 의제) 생성 및 홍보",
        "지자체 수요 및 협력 유인 파악",
        "재원확보 및 지자체에 대한 행·재정적 지원 모색",
    ],
}
ROOT_STRATEGY = "국민외교 추진기반 구축"


def test_strategy_tree(graph):
    rows = run(graph, "strategy-tree.rq")
    assert len(rows) == 1 + 3 + 10
    root = rows[0]
    assert (root["strategyLabel"], root["depth"], root["parentLabel"], root["branch"]) == (ROOT_STRATEGY, 0, None, None)
    for r in rows[1:]:
        if r["depth"] == 1:
            assert r["parentLabel"] == ROOT_STRATEGY and r["branch"] == r["strategyLabel"]
        else:
            assert r["depth"] == 2 and r["parentLabel"] == r["branch"]
    got = {}
    for r in rows[1:]:
        if r["depth"] == 2:
            got.setdefault(r["parentLabel"], set()).add(r["strategyLabel"])
    assert got == {branch: set(items) for branch, items in TREE.items()}
    # listed as a tree: each branch row directly followed by its items
    order = [r["strategyLabel"] for r in rows]
    for branch, items in TREE.items():
        i = order.index(branch)
        assert set(order[i + 1 : i + 1 + len(items)]) == set(items)

    # the counts are those of the kg:supports edges the linker made
    supports = URIRef(KG + "supports")
    sub_of = URIRef(KG + "subStrategyOf")
    for r in rows:
        direct = set(graph.subjects(supports, r["strategy"]))
        assert r["supportingProjects"] == len(direct), r["strategyLabel"]
        below = {r["strategy"]} | set(graph.transitive_subjects(sub_of, r["strategy"]))
        in_subtree = {p for s in below for p in graph.subjects(supports, s)}
        assert r["supportingProjectsInSubtree"] == len(in_subtree), r["strategyLabel"]
    assert root["supportingProjectsInSubtree"] == len(set(graph.subjects(supports, None)))
    labels = {r["strategy"]: r["strategyLabel"] for r in rows}
    assert all(graph.value(s, RDFS.label).toPython() == label for s, label in labels.items())
