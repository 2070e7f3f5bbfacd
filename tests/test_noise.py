"""Metamorphic tests: the same content with other export noise gives the same records."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.parse import parse_document
from kg.synth.noise import LINE_NOISE, VARIANTS, line_noise, noisy
from tests.conftest import BRIEF, PLAN


def records(doc):
    return doc.format, doc.title, doc.plan, doc.brief, doc.passages


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
        out.append(line_noise(line, data.draw(st.sampled_from(LINE_NOISE), label="noise")))
    path = tmp_path_factory.mktemp("noise") / PLAN.name
    path.write_text("\n".join(out), encoding="utf-8")
    assert parse_document(path).plan == plan_doc.plan
