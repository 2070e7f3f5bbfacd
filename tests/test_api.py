"""The JSON search API of ``kg serve`` (/api/search, /api/ask) and its client (--endpoint): the
same objects as ``kg search --json`` and ``kg ask --json``, bounded input, busy → 503."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kg import sparql as sp
from kg.api import Service, ServiceLimits, base_url
from kg.ask import Asker
from kg.cli import main
from kg.search.open import open_searcher
from kg.sparql.serve import make_server
from tests.conftest import ONTOLOGY

SEARCH = "국민외교를 지원하는 사업은?"
STRUCTURED = "대외협력과의 2026년 예산 합계는?"


@pytest.fixture(scope="module")
def server(built):
    engine = sp.load_store(built[0])

    def api(pool):
        searcher = open_searcher(built[0], ONTOLOGY)
        return Service(searcher, Asker(searcher, engine, run=lambda q: pool.run(q, timeout=5.0, max_rows=1000)))

    srv = make_server(engine, "127.0.0.1", 0, timeout=2.0, max_rows=100, workers=1, api=api)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def root(server):
    return f"http://127.0.0.1:{server.server_address[1]}"


def _get(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, dict(r.headers), json.loads(r.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read().decode("utf-8"))


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_api_search_is_exactly_the_cli_json(root, built, capsys):
    status, headers, row = _get(f"{root}/api/search?{urllib.parse.urlencode({'q': SEARCH, 'k': 5})}")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    code, out, _ = run(capsys, "search", SEARCH, "-k", "5", "--json", "--build", str(built[0]))
    assert code == 0 and row == json.loads(out)
    assert len(row["results"]) == 5 and row["analysis"]["intents"] == ["support"]


def test_api_ask_and_a_structured_search_carry_the_exact_answer(root, built, capsys):
    status, _, answer = _get(f"{root}/api/ask?{urllib.parse.urlencode({'q': STRUCTURED})}")
    code, out, _ = run(capsys, "ask", STRUCTURED, "--json", "--build", str(built[0]))
    assert status == 200 and code == 0 and answer == json.loads(out) and answer["understood"]
    _, _, row = _get(f"{root}/api/search?{urllib.parse.urlencode({'q': STRUCTURED})}")
    assert row["answer"] == answer


def test_api_post_json_and_form(root):
    body = json.dumps({"q": SEARCH, "k": 3}).encode()
    status, _, row = _get(f"{root}/api/search", body, {"Content-Type": "application/json"})
    assert status == 200 and len(row["results"]) == 3
    status, _, row = _get(f"{root}/api/ask", urllib.parse.urlencode({"q": STRUCTURED}).encode(),
                          {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and row["understood"]


@pytest.mark.parametrize("query, message", [
    ("q=", "missing 'q'"),
    ("k=3", "missing 'q'"),
    ("q=%EA%B5%AD%EB%AF%BC&k=0", "'k' must be"),
    ("q=%EA%B5%AD%EB%AF%BC&k=101", "'k' must be"),
    ("q=%EA%B5%AD%EB%AF%BC&k=ten", "'k' must be"),
])
def test_api_bad_input_is_400_with_a_json_message(root, query, message):
    status, headers, row = _get(f"{root}/api/search?{query}")
    assert status == 400 and headers["Content-Type"].startswith("application/json") and message in row["error"]


def test_api_a_question_of_punctuation_finds_nothing_as_the_cli_does(root):
    status, _, row = _get(f"{root}/api/search?q=%21%21%21")
    assert status == 200 and row["results"] == [] and row["analysis"] is None


def test_api_bad_bodies_are_refused(root):
    assert _get(f"{root}/api/search", b"{not json", {"Content-Type": "application/json"})[0] == 400
    assert _get(f"{root}/api/search", b"[1, 2]", {"Content-Type": "application/json"})[0] == 400
    assert _get(f"{root}/api/search", b"q=x", {"Content-Type": "text/xml"})[0] == 415


def test_api_a_10kb_question_is_answered_not_fatal(root):
    status, _, row = _get(f"{root}/api/search", json.dumps({"q": "국민외교 " * 2000}).encode(), {"Content-Type": "application/json"})
    assert status == 200 and row["results"]
    status, _, answer = _get(f"{root}/api/ask", json.dumps({"q": "예산 " * 3000}).encode(), {"Content-Type": "application/json"})
    assert status == 200 and answer["understood"] is False
    assert _get(f"{root}/api/search?q=%EA%B5%AD%EB%AF%BC")[0] == 200  # still answering


def test_api_busy_is_503_with_retry_after(built):
    searcher = open_searcher(built[0], ONTOLOGY)
    service = Service(searcher, None, ServiceLimits(busy_wait_s=0.2))
    holding = threading.Event()
    release = threading.Event()

    def slow():
        with service._turn():
            holding.set()
            release.wait(5)

    t = threading.Thread(target=slow)
    t.start()
    holding.wait(5)
    from kg.api import ApiError

    try:
        with pytest.raises(ApiError) as err:
            service.search(SEARCH, 3)
        assert err.value.status == 503 and err.value.retry_after == 1
    finally:
        release.set()
        t.join()
    assert service.search(SEARCH, 3)["results"]  # free again


def test_cli_endpoint_prints_what_the_build_prints(root, built, capsys):
    code, remote, _ = run(capsys, "search", SEARCH, "-k", "3", "--endpoint", root + "/sparql")
    code_local, local, _ = run(capsys, "search", SEARCH, "-k", "3", "--build", str(built[0]))
    assert code == code_local == 0 and remote == local and "1. [" in remote
    code, remote, _ = run(capsys, "ask", STRUCTURED, "--endpoint", root)
    code_local, local, _ = run(capsys, "ask", STRUCTURED, "--build", str(built[0]))
    assert code == code_local == 0 and remote == local


def test_cli_endpoint_errors_are_one_line(capsys, root):
    code, _, err = run(capsys, "search", SEARCH, "--endpoint", "http://127.0.0.1:9")  # nothing listens on port 9
    assert code != 0 and err.count("\n") == 1 and "cannot reach the endpoint" in err
    code, _, err = run(capsys, "search", SEARCH, "--endpoint", "ftp://example.org")
    assert code != 0 and "not an http(s) endpoint URL" in err
    code, _, err = run(capsys, "search", SEARCH, "--explain", "--endpoint", root)
    assert code != 0 and "--explain" in err and "Traceback" not in err


def test_sparql_only_server_has_no_api(built):
    srv = make_server(sp.load_store(built[0]), "127.0.0.1", 0, timeout=1.0, max_rows=10, workers=1)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/api/search?q=x"
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url, timeout=10)
        assert err.value.code == 404
    finally:
        srv.shutdown()
        srv.server_close()


def test_base_url():
    assert base_url("http://127.0.0.1:7070/sparql") == "http://127.0.0.1:7070"
    assert base_url("http://h:1/api/search?q=x") == "http://h:1"
    assert base_url(" http://h:1/ ") == "http://h:1"


def test_the_server_answers_search_while_sparql_runs_to_its_timeout(root):
    """A SPARQL query that runs to the timeout holds a worker, not the search."""
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    t = threading.Thread(target=lambda: _get(f"{root}/sparql?{urllib.parse.urlencode({'query': heavy})}"), daemon=True)
    t.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    status, _, row = _get(f"{root}/api/search?{urllib.parse.urlencode({'q': SEARCH})}")
    assert status == 200 and row["results"] and time.monotonic() - t0 < 1.5
    t.join(10)
