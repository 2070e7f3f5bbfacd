"""Parser of the provincial business-plan format (실국 업무계획 exported from HWP/PDF).

The format: a bureau part (전략목표, [소관실국], 정책사업목표/조직/예산 tables), then one part
per 부서 opened by a 전략목표 line and a ``[소관부서]`` line, each with its tables, its
성과지표 table and rationale list, and its 단위사업. A 단위사업 is a marker line and a
name line, 목적/주요내용 lists, a budget table (the unit's own row, then one row per
세부사업) and 개요 blocks of ``field<TAB>value`` lines. The parser keys on these markers
and table shapes only; the words it looks for are listed in ``MARK`` and ``FIELD``.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from kg.errors import ParseError
from kg.parse import tables
from kg.parse.text import SourceText, cells, squash
from kg.lang.keys import key
from kg.parse.units import parse_unit
from kg.records import Bureau, BusinessPlan, Department, Passage, Span

# Format markers of the business-plan export (headings and table headers), not content.
MARK = {
    "strategic_goal": "전략목표",
    "department": "[소관부서]",
    "bureau": "[소관실국]",
    "direction": "기본방향",
    "goal_table": "정책사업목표",
    "staff_table": "부서명",
    "budget_table": "구분",
    "budget_header_word": "예산액",
    "indicator_table": "성과지표",
    "indicator_header_word": "가중",
    "rationale": "목표치 설정 근거",
    "main_contents": "주요내용",
    "unit": "단위사업",
}
_SECTION_NUMBER = re.compile(r"^\s*(?:\(\d+\)|\d+\.)\s*")
_LIST_ITEM = re.compile(r"^\s*(?:\d+\.|[-○·•])\s*")


def looks_like_plan(lines: Sequence[str]) -> bool:
    """True when the text has the plan's department headers and unit budget tables."""
    dept = sum(1 for x in lines if cells(x)[:1] == [MARK["department"]])
    units = sum(1 for x in lines if x.strip() == MARK["unit"])
    return dept >= 1 and units >= 1


def parse_plan(src: SourceText, doc_id: str) -> tuple[str, BusinessPlan, tuple[Passage, ...]]:
    """Parse a business plan. Returns (title, plan, passages).

    Raises:
        ParseError: the document is recognised but truncated or structurally broken.
    """
    lines = src.lines
    n = len(lines)
    starts = [i + 1 for i, x in enumerate(lines) if cells(x)[:1] == [MARK["department"]]]
    if not starts:
        raise ParseError("no 부서 ([소관부서]) section found", path=src.path.name)
    # a part opens at its 전략목표 line, just above the [소관부서] line
    opens = [_open_line(lines, s) for s in starts]
    bureau_end = opens[0] - 1
    year = _plan_year(lines)
    bureau, passages = _bureau(src, doc_id, 1, bureau_end, year)
    departments = []
    for i, (open_at, dept_line) in enumerate(zip(opens, starts)):
        end = opens[i + 1] - 1 if i + 1 < len(opens) else n
        dept, texts = _department(src, doc_id, open_at, dept_line, _trim(lines, end), year, bureau)
        departments.append(dept)
        passages += texts
    _check_complete(src, bureau, departments)
    passages = tuple(Passage(i + 1, p.text, p.span, p.section, p.about) for i, p in enumerate(passages))
    title = next((squash(x) for x in lines if x.strip()), src.path.stem)
    return title, BusinessPlan(bureau, tuple(departments), year), passages


def _open_line(lines: Sequence[str], dept_line: int) -> int:
    i = dept_line - 1
    while i >= 1 and not lines[i - 1].strip():
        i -= 1
    if i >= 1 and cells(lines[i - 1])[:1] == [MARK["strategic_goal"]]:
        return i
    return dept_line


def _trim(lines: Sequence[str], end: int) -> int:
    while end > 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _plan_year(lines: Sequence[str]) -> int:
    years = [int(m) for x in lines for m in re.findall(r"'(\d{2})(?=결산|예산)", x)]
    return 2000 + max(years) if years else 0


