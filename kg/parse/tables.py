"""Table shapes of the business-plan format: staff, budget overview, goals, indicators.

Each function takes the normalised lines of one table (header first) and returns
records. They key on the shape of the cells (which cells are numbers), so the same
table exported with tabs or with runs of spaces gives the same records.
"""
from __future__ import annotations

import re

from kg.parse.text import cells, is_number, number, plain_number, squash
from kg.lang.keys import key
from kg.records import BudgetLine, Indicator, PolicyGoal, Span, Staffing, YearValue

Row = tuple[int, str]  # (line number, normalised line)

_TWO_DIGIT_YEAR = re.compile(r"^'?(\d{2})$")
_FOUR_DIGIT_YEAR = re.compile(r"^(\d{4})$")
_LEADING_PAREN = re.compile(r"^\(([^()]*)\)\s*")
_TRAILING_PAREN = re.compile(r"\s*\(([^()]*)\)$")


def display_name(cell: str) -> str:
    """``정 책 사 업`` → ``정책사업`` (letter-spaced headings); other text squashed."""
    tokens = cell.split()
    if len(tokens) > 1 and all(len(t) == 1 for t in tokens):
        return "".join(tokens)
    return squash(cell)


def year_of(cell: str) -> int | None:
    """``24`` / ``'24`` → 2024, ``2024`` → 2024."""
    m = _TWO_DIGIT_YEAR.match(cell.strip()) or _FOUR_DIGIT_YEAR.match(cell.strip())
    if not m:
        return None
    y = int(m.group(1))
    return y if y >= 1000 else 2000 + y


def staffing_rows(rows: list[Row], doc_id: str) -> list[tuple[str, Staffing, tuple[str, ...]]]:
    """조직 및 인력현황: header, a grade sub-header, a total row, then one row per 부서."""
    grades: list[str] = []
    out = []
    for n, line in rows[1:]:
        cs = cells(line)
        nums = [c for c in cs[1:] if plain_number(c) is not None]
        if not nums:  # the grade sub-header: 계, 4급이상, 5급, 6급이하
            grades = cs[1:]
            continue
        values = []  # the row's leading numbers: 정원 계, by grade, 현원 (what follows is its teams)
        for c in cs[1:]:
            v = plain_number(c)
            if v is None:
                break
            values.append(int(v))
        if len(values) < 2 or is_number(cs[0]):
            continue
        name = display_name(cs[0])
        rest = cs[1 + len(values) :]
        teams = tuple(squash(t) for t in ",".join(rest).split(",") if t.strip())
        quota, by_grade, current = values[0], values[1:-1], values[-1]
        staffing = Staffing(quota, tuple(zip(grades, by_grade)), current, Span(doc_id, n, n))
        out.append((name, staffing, teams))
    # the first data row is the table's total when the rows below add up to it
    if len(out) >= 2 and out[0][1].quota_total == sum(r[1].quota_total for r in out[1:]) and not out[0][2]:
        out = out[1:]
    return out


def budget_lines(rows: list[Row], doc_id: str, year: int) -> list[BudgetLine]:
    """예산현황: category, amount, share, previous, share, change, rate (the shares dropped)."""
    parsed = []
    for n, line in rows[1:]:
        cs = cells(line)
        if not cs or is_number(cs[0]):
            continue
        amounts = [plain_number(c) for c in cs[1:] if "%" not in c]
        amounts = [a for a in amounts if a is not None]
        if len(amounts) < 2:
            continue
        change = amounts[2] if len(amounts) > 2 else None
        parsed.append((display_name(cs[0]), amounts[0], amounts[1], change, n))
    levels = _levels([p[1] for p in parsed])
    return [
        BudgetLine(cat, cur, prev, chg, lvl, Span(doc_id, n, n))
        for (cat, cur, prev, chg, n), lvl in zip(parsed, levels)
    ]


