"""Documents as users have them, made by the tests from the corpus's text exports: HWPX and HWP
5.0 written with python-hwpx (a block of tab-separated lines becomes a real table), and PDF drawn
with reportlab in the PDF standard's Korean font (tables drawn as ruled tables). Nothing is
downloaded."""
from __future__ import annotations

import functools
from pathlib import Path

KOREAN_CID_FONT = "HYSMyeongJo-Medium"
BLANK_LINE = 7  # points: an empty line of the text is an empty paragraph's space


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


def write_pdf(text: str, path: Path, portrait: bool = False) -> Path:
    """``text`` as a PDF on A4 (landscape unless ``portrait``), in a Korean font: each line of
    the text a line on the page, drawn as it stands — a line that a word processor wrapped at a
    space keeps that space as a glyph, as office exports write it (a line too wide for the page
    wraps); an empty line a paragraph's space; a run of two or more empty lines (a text export's
    page break) a new page; tables as ruled tables (cells wrap at spaces)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    # Debian's Noto CJK has PostScript outlines, which reportlab cannot embed: the Korean CID font
    # of the PDF standard (Adobe-Korea1, Unicode CMap) is named instead, as office exports do
    pdfmetrics.registerFont(UnicodeCIDFont(KOREAN_CID_FONT))
    body = ParagraphStyle("kr", fontName=KOREAN_CID_FONT, fontSize=8, leading=10)
    cell = ParagraphStyle("cell", fontName=KOREAN_CID_FONT, fontSize=6, leading=7.5)
    page = A4 if portrait else landscape(A4)
    frame = page[0] - 60
    story: list = []
    empty = 0
    for kind, value in blocks(text):
        if kind == "p" and not value.strip():
            empty += 1
            story.append(Spacer(1, BLANK_LINE))
            continue
        if empty >= 2 and len(story) > empty:
            story[-empty:] = [PageBreak()]
        empty = 0
        if kind == "p":
            indent = (len(value) - len(value.lstrip(" "))) * body.fontSize / 2  # a leading space: half an em
            line = _pdf_text(value.lstrip(" "), markup=False)
            if indent + pdfmetrics.stringWidth(line, KOREAN_CID_FONT, body.fontSize) <= frame:
                story.append(_Line(line, body, indent))
            else:
                style = ParagraphStyle(f"kr{indent}", parent=body, leftIndent=indent)
                story.append(Paragraph(_pdf_text(value.lstrip(" ")), style))
            continue
        width = max(len(r) for r in value)
        rows = [[Paragraph(_pdf_text(c), cell) for c in r] + [""] * (width - len(r)) for r in value]
        # columns as wide as their longest word needs and their text asks, so a cell wraps at spaces
        need = [max([len(w) for r in value if j < len(r) for w in r[j].split()] + [1]) for j in range(width)]
        want = [max([len(r[j]) for r in value if j < len(r)] + [1]) for j in range(width)]
        least = [n * (cell.fontSize + 0.5) + 14 for n in need]  # a CJK glyph is about one em wide; 12 pt of padding
        spare = max(0.0, frame - sum(least))
        widths = [a + spare * min(w, 60) / sum(min(x, 60) for x in want) for a, w in zip(least, want)]
        t = Table(rows, colWidths=widths, repeatRows=0)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(t)
        story.append(Spacer(1, 4))
    SimpleDocTemplate(str(path), pagesize=page, leftMargin=30, rightMargin=30, topMargin=30, bottomMargin=30).build(story)
    return Path(path)


def _pdf_text(text: str, markup: bool = True) -> str:
    """``text`` to draw (as Paragraph markup unless not ``markup``). The CID font's middle dot
    U+00B7 has no Unicode mapping a PDF reader can follow; U+30FB draws the same dot and reads
    back as U+00B7. The font has one space, which stands for the text's other widths of space
    (U+2005 in the brief's export)."""
    import re
    from xml.sax.saxutils import escape

    text = re.sub(r"[^\S\t\n]", " ", text)
    return (escape(text) if markup else text).replace("\u00b7", "\u30fb")


def _Line(text: str, style, indent: float):
    """One line of text drawn as it stands, trailing spaces included (a Paragraph drops them)."""
    return _line_flowable()(text, style, indent)


@functools.cache
def _line_flowable():
    from reportlab.platypus import Flowable

    class Line(Flowable):
        def __init__(self, text: str, style, indent: float):
            super().__init__()
            self.text, self.style, self.indent = text, style, indent

        def wrap(self, available_width, available_height):
            return available_width, self.style.leading

        def draw(self):
            self.canv.setFont(self.style.fontName, self.style.fontSize)
            self.canv.drawString(self.indent, self.style.leading - self.style.fontSize, self.text)

    return Line