# ---------------------------------------------------------------- blocks


def _table_at(lines: Sequence[str], start: int, end: int, header_test) -> list[tables.Row]:
    """The first table in [start, end] whose header passes ``header_test``: rows up to a blank."""
    for i in range(start, end + 1):
        if header_test(cells(lines[i - 1])):
            rows = [(i, lines[i - 1])]
            j = i + 1
            while j <= end and lines[j - 1].strip():
                rows.append((j, lines[j - 1]))
                j += 1
            return rows
    return []


def _is_goal_header(cs: list[str]) -> bool:
    return bool(cs) and cs[0] == MARK["goal_table"] and len(cs) >= 3


def _is_staff_header(cs: list[str]) -> bool:
    return bool(cs) and cs[0] == MARK["staff_table"]


def _is_budget_header(cs: list[str]) -> bool:
    return bool(cs) and key(cs[0]) == MARK["budget_table"] and any(MARK["budget_header_word"] in c for c in cs)


def _is_indicator_header(cs: list[str]) -> bool:
    return bool(cs) and cs[0].startswith(MARK["indicator_table"]) and any(MARK["indicator_header_word"] in c for c in cs)


def _heading_line(lines: Sequence[str], start: int, end: int, word: str) -> int | None:
    """A short heading line such as ``1. 기본방향`` or ``(1) 주요내용``."""
    for i in range(start, end + 1):
        text = _SECTION_NUMBER.sub("", lines[i - 1]).strip()
        if text == word:
            return i
    return None


def _block_after(lines: Sequence[str], at: int | None, end: int) -> tuple[list[str], Span | None]:
    """Text lines after a heading up to a blank line, table or marker, with their span."""
    if at is None:
        return [], None
    out, first, last = [], 0, at
    i = at + 1
    while i <= end:
        x = lines[i - 1]
        if not x.strip():
            if out:
                break
        elif "\t" in x or x.lstrip().startswith(("<", "(단위")):
            break
        else:
            out.append(x.strip())
            first, last = first or i, i
        i += 1
    return out, (Span("", first, last) if out else None)


def _list_items(lines: list[str]) -> tuple[str, ...]:
    return tuple(squash(_LIST_ITEM.sub("", x)) for x in lines if _LIST_ITEM.sub("", x).strip())


def _field_value(line: str, word: str) -> str | None:
    cs = cells(line)
    if cs and cs[0] == word:
        return squash(" ".join(cs[1:])) or None
    return None


