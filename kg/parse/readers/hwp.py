"""HWPX and HWP 5.0 documents through python-hwpx: the body's paragraphs in order, a table's
rows as lines of tab-separated cells (what the format parsers read in a text export)."""
from __future__ import annotations

import io
import warnings

from kg.errors import InputError

# python-hwpx's reasons for not reading a document, as the user should hear them
_REFUSED = {
    "hwp5-password": "a password-protected HWP document; open it in 한글, remove the password and save it again",
    "hwp5-distribution": "a 배포용 (distribution) HWP document, whose text is encrypted; ask for the original or a PDF",
    "hwp5-drm": "a DRM-protected HWP document, whose text is encrypted; ask for an unprotected copy or a PDF",
    "hwp5-version-unsupported": "an HWP version python-hwpx cannot read; save it again as HWPX in 한글",
    "hwp5-limit-exceeded": "an HWP document past a parsing limit (too large or too deeply nested)",
    "hwp5-not-hwp5": "a compound file without an HWP 5.0 header",
}


def _lines(doc):
    """(line, place) of the body's paragraphs in order, an empty one as an empty line (documents separate blocks
    with them, as text exports do with blank lines); a paragraph holding a table gives the
    table's rows, each a line of its cells' text joined by tabs (a merged cell once, at its
    anchor; the positions it covers empty, as a text export writes them)."""
    n_table = 0
    for n, paragraph in enumerate(doc.paragraphs, start=1):
        tables = paragraph.tables
        text = paragraph.text or ""
        if text.strip() or not tables:
            yield text, f"문단 {n}"
        for table in tables:
            n_table += 1
            grid: dict[tuple[int, int], str] = {}
            for place in table.iter_grid():
                if (place.row, place.column) == tuple(place.anchor):
                    grid[(place.row, place.column)] = " ".join((place.cell.text or "").split())
            rows = max((r for r, _ in grid), default=-1) + 1
            cols = max((c for _, c in grid), default=-1) + 1
            for r in range(rows):
                yield "\t".join(grid.get((r, c), "") for c in range(cols)).rstrip("\t"), f"표 {n_table} {r + 1}행"


def read_hwp(data: bytes, name: str, kind: str) -> tuple[str, list[str]]:
    """The text of an HWPX (``kind`` ``hwpx``) or HWP 5.0 (``hwp``) document, and where each of its
    lines is ("문단 12", "표 3 5행")."""
    from hwpx import HwpxDocument
    from hwpx.errors import HwpxError

    what = "HWPX" if kind == "hwpx" else "HWP"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # what the conversion leaves out (pictures …) is no text of ours
            doc = HwpxDocument.open(io.BytesIO(data))
            found = [(piece, place) for t, place in _lines(doc) for piece in t.split("\n")]  # a soft break ends a line
            text = "\n".join(t for t, _ in found)
            places = [place for _, place in found]
    except HwpxError as exc:
        code = getattr(exc, "code", "") or ""
        reason = _REFUSED.get(code) or f"a damaged {what} document ({code or type(exc).__name__}); open and save it again in 한글"
        raise InputError(reason, path=name) from None
    except Exception as exc:  # a malformed package the library did not classify
        raise InputError(f"a damaged {what} document ({type(exc).__name__}); open and save it again in 한글", path=name) from None
    if not text or not text.strip():
        raise InputError(f"an {what} document without text", path=name)
    return text, places
