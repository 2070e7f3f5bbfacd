"""The business-plan parser on the real corpus: counts and values checked by hand."""
from __future__ import annotations

from kg.parse.units import implementer_names


def all_units(doc):
    return [u for d in doc.plan.departments for u in d.unit_projects]


def all_subs(doc):
    return [s for u in all_units(doc) for s in u.sub_projects]


def find_sub(doc, name):
    return next(s for s in all_subs(doc) if s.name == name)


def test_detected_as_business_plan(plan_doc):
    assert plan_doc.format == "business_plan"
    assert plan_doc.plan.year == 2026


def test_departments_and_teams(plan_doc):
    depts = plan_doc.plan.departments
    assert [d.name for d in depts] == ["대외협력과", "외국인국제정책과", "소통기획과", "전북특별자치도 중앙협력본부"]
    assert [len(d.teams) for d in depts] == [5, 3, 4, 3]
    assert depts[0].teams[-1] == "출향도민팀"
    assert (depts[2].staffing.quota_total, depts[2].staffing.current) == (18, 19)
    assert dict(depts[0].staffing.quota_by_grade) == {"4급이상": 2, "5급": 5, "6급이하": 15}


def test_bureau(plan_doc):
    b = plan_doc.plan.bureau
    assert b.name == "대외국제소통국"
    assert len(b.strategic_goals) == 4 and b.strategic_goals[1] == "지역소멸 극복을 위한 외국인·국제 정책 강화"
    policy = next(x for x in b.budget_lines if x.category == "정책사업")
    assert (policy.current, policy.previous, policy.change, policy.level) == (14872, 15499, -627, 1)
    assert [x.level for x in b.budget_lines] == [0, 1, 1, 2, 2, 1]
    assert len(b.policy_goals) == 3 and b.policy_goals[2].budget == 414


def test_unit_and_sub_project_counts(plan_doc):
    depts = plan_doc.plan.departments
    assert [len(d.unit_projects) for d in depts] == [7, 3, 4, 1]
    assert len(all_subs(plan_doc)) == 58
    for u in all_units(plan_doc):
        assert len(u.sub_projects) == u.declared_sub_count, u.name


def test_unit_budget_and_lists(plan_doc):
    u = next(u for u in all_units(plan_doc) if u.name == "국제교류협력 증진")
    assert [(a.year, a.kind, a.value) for a in u.amounts] == [(2024, "settlement", 643), (2025, "budget", 1012), (2026, "budget", 553)]
    assert u.account == "일반회계"
    assert u.purposes[0].startswith("우호·자매 결연지역간의")
    assert "전북도 해외진출 사업" in u.contents
    assert sum(a.value for a in all_units(plan_doc)[0].amounts if a.year == 2026) == 80


def test_split_row_is_one_sub_project(plan_doc):
    s = find_sub(plan_doc, "직소민원업무 추진 기본경비")
    assert [a.value for a in s.amounts] == [5, 6, 6]
    assert (s.span.start, s.span.end) == (1032, 1033)
    assert s.overview is not None and s.overview.name == "직소민원업무 추진 기본경비"


def test_overview_joined_despite_spelling_differences(plan_doc):
    typo = find_sub(plan_doc, "자원봉사사업무 추진 기본경비")
    assert typo.overview.name == "자원봉사업무 추진 기본경비"
    suffix = find_sub(plan_doc, "온라인매체 및 뉴미디어 도정홍보 (성인지예산)")
    assert suffix.overview.name == "온라인매체 및 뉴미디어 도정홍보"
    assert all(s.overview is not None for s in all_subs(plan_doc))


def test_overview_fields(plan_doc):
    s = find_sub(plan_doc, "외국인 근로자 지역정착 지원사업(고용노동부)")
    assert (s.overview.period_start, s.overview.period_end) == ("2024-02-01", "2026-12-31")
    assert "한국어 교육" in s.overview.content
    s = find_sub(plan_doc, "전북국제협력진흥원 운영")
    assert s.overview.support_form == "출연(출자)" and s.implementers == ("전북국제협력진흥원",)


def test_implementing_bodies(plan_doc):
    assert find_sub(plan_doc, "시군 및 자원봉사단체 협력 강화").implementers == ("14개 시군", "민간단체")
    assert find_sub(plan_doc, "민간단체 협력 및 활동지원").implementers == ("전북특별자치도새마을회", "민간단체")
    names = {n for s in all_subs(plan_doc) for n in s.implementers}
    assert len(names) == 10
    assert implementer_names("A 및 B, C") == ("A", "B", "C")
    assert implementer_names("") == ()


def test_regions(plan_doc):
    groups = [g for u in all_units(plan_doc) for g in u.region_groups]
    assert [(g.relation, g.declared_count, len(g.regions)) for g in groups] == [("자매결연", 3, 3), ("우호협력", 8, 8)]
    sister = {(r.name, r.country) for r in groups[0].regions}
    assert sister == {("워싱턴주", "미국"), ("뉴저지주", "미국"), ("강소성", "중국")}
    friendship = {r.name: r.country for r in groups[1].regions}
    assert friendship["이시카와현"] == "일본" and friendship["까마우성"] == "베트남" and friendship["연해주"] == "러시아"


def test_indicators(plan_doc):
    inds = [i for d in plan_doc.plan.departments for i in d.indicators]
    assert len(inds) == 12
    i = inds[2]
    assert (i.name, i.unit, i.department, i.kind, i.weight) == ("자원봉사 활동률", "%", "대외협력과", "핵심", 40)
    assert [(t.year, t.value) for t in i.targets] == [(2024, 6), (2025, 5.5), (2026, 5.5), (2027, 5.5), (2028, 5.5)]
    assert [(t.year, t.value) for t in i.actuals] == [(2024, 5.41), (2025, 0)]
    assert i.formula == "활동인원/인구*100" and i.source == "1365 자원봉사 시스템"
    assert i.rationale == "'최근 실적(5.41%) 고려 목표치 설정"
    visits = next(x for x in inds if x.name == "도 대표 블로그 방문횟수")
    assert visits.targets[0].value == 1970000 and visits.actuals[0].value == 2076141
    network = next(x for x in inds if x.name == "수도권 주요기관과 유기적 네트워크 구축")
    assert network.targets[0].text == "90회" and network.targets[0].value == 90
    assert [t.text for t in inds[3].actuals][2:] == ["/", "/", "/"] and inds[3].actuals[2].value is None


def test_provenance_spans_point_at_source_lines(plan_doc):
    lines = PLAN_LINES()
    for s in all_subs(plan_doc):
        assert s.name.split()[0] in lines[s.span.start - 1], s.name
        if s.overview:
            assert s.overview.span.start <= s.overview.span.end
    for u in all_units(plan_doc):
        assert u.name.split()[0] in "".join(lines[u.span.start - 1 : u.span.start + 3])


def PLAN_LINES():
    from tests.conftest import PLAN

    return PLAN.read_text(encoding="utf-8").split("\n")
