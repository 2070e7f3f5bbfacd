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
