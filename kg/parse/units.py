"""단위사업 blocks of the business-plan format: lists, the budget table and 개요 blocks."""
from __future__ import annotations

import difflib
import re

from kg.errors import ParseError
from kg.parse.text import SourceText, cells, is_number, plain_number, squash
from kg.lang.keys import key
from kg.records import Amount, ProjectOverview, Region, RegionGroup, Span, SubProject, UnitProject

# Format markers inside a 단위사업 block.
MARK = {
    "purpose": "목적",
    "contents": "주요내용",
    "table": "내역",  # □ 관련 예산사업 내역
    "overview": "개요",  # □ 관련 예산사업 개요
    "box": "□",
    "circle": "○",
}
# 개요 block fields, in the order the format gives them.
FIELD = {
    "사업명": "name",
    "사업내용": "content",
    "사업기간": "period",
    "지원형태": "support_form",
    "지원조건": "support_condition",
    "시행주체": "implementer",
}
# Budget column headers: '24결산, '25예산.
_AMOUNT_COLUMN = re.compile(r"'?(\d{2}|\d{4})\s*(결산|예산)")
_KIND = {"결산": "settlement", "예산": "budget"}
_DATE = re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_LIST_ITEM = re.compile(r"^\s*(?:\d+\.|[-○·•*])\s*")
_GROUP = re.compile(r"^[\s\-·•*]*(?P<label>[^\s():]+)\s*\((?P<n>\d+)\)\s*:\s*(?P<items>.+)$")
_PAREN = re.compile(r"\([^()]*\)")
_BODY_SPLIT = re.compile(r"\s*(?:,|\s및\s|\s등\s|\s또는\s)\s*")


def parse_unit(src: SourceText, doc_id: str, marker: int, end: int) -> UnitProject:
    """Parse the 단위사업 whose marker line is ``marker`` and whose block ends at ``end``."""
    lines = src.lines
    name_at = next((i for i in range(marker + 1, end + 1) if lines[i - 1].strip()), None)
    if name_at is None:
        raise ParseError("truncated plan: 단위사업 marker without a name", path=src.path.name, line=marker)
    name = squash(lines[name_at - 1])
    # a name wrapped onto a second line (heading export) continues until the first box
    sections = _sections(lines, name_at + 1, end)
    purposes = _items(sections.get(MARK["purpose"], []))
    content_lines = sections.get(MARK["contents"], [])
    contents = _items(content_lines)
    groups = tuple(g for n, x in content_lines if (g := _region_group(x, doc_id, n)))
    table = sections.get(MARK["table"], [])
    if not table:
        raise ParseError(f"truncated plan: 단위사업 {name!r} has no budget table", path=src.path.name, line=name_at)
    unit_row, sub_rows, columns = _budget_rows(table)
    if unit_row is None:
        raise ParseError(f"단위사업 {name!r}: budget table without rows", path=src.path.name, line=table[0][0])
    overviews = _overviews(sections.get(MARK["overview"], []), doc_id)
    subs = _join_subs(sub_rows, overviews, unit_row["count"], columns, doc_id)
    declared = unit_row["count"]
    if declared is not None and len(subs) < declared:
        raise ParseError(
            f"truncated plan: 단위사업 {name!r} declares {declared} 세부사업, found {len(subs)}",
            path=src.path.name,
            line=table[-1][0],
        )
    return UnitProject(
        name=name,
        purposes=purposes,
        contents=contents,
        account=unit_row["account"],
        amounts=_amounts(unit_row["values"], columns),
        declared_sub_count=declared,
        sub_projects=tuple(subs),
        region_groups=groups,
        span=Span(doc_id, marker, end),
    )


def _sections(lines, start: int, end: int) -> dict[str, list[tuple[int, str]]]:
    """Lines of the block, grouped under the last □/○ heading word they follow."""
    out: dict[str, list[tuple[int, str]]] = {}
    current = None
    for i in range(start, end + 1):
        x = lines[i - 1]
        s = x.strip()
        if not s:
            continue
        if s.startswith((MARK["box"], MARK["circle"])) and "\t" not in x and len(s) < 30:
            words = [w for w in (MARK["purpose"], MARK["contents"], MARK["table"], MARK["overview"]) if w in s]
            # "□ 목적 및 주요내용" names two lists and only introduces them
            current = words[0] if len(words) == 1 else None
            continue
        if current:
            out.setdefault(current, []).append((i, x))
    return out


def _items(rows: list[tuple[int, str]]) -> tuple[str, ...]:
    out = []
    for _, x in rows:
        if s := squash(_LIST_ITEM.sub("", x)):
            out.append(s)
    return tuple(out)


def _region_group(line: str, doc_id: str, n: int) -> RegionGroup | None:
    """``label(N) : country region, region, country region`` with N items."""
    m = _GROUP.match(line)
    if not m:
        return None
    items = [squash(x) for x in m["items"].split(",") if x.strip()]
    if len(items) != int(m["n"]):
        return None
    regions, country = [], None
    for item in items:
        tokens = item.split()
        if len(tokens) >= 2:
            country, name = tokens[0], " ".join(tokens[1:])
        else:
            name = item
        regions.append(Region(name, country))
    return RegionGroup(m["label"], int(m["n"]), tuple(regions), Span(doc_id, n, n))


# ---------------------------------------------------------------- budget table


