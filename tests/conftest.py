"""Shared fixtures: the corpus, one parse of it and one build, made once per session."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
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


# ---------------------------------------------------------------- an external store (Oxigraph server)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    exe = shutil.which("oxigraph") or str(ROOT / ".venv" / "bin" / "oxigraph")
    if not shutil.which(exe):
        pytest.skip("the oxigraph server (pip package `oxigraph`) is not installed")
    port = free_port()
    proc = subprocess.Popen([exe, "serve", "--location", str(tmp_path_factory.mktemp("oxi")), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory):
    """A Virtuoso Open Source server on a new database (Debian's virtuoso-opensource, which
    `make stores` installs; the tests fail without it, as the browser tests do without chromium)."""
    from kg.sparql.virtuoso import LocalVirtuoso, VirtuosoMissing

    try:
        with LocalVirtuoso(tmp_path_factory.mktemp("virtuoso"), buffers=20_000) as server:
            yield server
    except VirtuosoMissing as exc:
        pytest.fail(f"{exc}: the Virtuoso tests run a real server")
