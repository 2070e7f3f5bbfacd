"""The Streamlit app in a real browser: `streamlit run app.py` on a free local port, driven by
headless Chromium through Playwright, over the hostile build (sub-projects labelled with
``<script>`` and ``<img onerror>``). The pages must show those labels as text and never run them.

Chromium is Debian's (``make browser`` installs it); Playwright's own browser download is not
used, so nothing is fetched at test time.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.bench_start import stop_group
from tests.conftest import HOSTILE_LABELS, ROOT

pytestmark = pytest.mark.browser

SCRIPT_LABEL = HOSTILE_LABELS["전북특별자치도 중국 해외사무소 운영"]  # <script>alert("kg")</script> 중국 해외사무소 운영
IMG_LABEL = HOSTILE_LABELS["해외 지방정부 관계자 전북연수"]  # <img src=x onerror=alert(1)> 지방정부 관계자 연수
SCRIPT_TAG = '<script>alert("kg")</script>'
IMG_TAG = "<img src=x onerror=alert(1)>"

STARTUP_TIMEOUT = 90  # s: the server answering its health check
FIRST_LOAD_TIMEOUT = 120_000  # ms: the first visit loads the build (graph, search index, embedder)
RENDER_TIMEOUT = 60_000  # ms: a page of an already-loaded app
VIEWPORT = {"width": 1400, "height": 1100}


def _chromium() -> str:
    path = os.environ.get("KG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(f"Chromium not found ({path}): the browser tests use Debian's chromium; run `make browser` "
                    "(as root: apt-get install chromium fonts-noto-cjk), or set KG_CHROMIUM to a Chromium binary",
                    pytrace=False)
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def app_url(hostile_build, tmp_path_factory):
    """`streamlit run app.py` over the hostile build; its base URL. Stopped when the module ends."""
    raw, build = hostile_build
    port = _free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    env = {**os.environ, "KG_BUILD": str(build), "KG_RAW": str(raw), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
           "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log_path, "wb") as log:  # own process group: the server and the SPARQL workers it forks
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(f"{base}/_stcore/health"):
            if proc.poll() is not None or time.monotonic() > deadline:
                why = f"exited with {proc.returncode}" if proc.poll() is not None else f"no answer in {STARTUP_TIMEOUT} s"
                pytest.fail(f"streamlit {why}; log {log_path}:\n{log_path.read_text(errors='replace')[-3000:]}",
                            pytrace=False)
            time.sleep(0.25)
        yield base
    finally:
        stop_group(proc)


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: `make install` (pip install -e '.[dev]')", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True,
                              args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page (own context: own Streamlit session) that records every JavaScript dialog."""
    context = browser.new_context(viewport=VIEWPORT, locale="ko-KR")
    pg = context.new_page()
    pg.dialogs = []

    def on_dialog(dialog):
        pg.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    yield pg
    context.close()


@pytest.fixture(scope="module")
def hostile_iris(hostile_build):
    """IRIs of the two hostile sub-projects, read from the built graph: {"script": iri, "img": iri}."""
    from rdflib import RDF, RDFS, Graph

    from kg.rdf.vocab import KG

    g = Graph().parse(hostile_build[1] / "graph.ttl")
    found = {}
    for sub in g.subjects(RDF.type, KG.SubProject):
        label = str(g.value(sub, RDFS.label) or "")
        if label == SCRIPT_LABEL:
            found["script"] = str(sub)
        elif label == IMG_LABEL:
            found["img"] = str(sub)
    assert set(found) == {"script", "img"}, f"hostile sub-projects not in the build: {found}"
    return found


def entity_url(base: str, iri: str) -> str:
    return f"{base}/?" + urllib.parse.urlencode({"page": "entity", "entity": iri})


def assert_nothing_ran(pg) -> None:
    """No dialog, no <img src=x> element, no <script> carrying the document's text."""
    pg.wait_for_timeout(500)  # let a late onerror/alert show itself
    assert pg.dialogs == [], f"a script from a label ran: {pg.dialogs}"
    assert pg.locator('img[src="x"]').count() == 0
    assert pg.evaluate("() => [...document.scripts].filter(s => s.textContent.includes('alert(')).length") == 0


