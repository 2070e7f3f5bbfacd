"""PDF documents through pdfplumber: per page, the drawn tables (rows of cells, tab-separated)
and the text lines outside them, in reading order from the top of the page."""
from __future__ import annotations

import io

from kg.errors import InputError

Y_TOLERANCE = 3  # points: characters this close vertically are one line (pdfplumber's default)


BLANK_GAP = 0.9
"""A gap between two lines wider than this share of a line's height is a blank line (a paragraph
break): the format parsers end blocks there, as at a text export's blank lines. Word processors
set lines 0.2–0.6 of a line apart (100–160 % spacing); an empty paragraph adds a whole line."""


INDENT_STEP = 0.5
"""One space of indent per this share of a line's height that a line starts right of the page's
leftmost line."""


def read_pdf(data: bytes, name: str) -> tuple[str, list[str]]:
    """The text of a PDF, and the page of each of its lines ("3쪽"): each page's lines and tables,
    top to bottom, pages in order; a blank
    line where the page leaves a paragraph's space and around each table (not where a table
    runs on from the page before). Raises InputError for an encrypted or damaged PDF, and for
    one without a text layer."""
    import pdfplumber

    lines: list[str] = []
    places: list[str] = []
    chars = 0
    last = None  # the kind of the previous page's last item
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                chars += len(page.chars)
                page_lines, last = _page_lines(page, last)
                page_lines = "\n".join(page_lines).split("\n")  # a table's rows are lines of their own
                lines += page_lines
                places += [f"{page.page_number}쪽"] * len(page_lines)
                page.flush_cache()  # a long document is read a page at a time
    except InputError:
        raise
    except Exception as exc:  # pdfminer's syntax, password and stream errors (pdfplumber wraps them)
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc.__context__
        kind = type(exc).__name__ + " " + type(inner).__name__
        if "Password" in kind or "Encrypt" in kind:
            raise InputError("a password-protected PDF; save an unprotected copy", path=name) from None
        raise InputError(f"a damaged PDF ({type(inner or exc).__name__}); save it again or export it from the original",
                         path=name) from None
    if chars == 0:
        raise InputError("a PDF without a text layer (a scan?): it needs OCR before it can be read", path=name)
    return "\n".join(lines), places


def _page_lines(page, last: str | None) -> tuple[list[str], str | None]:
    """The page's lines, and the kind (``text`` or ``table``) of its last item."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    items: list[tuple[float, float, str, str]] = []  # (top, bottom, kind, text)
    found = page.filter(outside).extract_text_lines(y_tolerance=Y_TOLERANCE, strip=True)
    margin = min((line["x0"] for line in found), default=0.0)
    for line in found:
        # an indented line keeps its indent as spaces, half a line's height each (parsers tell a
        # list's sub-items by it, as in a text export)
        step = max(1.0, (line["bottom"] - line["top"]) * INDENT_STEP)
        items.append((line["top"], line["bottom"], "text", " " * round((line["x0"] - margin) / step) + line["text"]))
    for table in tables:
        rows = ["\t".join(_cell(c) for c in row) for row in table.extract()]
        items.append((table.bbox[1], table.bbox[3], "table", "\n".join(rows)))
    items.sort(key=lambda i: (i[0], i[2]))
    out: list[str] = []
    for i, (top, bottom, kind, text) in enumerate(items):
        prev = items[i - 1] if i else None
        if prev is None:
            if kind == "table" and last == "text" or kind == "text" and last == "table":
                out.append("")
        elif kind == "table" or prev[2] == "table" or top - prev[1] > BLANK_GAP * (prev[1] - prev[0]):
            out.append("")
        out.append(text)
    return out, (items[-1][2] if items else last)


def _cell(value) -> str:
    """A cell's text on one line (a cell wrapped over lines is one cell)."""
    return " ".join((value or "").split())
