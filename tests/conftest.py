"""Shared fixtures: the corpus, one parse of it and one build, made once per session."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
PLAN = RAW / "jeonbuk_2026_external_affairs_plan.txt"
BRIEF = RAW / "mofa_local_public_diplomacy_brief.txt"
ONTOLOGY = ROOT / "ontology"


@pytest.fixture(scope="session")
def plan_doc():
    from kg.parse import parse_document

    return parse_document(PLAN)


@pytest.fixture(scope="session")
def brief_doc():
    from kg.parse import parse_document

    return parse_document(BRIEF)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """A build of the corpus into a session temp folder: (build_dir, BuildResult)."""
    from kg.pipeline import build

    out = tmp_path_factory.mktemp("build") / "build"
    return out, build(RAW, out, ONTOLOGY)


@pytest.fixture(scope="session")
def graph(built):
    from kg.rdf.io import load_graph

    return load_graph(built[0])


@pytest.fixture
def raw_copy(tmp_path):
    """A writable copy of data/raw."""
    dst = tmp_path / "raw"
    shutil.copytree(RAW, dst)
    return dst


# sub-projects renamed with HTML and script, as an HTML export would write them (entities are
# decoded when the document is read, so the labels hold the raw tags): the pages must show these
# labels as text, never run them
HOSTILE_LABELS = {
    "전북특별자치도 중국 해외사무소 운영": '<script>alert("kg")</script> 중국 해외사무소 운영',
    "해외 지방정부 관계자 전북연수": "<img src=x onerror=alert(1)> 지방정부 관계자 연수",
}


@pytest.fixture(scope="session")
def hostile_build(tmp_path_factory):
    """A build of the corpus with the HOSTILE_LABELS renames: (raw_dir, build_dir)."""
    import html

    from kg.pipeline import build

    base = tmp_path_factory.mktemp("hostile")
    raw = base / "raw"
    shutil.copytree(RAW, raw)
    plan = raw / PLAN.name
    text = plan.read_text(encoding="utf-8")
    for name, hostile in HOSTILE_LABELS.items():
        assert name in text
        text = text.replace(name, html.escape(hostile, quote=False))
    plan.write_text(text, encoding="utf-8")
    build(raw, base / "build", ONTOLOGY)
    return raw, base / "build"