def _levels(amounts: list[float]) -> list[int]:
    """Nesting of budget rows from their arithmetic.

    The first row is the total; a row followed by two or more rows that add up to it
    (within the source's rounding, ±1 per row) is their parent.
    """
    if not amounts:
        return []
    levels = [0] + [1] * (len(amounts) - 1)
    i = 1
    while i < len(amounts):
        total, j = 0.0, i + 1
        while j < len(amounts) and amounts[i] > 0:
            total += amounts[j]
            if j - i >= 2 and abs(total - amounts[i]) <= j - i:
                for k in range(i + 1, j + 1):
                    levels[k] = levels[i] + 1
                break
            if total > amounts[i] + (j - i):
                break
            j += 1
        i += 1
    return levels


def policy_goal_rows(rows: list[Row], doc_id: str) -> list[PolicyGoal]:
    """정책사업목표 현황: goal, indicator count, unit-project count, budget."""
    out = []
    for n, line in rows[1:]:
        cs = cells(line)
        if len(cs) < 2 or is_number(cs[0]):
            continue
        nums = [number(c) for c in cs[1:]]
        if any(v is None for v in nums):
            continue
        nums += [None] * (3 - len(nums))
        ind, units, budget = nums[:3]
        out.append(
            PolicyGoal(
                squash(cs[0]),
                int(ind) if ind is not None else None,
                int(units) if units is not None else None,
                budget,
                Span(doc_id, n, n),
            )
        )
    return out


def indicator_rows(rows: list[Row], doc_id: str, rationales: dict[str, str]) -> list[Indicator]:
    """성과지표별 목표치 설정: header, a year sub-header, then a target row and a result row
    per indicator. The target row carries name, type, weight, the target marker, one value
    per year, formula and source; the result row carries the result marker and values."""
    years: list[int] = []
    found: list[dict] = []
    for n, line in rows[1:]:
        cs = cells(line)
        ys = [year_of(c) for c in cs]
        if not years and sum(y is not None for y in ys) >= 2:
            years = [y for y in ys if y is not None]
            continue
        if not cs or not years:
            continue
        marker_at = next((i for i, c in enumerate(cs) if _is_marker_cell(c, cs, i)), None)
        if marker_at is None:
            continue
        values = _year_values(cs[marker_at + 1 :], years)
        if marker_at == 0:  # the result row of the indicator above
            if found and not found[-1]["actuals"]:
                found[-1]["actuals"] = values
                found[-1]["end"] = n
            continue
        head = cs[:marker_at]
        tail = cs[marker_at + 1 + len(values) :]
        name, dept, unit = split_indicator_name(head[0])
        found.append(
            dict(
                name=name,
                unit=unit,
                department=dept,
                kind=next((c for c in head[1:] if not is_number(c)), None),
                weight=next((number(c) for c in head[1:] if is_number(c)), None),
                targets=values,
                actuals=(),
                formula=tail[0] if tail else None,
                source=tail[1] if len(tail) > 1 else None,
                rationale=rationales.get(key(name)),
                start=n,
                end=n,
            )
        )
    return [
        Indicator(**{k: v for k, v in f.items() if k not in ("start", "end")}, span=Span(doc_id, f["start"], f["end"]))
        for f in found
    ]


def _is_marker_cell(cell: str, cs: list[str], i: int) -> bool:
    """The 목표/실적 marker: the first short non-number cell followed by year values."""
    if is_number(cell) or len(cell) > 4 or i + 2 >= len(cs):
        return False
    return all(is_number(c) or c == "/" for c in cs[i + 1 : i + 3])


def _year_values(cs: list[str], years: list[int]) -> tuple[YearValue, ...]:
    out = []
    for year, cell in zip(years, cs):
        if not (is_number(cell) or cell == "/"):
            break
        out.append(YearValue(year, number(cell), cell))
    return tuple(out)


def split_indicator_name(cell: str) -> tuple[str, str | None, str | None]:
    """``(부서)지표명(단위)`` → (지표명, 부서, 단위)."""
    text = squash(cell)
    dept = unit = None
    m = _LEADING_PAREN.match(text)
    if m:
        dept, text = squash(m.group(1)), text[m.end() :]
    m = _TRAILING_PAREN.search(text)
    if m:
        unit, text = m.group(1).strip(), text[: m.start()]
    return text.strip(), dept, unit
