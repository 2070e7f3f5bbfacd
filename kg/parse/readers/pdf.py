"""PDF documents through pdfplumber: per page, the drawn tables (rows of cells, tab-separated)
and the text lines outside them, in reading order from the top of the page. A line that comes
out letter-spaced (조 직 및 인 력 현 황: a heading set with wide character spacing) is read again
by pypdfium2, which joins the glyphs as words; its reading is taken when it has the same glyphs."""
from __future__ import annotations

import io
import re

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
    second = _SecondEngine(data)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                chars += len(page.chars)
                page_lines, last = _page_lines(page, last, second)
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
    finally:
        second.close()
    if chars == 0:
        raise InputError("a PDF without a text layer (a scan?): it needs OCR before it can be read", path=name)
    return "\n".join(lines), places


_SYLLABLE = re.compile(r"^[\uac00-\ud7a3]$")


def spaced_out(text: str) -> bool:
    """Whether a line reads as letter-spaced Korean (조 직 및 인 력 현 황): three pieces or more,
    nearly all of them one Hangul syllable — what a heading set with wide character spacing gives
    a reader that puts a space wherever the glyphs stand apart."""
    pieces = text.split()
    single = sum(1 for p in pieces if _SYLLABLE.match(p))
    return len(pieces) >= 3 and single >= 0.75 * len(pieces)


class _SecondEngine:
    """pypdfium2 (PDFium, pdfplumber's own dependency) reading one line's box again: PDFium joins
    glyphs by the font's spacing, so a letter-spaced heading comes out as its words."""

    def __init__(self, data: bytes):
        self._doc = None
        self._data = data
        self._pages: dict[int, tuple[object, float]] = {}

    def line(self, page_number: int, line: dict) -> str | None:
        try:
            import pypdfium2 as pdfium

            if self._doc is None:
                self._doc = pdfium.PdfDocument(self._data)
            if page_number not in self._pages:
                page = self._doc[page_number - 1]
                self._pages = {page_number: (page.get_textpage(), page.get_height())}
            textpage, height = self._pages[page_number]
            h = line["bottom"] - line["top"]  # the line's middle band: never a neighbour's glyphs
            text = textpage.get_text_bounded(left=line["x0"] - 1, bottom=height - (line["bottom"] - 0.3 * h),
                                             right=line["x1"] + 1, top=height - (line["top"] + 0.3 * h))
        except Exception:  # the second reading is a refinement: without it the first stands
            return None
        text = " ".join((text or "").split())
        return text or None

    def close(self) -> None:
        self._pages = {}
        if self._doc is not None:
            self._doc.close()


def _page_lines(page, last: str | None, second: _SecondEngine | None = None) -> tuple[list[str], str | None]:
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
        text = line["text"]
        if second is not None and spaced_out(text):
            again = second.line(page.page_number, line)
            if again and again.replace(" ", "") == text.replace(" ", "") and again.count(" ") < text.count(" "):
                text = again  # the same glyphs, spaced as words
        # an indented line keeps its indent as spaces, half a line's height each (parsers tell a
        # list's sub-items by it, as in a text export)
        step = max(1.0, (line["bottom"] - line["top"]) * INDENT_STEP)
        items.append((line["top"], line["bottom"], "text", " " * round((line["x0"] - margin) / step) + text))
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
