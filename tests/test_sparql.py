"""Guarded SPARQL: read-only, no network, a timeout that stops the work, a row cap that says so."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest

from kg import sparql as sp
from kg.cli import main
from tests.conftest import ROOT, free_port

COUNT_SUBS = "SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:SubProject }"
RUNAWAY = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",  # a cross product
    "SELECT (COUNT(*) AS ?n) WHERE { ?s (rdfs:label|!rdfs:label)* ?o . ?x ?y ?z }",  # a path over everything
]


@pytest.fixture(scope="module")
def store(built):
    return sp.load_store(built[0])


def _count(result) -> int:
    return int(result.rows[0][0])


def test_select_ask_construct(store):
    assert _count(sp.run(store, COUNT_SUBS)) == 58
    assert sp.run(store, "ASK { ?s a kg:Strategy }").boolean is True
    r = sp.run(store, "CONSTRUCT { ?d rdfs:label ?l } WHERE { ?d a kg:Department ; rdfs:label ?l }")
    assert r.kind == "CONSTRUCT" and len(r.rows) == 4 and r.ntriples().count(" .\n") == 4


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <urn:g>",
    "CREATE GRAPH <urn:g>",
    "PREFIX kg: <https://w3id.org/policy-kg/ontology#> DELETE DATA { <urn:a> kg:score 1 }",
])
def test_updates_are_refused_and_the_graph_is_unchanged(store, update):
    before = len(store)
    with pytest.raises(sp.QueryRefused, match="read-only"):
        sp.run(store, update)
    assert len(store) == before


@pytest.mark.parametrize("query, reason", [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { ?x ?y ?z . OPTIONAL { SERVICE SILENT <http://example.org/q> { ?x ?p ?o } } }", "SERVICE"),
    ("SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM"),
    ("ASK FROM <file:///etc/passwd> { ?s ?p ?o }", "FROM"),
])
def test_network_reaching_queries_are_refused_before_evaluation(store, monkeypatch, query, reason):
    def no_network(*a, **k):
        raise AssertionError("a refused query reached the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(sp.QueryRefused, match=reason):
        sp.run(store, query)


@pytest.mark.parametrize("query", RUNAWAY)
def test_a_runaway_query_is_stopped_and_the_next_one_works(store, query):
    t0 = time.perf_counter()
    with pytest.raises(sp.QueryTimeout, match="stopped after 1 s"):
        sp.run(store, query, timeout=1.0)
    assert time.perf_counter() - t0 < 5
    assert _count(sp.run(store, COUNT_SUBS)) == 58


def test_row_cap_is_flagged_never_silent(store):
    r = sp.run(store, "SELECT ?s WHERE { ?s a kg:SubProject }", max_rows=10)
    assert len(r.rows) == 10 and r.truncated
    assert json.loads(r.serialize("json"))["truncated"] is True
    full = sp.run(store, "SELECT ?s WHERE { ?s a kg:SubProject }", max_rows=58)
    assert len(full.rows) == 58 and not full.truncated


def test_syntax_errors_say_where(store):
    with pytest.raises(sp.QuerySyntaxError) as e:
        sp.run(store, "SELECT ?s\nWHERE { ?s ?p }")
    assert e.value.line == 2 and e.value.column and "line 2, column" in e.value.one_line()


@pytest.mark.parametrize("query", [
    "SELECT ?x WHERE " + "{ " * 500 + "?x ?y ?z" + " }" * 500,
    "SELECT * WHERE { " + "?s ?p ?o . " * 20000 + "}",
    "",
    "   ",
])
def test_huge_nested_or_empty_queries_give_a_clean_error(store, query):
    with pytest.raises(sp.SparqlError):
        sp.run(store, query)


def test_result_formats(store):
    r = sp.run(store, "SELECT ?d ?label WHERE { ?d a kg:Department ; rdfs:label ?label } ORDER BY ?label")
    data = json.loads(r.serialize("json"))
    assert data["head"]["vars"] == ["d", "label"]
    assert data["results"]["bindings"][0]["label"] == {"type": "literal", "value": "대외협력과", "xml:lang": "ko"}
    rows = list(csv.reader(io.StringIO(r.serialize("csv"))))
    assert rows[0] == ["d", "label"] and rows[1][1] == "대외협력과" and len(rows) == 5
    tsv = r.serialize("tsv").splitlines()
    assert tsv[0] == "?d\t?label" and tsv[1].endswith('"대외협력과"@ko')
    root = ET.fromstring(r.serialize("xml"))
    assert len(root.findall(".//{http://www.w3.org/2005/sparql-results#}result")) == 4
    table = r.serialize("table")
    assert "대외협력과" in table and "(4 rows" in table


def test_undeclared_usual_prefixes_are_supplied(store):
    r = sp.run(store, "SELECT ?c WHERE { ?c skos:inScheme kgc:Themes }")
    assert len(r.rows) >= 20


def test_saved_queries_have_korean_titles_and_resolve_by_name():
    saved = sp.saved_queries(ROOT / "queries")
    assert saved and all(any("\uac00" <= ch <= "\ud7a3" for ch in q.title) and q.description for q in saved)
    assert sp.resolve(saved[0].name, ROOT / "queries") == saved[0].text


# ---------------------------------------------------------------- CLI


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_formats_and_exit_codes(built, capsys):
    b = str(built[0])
    code, out, _ = _run(capsys, "sparql", COUNT_SUBS, "--build", b, "--format", "json")
    assert code == 0 and json.loads(out)["results"]["bindings"][0]["n"]["value"] == "58"
    code, out, err = _run(capsys, "sparql", "DROP ALL", "--build", b)
    assert code == 2 and out == "" and err.startswith("kg: error:") and "Traceback" not in err
    code, _, err = _run(capsys, "sparql", "SELECT ?s WHERE { ?s ?p }", "--build", b)
    assert code == 2 and "line 1, column" in err
    code, _, err = _run(capsys, "sparql", RUNAWAY[0], "--build", b, "--timeout", "0.5")
    assert code == 5 and "stopped after 0.5 s" in err
    code, out, err = _run(capsys, "sparql", "SELECT ?s WHERE { ?s a kg:SubProject }", "--build", b, "--max-rows", "3", "--format", "csv")
    assert code == 0 and len(out.strip().splitlines()) == 4 and "cut at 3 rows" in err


def test_cli_saved_query_by_name_and_file(built, capsys):
    code, out, _ = _run(capsys, "sparql", "--list")
    assert code == 0 and "projects-supporting-public-diplomacy" in out
    code, out, _ = _run(capsys, "sparql", "projects-supporting-public-diplomacy", "--build", str(built[0]), "--format", "csv")
    assert code == 0 and "전북형 공공외교 한마당" in out
    code, out, _ = _run(capsys, "sparql", str(ROOT / "queries" / "strategies-without-projects.rq"), "--build", str(built[0]))
    assert code == 0 and "국민외교 친화도시 선정" in out


def test_cli_missing_query_file(built, capsys):
    code, _, err = _run(capsys, "sparql", "nothere.rq", "--build", str(built[0]))
    assert code == 2 and "nothere.rq" in err


# ---------------------------------------------------------------- an external store (Oxigraph server)


def test_push_replaces_the_named_graph_and_remote_queries_work(built, oxigraph_server, capsys):
    from kg.sparql.remote import query

    b = str(built[0])
    for _ in range(2):  # a re-push replaces, never duplicates
        code, _, err = _run(capsys, "push", "--build", b, "--endpoint", oxigraph_server + "/store", "--graph", "https://w3id.org/policy-kg/graph")
        assert code == 0 and "HTTP 20" in err
    count = query(oxigraph_server + "/query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/policy-kg/graph> { ?s ?p ?o } }")
    local = sp.run(sp.load_store(built[0]), "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(count.rows[0][0]) == int(local.rows[0][0])
    code, out, _ = _run(capsys, "sparql", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s a kg:SubProject } }",
                        "--endpoint", oxigraph_server + "/query", "--format", "csv")
    assert code == 0 and out.splitlines()[1] == "58"
    code, _, err = _run(capsys, "sparql", "DROP ALL", "--endpoint", oxigraph_server + "/query")
    assert code == 2 and "read-only" in err


def test_unreachable_store_is_a_one_line_error(built, capsys):
    port = free_port()
    code, _, err = _run(capsys, "push", "--build", str(built[0]), "--endpoint", f"http://127.0.0.1:{port}/store")
    assert code == 2 and err.startswith("kg: error: cannot reach the store")


# ------------------------------------------------------------ the worker pool (endpoint, app)


def test_pool_reuses_its_workers_and_replaces_one_it_stops(store):
    with sp.Pool(store, workers=2) as pool:
        pids = pool.pids
        assert len(pids) == 2
        for _ in range(6):
            assert _count(pool.run(COUNT_SUBS)) == 58
        assert pool.pids == pids  # no fork per query
        with pytest.raises(sp.QueryTimeout, match="stopped after 0.5 s"):
            pool.run(RUNAWAY[0], timeout=0.5)
        after = pool.pids
        assert len(after) == 2 and after != pids  # the stopped worker is gone, a fresh one took its place
        for pid in pids - after:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        assert [_count(pool.run(COUNT_SUBS)) for _ in range(4)] == [58] * 4


def test_pool_answers_many_threads_at_once(store):
    count_units = "SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:UnitProject }"
    units = _count(sp.run(store, count_units))
    with sp.Pool(store, workers=2) as pool, ThreadPoolExecutor(8) as threads:
        answers = list(threads.map(lambda q: _count(pool.run(q)), [COUNT_SUBS, count_units] * 10))
    assert answers == [58, units] * 10


def test_pool_says_busy_when_no_worker_frees_up(store):
    limits = sp.WorkerLimits(quick_s=10.0)  # the runaway stays on the only quick worker
    with sp.Pool(store, workers=1, limits=limits) as pool, ThreadPoolExecutor(1) as threads:
        slow = threads.submit(pool.run, RUNAWAY[0], 3.0)
        time.sleep(0.3)  # the only worker is now on the runaway query
        with pytest.raises(sp.ServiceBusy, match="busy"):
            pool.run(COUNT_SUBS, timeout=0.5)
        with pytest.raises(sp.QueryTimeout):
            slow.result()
        assert _count(pool.run(COUNT_SUBS)) == 58


def test_a_long_query_leaves_the_quick_workers(store):
    """Past ``quick_s`` a query moves to the long lane and a fresh worker takes its place: a short
    query waits at most that long behind it; a second long query at once gets 429."""
    limits = sp.WorkerLimits(quick_s=0.3, long_queries=1)
    with sp.Pool(store, workers=1, limits=limits) as pool, ThreadPoolExecutor(2) as threads:
        slow = threads.submit(pool.run, RUNAWAY[0], 4.0)
        time.sleep(0.1)
        t0 = time.perf_counter()
        assert _count(pool.run(COUNT_SUBS, timeout=3.0)) == 58
        assert time.perf_counter() - t0 < 1.5
        with pytest.raises(sp.TooManyRequests) as e:
            pool.run(RUNAWAY[1], timeout=3.0)
        assert e.value.http_status == 429 and e.value.retry_after >= 1
        with pytest.raises(sp.QueryTimeout):
            slow.result()
        assert _count(pool.run(COUNT_SUBS)) == 58 and len(pool.pids) == 1


def test_a_closed_pool_refuses_and_leaves_no_process(store):
    pool = sp.Pool(store, workers=2)
    pids = pool.pids
    pool.close()
    with pytest.raises(sp.SparqlError, match="shut down"):
        pool.run(COUNT_SUBS)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_workers_end_when_their_pool_process_dies(built):
    """A server killed outright (SIGKILL) leaves no query worker behind."""
    import signal
    import sys

    code = (
        "import sys, time\n"
        "from kg import sparql as sp\n"
        f"pool = sp.Pool(sp.load_store({str(built[0])!r}), workers=2)\n"
        "print(' '.join(map(str, pool.pids)), flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    pids = [int(x) for x in proc.stdout.readline().split()]
    assert len(pids) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        for pid in list(alive):
            try:
                os.kill(pid, 0)
                if open(f"/proc/{pid}/stat").read().split()[2] == "Z":  # ended, waiting for a reaper
                    alive.discard(pid)
            except ProcessLookupError:
                alive.discard(pid)
        time.sleep(0.2)
    assert not alive, f"workers still running: {alive}"


def test_a_one_line_query_longer_than_a_file_name_is_a_query(capsys, built):
    from kg.cli import main

    long = 'SELECT ?s WHERE { ?s a kg:SubProject . FILTER(CONTAINS(STR(?s), "' + "x" * 300 + '")) }'
    assert main(["sparql", long, "--build", str(built[0])]) == 0  # was OSError: File name too long
    assert "0 rows" in capsys.readouterr().out
