"""Synthetic business plans (실국 업무계획) in the export format ``kg.parse.plan`` reads.

A plan is made as a specification first (``PlanSpec``: departments, 단위사업 and 세부사업
with budgets, indicators, partner regions), then written as text; the specification is the
truth the parsed document is checked against (``truth``). The same province's bureau keeps its
departments and most of its projects from year to year, their budgets moving a little, some
projects new, ended or renamed, as real plans do: what a budget series across years is for.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from kg.synth import words as W


@dataclass
class Sub:
    name: str
    amounts: tuple[int, int, int]  # '{y-2}결산, '{y-1}예산, '{y}예산 (백만원)
    content: str
    form: str
    condition: str
    body: str
    wrap: bool = False  # the export split the name over two table rows


@dataclass
class Unit:
    name: str
    account: str
    purpose: str
    contents: tuple[str, ...]
    subs: list[Sub]
    regions: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # (relation, ((country, region), …))

    @property
    def amounts(self) -> tuple[int, int, int]:
        return tuple(sum(s.amounts[i] for s in self.subs) for i in range(3))


@dataclass
class Indicator:
    name: str
    unit: str
    kind: str
    weight: int
    targets: tuple[int, ...]  # five years, y-2 … y+2
    actual: int
    formula: str
    source: str
    rationale: str


@dataclass
class Dept:
    name: str
    teams: tuple[str, ...]
    staff: tuple[int, int, int]  # 4급이상, 5급, 6급이하
    current: int
    goal: str
    direction: str
    contents: tuple[str, ...]
    indicators: list[Indicator]
    units: list[Unit]
    admin: tuple[int, int]  # 행정운영경비 this year, last year

    @property
    def policy(self) -> tuple[int, int]:
        return sum(u.amounts[2] for u in self.units), sum(u.amounts[1] for u in self.units)


@dataclass
class PlanSpec:
    province: str  # code
    province_name: str
    bureau_code: str
    bureau: str
    year: int
    goals: tuple[str, ...]
    direction: str
    depts: list[Dept] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return f"{self.province}_{self.year}_{self.bureau_code}_plan.txt"


# ---------------------------------------------------------------- making a specification


def _amounts(rng: random.Random, base: int) -> tuple[int, int, int]:
    return (round(base * rng.uniform(0.8, 1.05)), round(base * rng.uniform(0.9, 1.05)), base)


def skeleton(province: tuple[str, str], bureau: tuple, rng: random.Random) -> PlanSpec:
    """A bureau of a province as it stands in a base year: names, sizes and base budgets."""
    code, name, fields = bureau
    n_depts = rng.randint(2, min(4, len(fields)))
    used_units: set[str] = set()
    depts = []
    for field_word in rng.sample(fields, n_depts):
        dept_name = f"{field_word}과"
        teams = tuple(f"{field_word[:2]}{w}팀" for w in rng.sample(W.TEAM_WORDS, rng.randint(2, 4)))
        staff = (rng.randint(1, 2), rng.randint(2, 6), rng.randint(5, 15))
        units = []
        for _ in range(rng.randint(1, 4)):
            for _try in range(20):
                obj = rng.choice(W.PROJECT_OBJECTS + (field_word,))
                unit_name = f"{obj} {rng.choice(W.PROJECT_ACTIONS)}"
                if unit_name not in used_units:
                    break
            used_units.add(unit_name)
            subs = []
            for k in range(rng.randint(1, 5)):
                base = rng.choice((5, 10, 20, 50, 100, 150, 300, 500, 800, 1200, 2500))
                stem = obj if k == 0 else rng.choice(W.PROJECT_OBJECTS)
                sub_name = f"{stem} {rng.choice(W.PROJECT_ACTIONS).split()[0]} {rng.choice(W.SUB_SUFFIXES)}"
                while any(s.name == sub_name for s in subs):
                    sub_name += " 확대"
                subs.append(Sub(sub_name, (0, 0, base), f"{stem} 대상 {rng.choice(W.PROJECT_ACTIONS)}",
                                rng.choice(W.SUPPORT_FORMS), rng.choice(W.CONDITIONS),
                                rng.choice((province[1],) * 3 + W.BODIES), wrap=len(sub_name) > 12 and rng.random() < 0.15))
            regions = ()
            if code == "intl" or rng.random() < 0.08:
                picked = rng.sample(W.REGIONS, rng.randint(1, 4))
                regions = ((rng.choice(W.RELATIONS), tuple(sorted(picked))),)
            units.append(Unit(unit_name, rng.choice(W.ACCOUNTS), f"{obj} {rng.choice(W.DIRECTION_VERBS)}",
                              tuple(f"{s.name.split()[0]} {rng.choice(W.PROJECT_ACTIONS)}" for s in subs[:3]), subs, regions))
        indicators = []
        weights = _weights(rng, rng.randint(1, 3))
        for w in weights:
            unit_word, low, high = rng.choice(W.INDICATOR_UNITS)
            ind_name = f"{rng.choice(W.PROJECT_OBJECTS)} {rng.choice(W.INDICATOR_ACTIONS)}"
            while any(i.name == ind_name for i in indicators):
                ind_name += " 실적"
            start = rng.randint(low, high)
            step = max(1, (high - low) // 20)
            indicators.append(Indicator(ind_name, unit_word, rng.choice(("핵심", "일반")), w,
                                        tuple(start + step * k for k in range(5)), start - rng.randint(0, step),
                                        f"{ind_name.split()[-1]} 합계", rng.choice(W.SOURCES),
                                        f"최근 3년 {ind_name.split()[0]} 추세 고려"))
        admin = rng.choice((20, 50, 80, 120, 200))
        depts.append(Dept(dept_name, teams, staff, sum(staff) + rng.randint(-1, 1),
                          f"{rng.choice(W.GOAL_WORDS)} {rng.choice(W.GOAL_OBJECTS)}",
                          f"{field_word} {rng.choice(W.DIRECTION_VERBS)}",
                          tuple(u.name for u in units), indicators, units, (admin, admin)))
    goals = tuple(dict.fromkeys(d.goal for d in depts))
    return PlanSpec(province[0], province[1], code, name, 0, goals, f"{name[:-1]} 정책의 {rng.choice(W.DIRECTION_VERBS)}", depts)


def _weights(rng: random.Random, n: int) -> list[int]:
    if n == 1:
        return [100]
    cuts = sorted(rng.sample(range(10, 91, 10), n - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, 100])]


def of_year(base: PlanSpec, year: int, rng: random.Random, first: int) -> PlanSpec:
    """The bureau's plan of ``year``: base budgets moved by the years since ``first``; a 세부사업
    now and then ended, a 단위사업 now and then renamed (the series has to say it cannot match)."""
    import copy

    spec = copy.deepcopy(base)
    spec.year = year
    growth = 1.0 + 0.04 * (year - first)
    for d in spec.depts:
        d.admin = (round(d.admin[0] * growth), round(d.admin[0] * (growth - 0.04)))
        for u in d.units:
            if year > first and rng.random() < 0.05:
                u.name = f"{u.name} 2단계"
            if year > first and len(u.subs) > 1 and rng.random() < 0.1:
                u.subs.pop()
            for s in u.subs:
                cur = max(1, round(s.amounts[2] * growth * rng.uniform(0.9, 1.1)))
                s.amounts = _amounts(rng, cur)
    return spec


# ---------------------------------------------------------------- the text


def _n(x: int | float) -> str:
    return f"{x:,}"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.2f} %" if whole else "0.00 %"


def _budget_table(rows: list[tuple[str, int, int]]) -> list[str]:
    total_cur, total_prev = rows[0][1], rows[0][2]
    out = ["(단위 : 백만원, %)", "", "구분\t예산액\t\t전년도예산액\t\t비교증감\t", "\t예산액\t구성비\t예산액\t구성비\t증감액\t증감률"]
    for label, cur, prev in rows:
        change = cur - prev
        rate = f"{100 * change / prev:.2f}%" if prev else "0.00%"
        out.append(f"{label}\t{_n(cur)}\t{_pct(cur, total_cur)}\t{_n(prev)}\t{_pct(prev, total_prev)}\t"
                   f"{_n(change) if change >= 0 else '△' + _n(-change)}\t{rate}")
    return out


def _staff_table(depts: list[Dept]) -> list[str]:
    out = ["(단위 : 명)", "", "부서명\t정원\t\t\t\t현원\t계단위 직제명", "\t계\t4급이상\t5급\t6급이하\t\t"]
    tot = [sum(d.staff[i] for d in depts) for i in range(3)]
    out.append(f"계\t{sum(tot)}\t{tot[0]}\t{tot[1]}\t{tot[2]}\t{sum(d.current for d in depts)}\t")
    for d in depts:
        out.append(f"{d.name}\t{sum(d.staff)}\t{d.staff[0]}\t{d.staff[1]}\t{d.staff[2]}\t{d.current}\t{', '.join(d.teams)}")
    return out


def _goal_table(depts: list[Dept]) -> list[str]:
    out = ["(단위:개, 백만원)", "", "정책사업목표\t성과지표수\t단위 사업수\t예산액"]
    rows: dict[str, list[int]] = {}
    for d in depts:
        r = rows.setdefault(d.goal, [0, 0, 0])
        r[0] += len(d.indicators)
        r[1] += len(d.units)
        r[2] += d.policy[0]
    out += [f"{g}\t{a}\t{b}\t{_n(c)}" for g, (a, b, c) in rows.items()]
    return out


def text(spec: PlanSpec) -> str:
    """The plan as an export writes it (tabs between cells, markdown and <b> marks)."""
    y = spec.year
    lines = ["", f"**{spec.bureau}**", "", ""]
    lines.append("<b>전략목표</b>\t<ul>" + "".join(f"<li>○ {g}</li>" for g in spec.goals) + "</ul>")
    lines += [f"<b>[소관실국]</b>\t{spec.bureau}", "", "## 1. 기본방향", "", spec.direction, "", "< 정책사업목표 현황 >", ""]
    lines += _goal_table(spec.depts) + ["", "## 2. 조직 및 인력현황", ""] + _staff_table(spec.depts)
    policy = (sum(d.policy[0] for d in spec.depts), sum(d.policy[1] for d in spec.depts))
    admin = (sum(d.admin[0] for d in spec.depts), sum(d.admin[1] for d in spec.depts))
    lines += ["", "## 3. 예산현황", ""] + _budget_table([("계", policy[0] + admin[0], policy[1] + admin[1]),
                                                      ("정책사업", *policy), ("행정운영경비", *admin)])
    for d in spec.depts:
        lines += ["", f"<b>전략목표</b>\t{d.goal}", f"<b>[소관부서]</b>\t{d.name}", "", "## 1. 기본방향", "", d.direction, "",
                  "### < 정책사업목표 현황 >", ""]
        lines += _goal_table([d]) + ["", "## 2. 조직 및 인력현황", ""] + _staff_table([d])
        lines += ["", "## 3. 예산현황", ""] + _budget_table([("계", d.policy[0] + d.admin[0], d.policy[1] + d.admin[1]),
                                                          ("정책사업", *d.policy), ("행정운영경비", *d.admin)])
        lines += ["", "(1) 주요내용", ""] + [f"{i}. {c}" for i, c in enumerate(d.contents, 1)]
        lines += ["", "(2) 성과지표 및 목표치 설정", "", "< 성과지표별 목표치 설정 >", "",
                  "성과지표(단위)\t지표 유형\t가중치\t실적 및 목표치\t\t\t\t\t측정산식 또는 측정방법\t자료수집 방법/출처\t",
                  "\t\t\t구분\t" + "\t".join(str((y + k) % 100) for k in range(-2, 2)) + f"\t\t\t{(y + 2) % 100}"]
        for ind in d.indicators:
            lines.append(f"({d.name}){ind.name}({ind.unit})\t{ind.kind}\t{ind.weight}\t목표\t"
                         + "\t".join(_n(t) for t in ind.targets) + f"\t{ind.formula}\t{ind.source}")
            lines.append(f"\t\t\t실적\t{_n(ind.actual)}\t0\t\t\t\t")
        lines += ["", "< 성과지표별 목표치 설정 근거 >", ""]
        for ind in d.indicators:
            lines += [f"- ({d.name}){ind.name}", f"  - {ind.rationale}"]
        for u in d.units:
            lines += ["", "**단위사업**", "", f"**{u.name}**", "", "□ 목적 및 주요내용", "", "○ 목적", "", f"- {u.purpose}", "",
                      "○ 주요내용", ""]
            lines += [f"{i}. {c}" for i, c in enumerate(u.contents, 1)]
            for relation, regions in u.regions:
                items, country = [], None
                for c, r in regions:
                    items.append(r if c == country else f"{c} {r}")
                    country = c
                lines.append(f"  - {relation}({len(regions)}) : {', '.join(items)}")
            lines += ["", "□ 관련 예산사업 내역", "", "(단위:개, 백만원)", "",
                      f"사업명\t회계구분\t'{(y - 2) % 100:02d}결산\t'{(y - 1) % 100:02d}예산\t'{y % 100:02d}예산\t비고 (세부사업수)"]
            lines.append(f"{u.name}\t{u.account}\t" + "\t".join(_n(a) for a in u.amounts) + f"\t{len(u.subs)}")
            for s in u.subs:
                head, tail = (s.name.rsplit(" ", 1) if s.wrap else (s.name, ""))
                lines.append(f"{head}\t\t" + "\t".join(_n(a) for a in s.amounts) + "\t")
                if tail:
                    lines.append(f"{tail}\t\t\t\t\t")
            lines += ["", "□ 관련 예산사업 개요", ""]
            for s in u.subs:
                lines += [f"사업명\t{s.name}", f"사업내용\t{s.content}", f"사업기간\t{y}년01월01일 ~ {y + 2}년12월31일",
                          f"지원형태\t{s.form}", f"지원조건\t{s.condition}", f"시행주체\t{s.body}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def truth(spec: PlanSpec) -> dict:
    """What a parser must find in the plan: counts, names and the year's budget total."""
    units = [u for d in spec.depts for u in d.units]
    return {
        "kind": "plan", "file": spec.file_name, "province": spec.province_name, "bureau": spec.bureau, "year": spec.year,
        "departments": [d.name for d in spec.depts],
        "teams": sum(len(d.teams) for d in spec.depts),
        "unit_projects": [u.name for u in units],
        "sub_projects": sum(len(u.subs) for u in units),
        "indicators": sum(len(d.indicators) for d in spec.depts),
        "unit_budgets": {u.name: list(u.amounts) for u in units},
        "budget_total": sum(u.amounts[2] for u in units),
        "regions": sorted({f"{c} {r}" for u in units for _, rs in u.regions for c, r in rs}),
    }
