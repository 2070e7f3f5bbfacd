"""PDF documents through pdfplumber: per page, the drawn tables (rows of cells, tab-separated)
and the text lines outside them, in reading order from the top of the page. A line that comes
out letter-spaced (조 직 및 인 력 현 황: a heading set with wide character spacing) is read again
by pypdfium2, which joins the glyphs as words; its reading is taken when it has the same glyphs."""
from __future__ import annotations

import bisect
import io
import re

from kg.errors import InputError
from kg.parse.text import PAGE_PLACE

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
                places += [PAGE_PLACE.format(page.page_number)] * len(page_lines)
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
    """pypdfium2 (PDFium, pdfplumber's own dependency) reading one line again: PDFium joins
    glyphs by the font's spacing, so a letter-spaced heading comes out as its words. The line is
    the run of PDFium's characters whose centres lie in the line's box (PDFium's own spaces
    between them included)."""

    def __init__(self, data: bytes):
        self._doc = None
        self._data = data
        self._page: tuple[int, object, list[tuple[int, float, float]]] | None = None

    def line(self, page_number: int, line: dict) -> str | None:
        try:
            import pypdfium2 as pdfium

            if self._doc is None:
                self._doc = pdfium.PdfDocument(self._data)
            if self._page is None or self._page[0] != page_number:
                page = self._doc[page_number - 1]
                textpage, height = page.get_textpage(), page.get_height()
                centres = []
                for i in range(textpage.count_chars()):
                    left, bottom, right, top = textpage.get_charbox(i, loose=True)
                    centres.append((i, (left + right) / 2, height - (bottom + top) / 2))  # y from the top, as pdfplumber
                self._page = (page_number, textpage, centres)
            _, textpage, centres = self._page
            inside = [i for i, x, y in centres
                      if line["x0"] - 1 <= x <= line["x1"] + 1 and line["top"] <= y <= line["bottom"]]
            text = textpage.get_text_range(inside[0], inside[-1] - inside[0] + 1) if inside else ""
        except Exception:  # the second reading is a refinement: without it the first stands
            return None
        text = " ".join((text or "").split())
        return text or None

    def close(self) -> None:
        self._page = None
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
    spaces = sorted((c for c in page.chars if c["text"].isspace() and outside(c)), key=lambda c: c["x0"])
    starts = [c["x0"] for c in spaces]
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
        text = " " * round((line["x0"] - margin) / step) + text + _trailing(line, spaces, starts)
        items.append((line["top"], line["bottom"], "text", text))
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


def _trailing(line: dict, spaces: list[dict], starts: list[float]) -> str:
    """The spaces drawn right after a line's last glyph (pdfplumber's lines end at it); ``spaces``
    are the page's space characters by ``x0``, ``starts`` their ``x0``. A word processor that
    wraps a line at a space writes the space at the end of the line: the brief's parser tells a
    line wrapped at a word from one broken mid-word by it, as in a text export."""
    end, out = line["x1"], ""
    while True:
        i = bisect.bisect_left(starts, end - 1)
        hit = next((c for c in spaces[i:bisect.bisect_right(starts, end + 1)]
                    if line["top"] <= (c["top"] + c["bottom"]) / 2 <= line["bottom"]), None)
        if hit is None:
            return out
        out, end = out + " ", hit["x1"]


def _cell(value) -> str:
    """A cell's text on one line (a cell wrapped over lines is one cell)."""
    return " ".join((value or "").split())
