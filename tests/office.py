"""Documents as users have them, made by the tests from the corpus's text exports: HWPX and HWP
5.0 written with python-hwpx (a block of tab-separated lines becomes a real table), and PDF drawn
with reportlab in the PDF standard's Korean font (tables drawn as ruled tables). Nothing is
downloaded."""
from __future__ import annotations

from pathlib import Path

KOREAN_CID_FONT = "HYSMyeongJo-Medium"
BLANK_LINE = 8  # points: an empty line of the text is an empty paragraph's space


def blocks(text: str) -> list[tuple[str, list]]:
    """The text as ("p", line) paragraphs and ("table", rows) tables: consecutive lines with a
    tab are one table, each line a row of cells."""
    out: list[tuple[str, list]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if "\t" in line:
            if out and out[-1][0] == "table":
                out[-1][1].append(line.split("\t"))
            else:
                out.append(("table", [line.split("\t")]))
        else:
            out.append(("p", line))
    return out


def write_hwpx(text: str, path: Path) -> Path:
    """``text`` as an HWPX document (``.hwpx``) or HWP 5.0 (``.hwp``), by the suffix of ``path``."""
    from hwpx import HwpxDocument

    doc = HwpxDocument.new()
    for kind, value in blocks(text):
        if kind == "p":
            doc.add_paragraph(value)
            continue
        width = max(len(r) for r in value)
        table = doc.add_table(rows=len(value), cols=width)
        for i, row in enumerate(value):
            for j, cell in enumerate(row):
                if cell:
                    table.set_cell_text(i, j, cell)
    doc.save_to_path(str(path))
    return Path(path)


def write_pdf(text: str, path: Path) -> Path:
    """``text`` as a PDF: paragraphs as lines of text, tables as ruled tables (cells wrap at
    spaces), in a Korean font."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    # Debian's Noto CJK has PostScript outlines, which reportlab cannot embed: the Korean CID font
    # of the PDF standard (Adobe-Korea1, Unicode CMap) is named instead, as office exports do
    pdfmetrics.registerFont(UnicodeCIDFont(KOREAN_CID_FONT))
    body = ParagraphStyle("kr", fontName=KOREAN_CID_FONT, fontSize=8, leading=10)
    cell = ParagraphStyle("cell", fontName=KOREAN_CID_FONT, fontSize=6, leading=7.5)
    page = landscape(A4)
    story = []
    for kind, value in blocks(text):
        if kind == "p":
            if not value.strip():
                story.append(Spacer(1, BLANK_LINE))
                continue
            indent = len(value) - len(value.lstrip(" "))  # leading spaces: an indent of half an em each
            style = body if not indent else ParagraphStyle(f"kr{indent}", parent=body, leftIndent=indent * body.fontSize / 2)
            story.append(Paragraph(_pdf_text(value.lstrip(" ")), style))
            continue
        width = max(len(r) for r in value)
        rows = [[Paragraph(_pdf_text(c), cell) for c in r] + [""] * (width - len(r)) for r in value]
        # columns as wide as their longest word needs and their text asks, so a cell wraps at spaces
        need = [max([len(w) for r in value if j < len(r) for w in r[j].split()] + [1]) for j in range(width)]
        want = [max([len(r[j]) for r in value if j < len(r)] + [1]) for j in range(width)]
        least = [n * (cell.fontSize + 0.5) + 14 for n in need]  # a CJK glyph is about one em wide; 12 pt of padding
        spare = max(0.0, page[0] - 60 - sum(least))
        widths = [a + spare * min(w, 60) / sum(min(x, 60) for x in want) for a, w in zip(least, want)]
        t = Table(rows, colWidths=widths, repeatRows=0)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(t)
        story.append(Spacer(1, 4))
    SimpleDocTemplate(str(path), pagesize=page, leftMargin=30, rightMargin=30, topMargin=30, bottomMargin=30).build(story)
    return Path(path)


def _pdf_text(text: str) -> str:
    """Paragraph markup for ``text``. The CID font's middle dot U+00B7 has no Unicode mapping a
    PDF reader can follow; U+30FB draws the same dot and reads back as U+00B7."""
    from xml.sax.saxutils import escape

    return escape(text).replace("\u00b7", "\u30fb")
