"""Metamorphic tests: the same content with other export noise gives the same records."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.parse import parse_document
from tests.conftest import BRIEF, PLAN

_MARKED = re.compile(r"^(?:#{1,6} |\*\*)|\*\*$")


def bare(line: str) -> str:
    """The line without heading marks or <b> tags."""
    line = re.sub(r"</?b>", "", line)
    return _MARKED.sub("", _MARKED.sub("", line)).strip("*") if line.strip() else line


def noisy(text: str, *, crlf=False, bom=False, nbsp=False, headings=None, html=False, spaces=False) -> str:
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        short_heading = line.strip() and "\t" not in line and len(line.strip()) < 40 and not line.startswith(("-", " ", "1", "2", "3", "4", "5", "6"))
        if headings is not None and short_heading:
            core = bare(line).strip()
            line = {"bare": core, "hash": f"## {core}", "bold": f"**{core}**"}[headings]
        if html and short_heading and i % 3 == 0:
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


def records(doc):
    return doc.format, doc.title, doc.plan, doc.brief, doc.passages


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


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("source", [PLAN, BRIEF], ids=["plan", "brief"])
def test_noise_gives_same_records(source, variant, tmp_path, plan_doc, brief_doc):
    original = plan_doc if source == PLAN else brief_doc
    path = tmp_path / source.name
    text = noisy(source.read_text(encoding="utf-8"), **VARIANTS[variant])
    if not (source == BRIEF and variant in ("bare-headings", "spaces-for-tabs")):  # it has neither
        assert text != source.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8", newline="")
    assert records(parse_document(path)) == records(original)


def test_html_list_fragment_gives_same_goals(tmp_path, plan_doc):
    text = PLAN.read_text(encoding="utf-8").replace('<ul style="list-style-type: none">', "<ul>").replace("</li> <li>", "</li><li>")
    path = tmp_path / PLAN.name
    path.write_text(text, encoding="utf-8")
    assert parse_document(path).plan.bureau.strategic_goals == plan_doc.plan.bureau.strategic_goals


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_noise_per_line_gives_same_plan(data, tmp_path_factory, plan_doc):
    lines = PLAN.read_text(encoding="utf-8").split("\n")
    out = []
    for line in lines:
        kind = data.draw(st.sampled_from(["keep", "nbsp", "trailing", "tabs"]), label="noise")
        if kind == "nbsp" and "\t" not in line:
            line = line.replace(" ", "\u00a0")
        elif kind == "trailing" and line.strip():
            line = line + " \u200b"
        elif kind == "tabs":
            line = line.replace("\t", "  ")
        out.append(line)
    path = tmp_path_factory.mktemp("noise") / PLAN.name
    path.write_text("\n".join(out), encoding="utf-8")
    assert parse_document(path).plan == plan_doc.plan
