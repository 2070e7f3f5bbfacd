"""Export noise: what word processors and converters do to the text of the same document.

The parsers tolerate each kind (``kg.parse.text.normalise_line``, the table readers and the
heading rules); the metamorphic tests (tests/test_noise.py) and the synthetic corpus
(``kg synth``) apply them, so one list says what "export noise" means here.
"""
from __future__ import annotations

import random
import re

_MARKED = re.compile(r"^(?:#{1,6} |\*\*)|\*\*$")


def bare(line: str) -> str:
    """The line without heading marks or <b> tags."""
    line = re.sub(r"</?b>", "", line)
    return _MARKED.sub("", _MARKED.sub("", line)).strip("*") if line.strip() else line


def _short_heading(line: str) -> bool:
    return bool(line.strip()) and "\t" not in line and len(line.strip()) < 40 and not line.startswith(
        ("-", " ", "1", "2", "3", "4", "5", "6"))


def noisy(text: str, *, crlf=False, bom=False, nbsp=False, headings=None, html=False, spaces=False) -> str:
    """``text`` with the noise of another export: CRLF line ends, a byte-order mark, no-break
    spaces, headings bare / as Markdown ``##`` / ``**bold**``, ``<b>`` tags, tabs as spaces."""
    out = []
    for i, line in enumerate(text.split("\n")):
        heading = _short_heading(line)
        if headings is not None and heading:
            core = bare(line).strip()
            line = {"bare": core, "hash": f"## {core}", "bold": f"**{core}**"}[headings]
        if html and heading and i % 3 == 0:
            line = f"<b>{line}</b>"
        if nbsp and i % 2 == 0 and "\t" not in line:
            line = line.replace(" ", "\u00a0", 2)
        if spaces:
            line = line.replace("\t", "    ")
        out.append(line)
    text = "\n".join(out)
    if crlf:
        text = text.replace("\n", "\r\n")
    return ("\ufeff" if bom else "") + text


VARIANTS = {
    "crlf": dict(crlf=True),
    "bom": dict(bom=True),
    "nbsp": dict(nbsp=True),
    "bare-headings": dict(headings="bare"),
    "hash-headings": dict(headings="hash"),
    "bold-headings": dict(headings="bold"),
    "html": dict(html=True),
    "spaces-for-tabs": dict(spaces=True),
    "everything": dict(crlf=True, bom=True, nbsp=True, headings="hash", html=True, spaces=True),
}
"""Named noise variants (keyword arguments of ``noisy``)."""


def line_noise(line: str, kind: str) -> str:
    """One line's noise: ``nbsp`` (its spaces no-break), ``trailing`` (a space and a zero-width
    space after it), ``tabs`` (its tabs two spaces), ``keep``."""
    if kind == "nbsp" and "\t" not in line:
        return line.replace(" ", "\u00a0")
    if kind == "trailing" and line.strip():
        return line + " \u200b"
    if kind == "tabs":
        return line.replace("\t", "  ")
    return line


LINE_NOISE = ("keep", "nbsp", "trailing", "tabs")


def random_noise(text: str, rng: random.Random) -> str:
    """``text`` under a variant drawn from ``VARIANTS`` (or none), then per-line noise on about
    one line in ten: what a folder of documents from many exports looks like."""
    variant = rng.choice([None, *VARIANTS])
    if variant is not None:
        text = noisy(text, **{k: v for k, v in VARIANTS[variant].items() if k != "crlf" and k != "bom"})
    lines = [line_noise(x, rng.choice(LINE_NOISE)) if rng.random() < 0.1 else x for x in text.split("\n")]
    text = "\n".join(lines)
    if variant is not None and VARIANTS[variant].get("crlf"):
        text = text.replace("\n", "\r\n")
    return ("\ufeff" if variant is not None and VARIANTS[variant].get("bom") else "") + text