def _goals_list(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    parts = [squash(p) for p in re.split(r"[○●◦▪■□]", value)]
    return tuple(p for p in parts if p)


# ---------------------------------------------------------------- bureau / department


def _bureau(src: SourceText, doc_id: str, start: int, end: int, year: int) -> tuple[Bureau, list[Passage]]:
    lines = src.lines
    name = goals = None
    for i in range(start, end + 1):
        name = name or _field_value(lines[i - 1], MARK["bureau"])
        goals = goals or _field_value(lines[i - 1], MARK["strategic_goal"])
    direction = _block_after(lines, _heading_line(lines, start, end, MARK["direction"]), end)
    staff = tables.staffing_rows(_table_at(lines, start, end, _is_staff_header), doc_id)
    name = name or next((squash(x) for x in lines if x.strip()), "")
    bureau = Bureau(
        name=name,
        strategic_goals=_goals_list(goals),
        direction=_text(direction),
        policy_goals=tuple(tables.policy_goal_rows(_table_at(lines, start, end, _is_goal_header), doc_id)),
        budget_lines=tuple(tables.budget_lines(_table_at(lines, start, end, _is_budget_header), doc_id, year)),
        staffing=tuple(staff),
        span=Span(doc_id, start, end),
    )
    return bureau, _passages(doc_id, name, [direction])


def _department(src, doc_id, start, dept_line, end, year, bureau: Bureau) -> tuple[Department, list[Passage]]:
    lines = src.lines
    declared = _field_value(lines[dept_line - 1], MARK["department"]) or ""
    goal = _goals_list(_field_value(lines[start - 1], MARK["strategic_goal"]))
    unit_lines = [i for i in range(dept_line, end + 1) if lines[i - 1].strip() == MARK["unit"]]
    head_end = (unit_lines[0] - 1) if unit_lines else end
    direction = _block_after(lines, _heading_line(lines, dept_line, head_end, MARK["direction"]), head_end)
    staff = tables.staffing_rows(_table_at(lines, dept_line, head_end, _is_staff_header), doc_id)
    # the department's own org table, else its row in the bureau's table
    own = [s for s in staff if key(s[0]) == key(declared)] or [b for b in bureau.staffing if key(b[0]) == key(declared)]
    name = own[0][0] if own else squash(declared)
    contents = _block_after(lines, _heading_line(lines, dept_line, head_end, MARK["main_contents"]), head_end)
    rationales = _rationales(lines, dept_line, head_end)
    indicators = tables.indicator_rows(_table_at(lines, dept_line, head_end, _is_indicator_header), doc_id, rationales)
    units = []
    for k, u in enumerate(unit_lines):
        u_end = _trim(lines, unit_lines[k + 1] - 1 if k + 1 < len(unit_lines) else end)
        units.append(parse_unit(src, doc_id, u, u_end))
    dept = Department(
        name=name,
        strategic_goal=" ".join(goal) or None,
        direction=_text(direction),
        teams=own[0][2] if own else (),
        staffing=own[0][1] if own else None,
        budget_lines=tuple(tables.budget_lines(_table_at(lines, dept_line, head_end, _is_budget_header), doc_id, year)),
        policy_goals=tuple(tables.policy_goal_rows(_table_at(lines, dept_line, head_end, _is_goal_header), doc_id)),
        main_contents=_list_items(contents[0]),
        indicators=tuple(indicators),
        unit_projects=tuple(units),
        span=Span(doc_id, start, end),
    )
    return dept, _passages(doc_id, name, [direction, contents])


def _rationales(lines: Sequence[str], start: int, end: int) -> dict[str, str]:
    """``- (부서)지표명`` lines, each followed by indented ``- 근거`` lines."""
    at = next((i for i in range(start, end + 1) if MARK["rationale"] in lines[i - 1]), None)
    out: dict[str, list[str]] = {}
    current = None
    for i in range(at + 1 if at else end + 1, end + 1):
        x = lines[i - 1]
        if not x.strip():
            continue
        if not x.lstrip().startswith("-"):
            break
        indent = len(x) - len(x.lstrip())
        text = squash(x.lstrip()[1:])
        if indent == 0:
            name, _, _ = tables.split_indicator_name(text)
            current = key(name)
            out[current] = []
        elif current is not None:
            out[current].append(text)
    return {k: " ".join(v) for k, v in out.items() if v}


def _check_complete(src: SourceText, bureau: Bureau, departments: list[Department]) -> None:
    """Declared counts against what was found: a shortfall means a truncated export."""
    name = src.path.name
    listed = [s[0] for s in bureau.staffing]
    found = {key(d.name) for d in departments}
    missing = [d for d in listed if key(d) not in found and not any(key(d).endswith(f) or f.endswith(key(d)) for f in found)]
    if missing:
        raise ParseError(f"truncated plan: 부서 {missing[0]!r} is listed but has no section", path=name)
    for d in departments:
        declared = sum(g.unit_project_count or 0 for g in d.policy_goals)
        if declared and len(d.unit_projects) < declared:
            raise ParseError(
                f"truncated plan: {d.name!r} declares {declared} 단위사업, found {len(d.unit_projects)}",
                path=name,
                line=d.span.end,
            )


def _text(block: tuple[list[str], Span | None]) -> str | None:
    return " ".join(_list_items(block[0])) or None


def _passages(doc_id: str, about: str, blocks) -> list[Passage]:
    """Narrative blocks of the plan (기본방향, 주요내용) as passages about their 부서."""
    out = []
    for lines, span in blocks:
        if lines and span:
            out.append(Passage(0, " ".join(_list_items(lines)), Span(doc_id, span.start, span.end), about, about))
    return out