def _budget_rows(rows: list[tuple[int, str]]):
    """Header → amount columns; the unit's own row; then 세부사업 rows (name, values)."""
    rows = rows[next((i for i, (_, x) in enumerate(rows) if _AMOUNT_COLUMN.search(x)), 0) :]
    header = cells(rows[0][1])
    columns = [(int(m.group(1)) % 100 + 2000, _KIND[m.group(2)]) for c in header if (m := _AMOUNT_COLUMN.search(c))]
    if not columns:
        return None, [], []
    positional = "\t" in rows[0][1]
    amount_idx = [i for i, c in enumerate(rows[0][1].split("\t")) if _AMOUNT_COLUMN.search(c)] if positional else []
    unit_row, subs = None, []
    for n, line in rows[1:]:
        if positional and "\t" in line:
            raw = [c.strip() for c in line.split("\t")]
            name = squash(raw[0]) if raw else ""
            values = [plain_number(raw[i]) if i < len(raw) and raw[i] else None for i in amount_idx]
            extra = [c for c in raw[max(amount_idx) + 1 :] if c] if amount_idx else []
            account = next((c for c in raw[1 : min(amount_idx)] if c), None) if amount_idx else None
        else:
            cs = cells(line)
            name = squash(cs[0]) if cs else ""
            rest = cs[1:]
            account = rest.pop(0) if rest and not is_number(rest[0]) else None
            nums = [plain_number(c) for c in rest if is_number(c)]
            values, extra = nums[: len(columns)], [str(int(v)) for v in nums[len(columns) :]]
            values += [None] * (len(columns) - len(values))
        if not name:
            continue
        count = int(plain_number(extra[0])) if extra and plain_number(extra[0]) is not None else None
        row = {"name": name, "account": account, "values": values, "count": count, "line": n}
        if unit_row is None:
            unit_row = row
        else:
            subs.append(row)
    return unit_row, subs, columns


def _amounts(values, columns) -> tuple[Amount, ...]:
    return tuple(Amount(y, k, v) for (y, k), v in zip(columns, values) if v is not None)


# ---------------------------------------------------------------- 개요 blocks


def _overviews(rows: list[tuple[int, str]], doc_id: str) -> list[ProjectOverview]:
    blocks: list[dict] = []
    last_field = None
    for n, line in rows:
        cs = cells(line)
        field = FIELD.get(key(cs[0])) if cs else None
        value = squash(" ".join(cs[1:])) if field else squash(line)
        if field == "name":
            blocks.append({"name": value, "start": n, "end": n})
            last_field = "name"
        elif blocks and field:
            blocks[-1][field] = value or None
            blocks[-1]["end"] = n
            last_field = field
        elif blocks and last_field and value:  # a value wrapped onto the next line
            prev = blocks[-1].get(last_field)
            blocks[-1][last_field] = f"{prev} {value}" if prev else value
            blocks[-1]["end"] = n
    out = []
    for b in blocks:
        start, end = _period(b.get("period"))
        out.append(
            ProjectOverview(
                name=b["name"],
                content=b.get("content"),
                period_start=start,
                period_end=end,
                support_form=b.get("support_form"),
                support_condition=b.get("support_condition"),
                implementer=b.get("implementer"),
                span=Span(doc_id, b["start"], b["end"]),
            )
        )
    return out


def _period(text: str | None) -> tuple[str | None, str | None]:
    dates = [f"{y}-{int(m):02d}-{int(d):02d}" for y, m, d in _DATE.findall(text or "")]
    return (dates[0] if dates else None, dates[1] if len(dates) > 1 else None)


def implementer_names(text: str | None) -> tuple[str, ...]:
    """``14개 시군 및 민간단체`` → (``14개 시군``, ``민간단체``): one name per body."""
    if not text:
        return ()
    out = []
    for part in _BODY_SPLIT.split(squash(text)):
        part = part.strip(" .")
        if part and key(part) not in {key(x) for x in out}:
            out.append(part)
    return tuple(out)


# ---------------------------------------------------------------- joining rows and blocks


def _join_subs(rows, overviews, declared, columns, doc_id) -> list[SubProject]:
    """Merge rows split over two lines, then pair each row with its 개요 block."""
    merged: list[dict] = []
    with_values = sum(1 for r in rows if any(v is not None for v in r["values"]))
    names = {key(o.name) for o in overviews}
    for r in rows:
        empty = all(v is None for v in r["values"])
        if merged and empty and (with_values == declared or key(r["name"]) not in names):
            prev = merged[-1]
            prev["name"] = f"{prev['name']} {r['name']}"
            prev["end"] = r["line"]
            continue
        merged.append({**r, "end": r["line"]})
    free = list(overviews)
    subs = []
    for r in merged:
        ov = _match(r["name"], free)
        if ov is not None:
            free.remove(ov)
        subs.append(
            SubProject(
                name=r["name"],
                amounts=_amounts(r["values"], columns),
                span=Span(doc_id, r["line"], r["end"]),
                overview=ov,
                implementers=implementer_names(ov.implementer) if ov else (),
            )
        )
    return subs


def _match(name: str, blocks: list[ProjectOverview]) -> ProjectOverview | None:
    """Exact name, then without parentheticals, then the closest spelling (ratio ≥ 0.8)."""
    k = key(name)
    for b in blocks:
        if key(b.name) == k:
            return b
    bare = key(_PAREN.sub("", name))
    for b in blocks:
        if key(_PAREN.sub("", b.name)) == bare:
            return b
    best, score = None, 0.0
    for b in blocks:
        s = difflib.SequenceMatcher(None, bare, key(_PAREN.sub("", b.name))).ratio()
        if s > score:
            best, score = b, s
    return best if score >= 0.8 else None