def screenshot(pg, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    pg.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def test_search_shows_hostile_label_as_text(app_url, page, tmp_path):
    from playwright.sync_api import expect

    page.goto(app_url + "/")
    box = page.get_by_label("질문")
    box.wait_for(timeout=FIRST_LOAD_TIMEOUT)
    box.fill("중국 해외사무소 운영")
    box.press("Enter")
    labels = page.locator(".kg-card .kg-label")
    expect(labels.first).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)
    count = page.get_by_text(re.compile(r"^결과 \d+개$"))
    expect(count).to_be_visible(timeout=RENDER_TIMEOUT)
    expect(labels).to_have_count(int(re.search(r"\d+", count.inner_text()).group()), timeout=RENDER_TIMEOUT)
    top = labels.all_inner_texts()[:3]
    assert SCRIPT_LABEL in top, top
    card = page.locator(".kg-card", has_text="중국 해외사무소 운영").first
    assert SCRIPT_TAG in card.inner_text()  # the tag is shown, as text
    assert SCRIPT_TAG in page.locator('[data-testid="stMain"]').inner_text()
    assert_nothing_ran(page)
    screenshot(page, tmp_path, "search")
    # This page was open while the first visit forked the SPARQL workers. Past the server's 5 s
    # keep-alive, a connection a worker had copied would be a dead end: the next page's widgets
    # (loaded lazily) would stay grey placeholders. They must draw.
    page.wait_for_timeout(7000)
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').get_by_text("SPARQL", exact=True).click()
    expect(page.get_by_label("질의", exact=True)).to_be_visible(timeout=RENDER_TIMEOUT)


def test_graph_draws_hostile_label_as_text(app_url, page, hostile_iris, tmp_path):
    from playwright.sync_api import expect

    page.goto(entity_url(app_url, hostile_iris["img"]))  # opens the entity: the graph centres on it
    expect(page.locator("h3.kg-label")).to_contain_text(IMG_TAG, timeout=FIRST_LOAD_TIMEOUT)
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').get_by_text("그래프", exact=True).click()
    expect(page.get_by_role("heading", name="그래프")).to_be_visible(timeout=RENDER_TIMEOUT)
    # Graphviz shortens labels to ~18 characters ("<img src=x…"); the tooltip holds the whole name
    node_text = page.locator("svg g.node text", has_text="<img src=x")
    expect(node_text.first).to_be_visible(timeout=RENDER_TIMEOUT)
    assert all(t.startswith("<img src=x") for t in node_text.all_text_contents())
    tooltips = page.evaluate("() => [...document.querySelectorAll('svg g.node a')]"
                             ".map(a => a.getAttributeNS('http://www.w3.org/1999/xlink', 'title'))")
    assert f"SubProject: {IMG_LABEL}" in tooltips, tooltips
    centre_link = "?" + urllib.parse.urlencode({"page": "entity", "entity": hostile_iris["img"]})
    hrefs = page.evaluate("() => [...document.querySelectorAll('svg g.node a')]"
                          ".map(a => a.getAttributeNS('http://www.w3.org/1999/xlink', 'href'))")
    assert centre_link in hrefs
    assert_nothing_ran(page)
    screenshot(page, tmp_path, "graph")


def test_entity_page_shows_hostile_label_and_budgets(app_url, page, hostile_iris, tmp_path):
    from playwright.sync_api import expect

    page.goto(entity_url(app_url, hostile_iris["script"]))
    heading = page.locator("h3.kg-label")
    expect(heading).to_contain_text(SCRIPT_LABEL, timeout=FIRST_LOAD_TIMEOUT)
    assert heading.inner_text().startswith(SCRIPT_LABEL)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("예산 2026:", exact=False)).to_be_visible(timeout=RENDER_TIMEOUT)
    assert "백만원" in main.get_by_text("예산 2026:", exact=False).inner_text()
    facts = main.locator('[data-testid="stDataFrame"]').first
    expect(facts.locator('[role="columnheader"]', has_text="속성")).to_be_attached(timeout=RENDER_TIMEOUT)
    expect(facts.locator('[data-testid^="glide-cell"]').first).to_be_attached(timeout=RENDER_TIMEOUT)
    expect(main.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible(timeout=RENDER_TIMEOUT)
    expect(main.locator('[data-testid="stCode"]')).to_contain_text(SCRIPT_TAG, timeout=RENDER_TIMEOUT)  # 출처
    assert_nothing_ran(page)
    screenshot(page, tmp_path, "entity")
