"""The SPARQL 1.1 Protocol endpoint, driven by a real client (SPARQLWrapper) and by raw HTTP."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from SPARQLWrapper import CSV, JSON, XML, SPARQLWrapper

from kg import sparql as sp
from kg.serve import make_server, negotiate

COUNT_SUBS = "PREFIX kg: <https://w3id.org/policy-kg/ontology#> SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:SubProject }"


@pytest.fixture(scope="module")
def endpoint(built):
    server = make_server(sp.load_store(built[0]), "127.0.0.1", 0, timeout=1.0, max_rows=20)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def _http(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(endpoint, method):
    w = SPARQLWrapper(endpoint)
    w.setMethod(method)
    w.setQuery(COUNT_SUBS)
    w.setReturnFormat(JSON)
    data = w.query().convert()
    assert data["results"]["bindings"][0]["n"]["value"] == "58"


def test_sparqlwrapper_xml_csv_and_ask(endpoint):
    w = SPARQLWrapper(endpoint)
    w.setQuery(COUNT_SUBS)
    w.setReturnFormat(XML)
    xml = w.query().convert()
    assert xml.getElementsByTagName("literal")[0].firstChild.data == "58"
    w.setReturnFormat(CSV)
    assert w.query().convert().decode("utf-8").splitlines() == ["n", "58"]
    w.setQuery("ASK { ?s ?p ?o }")
    w.setReturnFormat(JSON)
    assert w.query().convert()["boolean"] is True


def test_post_query_body_and_tsv(endpoint):
    status, headers, body = _http(endpoint, COUNT_SUBS.encode(), {"Content-Type": "application/sparql-query", "Accept": "text/tab-separated-values"})
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values") and body.splitlines()[0] == "?n"


def test_construct_as_ntriples_and_turtle(endpoint):
    q = "PREFIX kg: <https://w3id.org/policy-kg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> CONSTRUCT { ?d rdfs:label ?l } WHERE { ?d a kg:Department ; rdfs:label ?l }"
    url = endpoint + "?" + urllib.parse.urlencode({"query": q})
    status, headers, body = _http(url, headers={"Accept": "application/n-triples"})
    assert status == 200 and body.count(" .\n") == 4
    status, headers, body = _http(url, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle") and "대외협력과" in body


@pytest.mark.parametrize("query", ["SELECT ?s WHERE { ?s ?p }", "DROP ALL", "SELECT * WHERE { SERVICE <http://example.org/q> { ?s ?p ?o } }"])
def test_bad_or_refused_queries_are_400(endpoint, query):
    status, _, body = _http(endpoint + "?" + urllib.parse.urlencode({"query": query}))
    assert status == 400 and body.strip()


def test_update_requests_are_400(endpoint):
    status, _, body = _http(endpoint, b"update=DROP+ALL", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and "read-only" in body
    status, _, _ = _http(endpoint, b"DROP ALL", {"Content-Type": "application/sparql-update"})
    assert status == 400


def test_timeout_is_503_and_the_server_keeps_answering(endpoint):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    status, _, body = _http(endpoint + "?" + urllib.parse.urlencode({"query": runaway}))
    assert status == 503 and "stopped after" in body
    status, _, body = _http(endpoint + "?" + urllib.parse.urlencode({"query": COUNT_SUBS}))
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "58"


def test_row_cap_is_flagged_in_a_header_and_in_json(endpoint):
    q = "SELECT ?s WHERE { ?s ?p ?o }"
    status, headers, body = _http(endpoint + "?" + urllib.parse.urlencode({"query": q}))
    assert status == 200 and headers.get("X-KG-Truncated") == "true"
    data = json.loads(body)
    assert data["truncated"] is True and len(data["results"]["bindings"]) == 20


def test_unacceptable_accept_is_406_and_unknown_path_404(endpoint):
    status, _, _ = _http(endpoint + "?" + urllib.parse.urlencode({"query": COUNT_SUBS}), headers={"Accept": "image/png"})
    assert status == 406
    status, _, _ = _http(endpoint.replace("/sparql", "/nothere"))
    assert status == 404


def test_negotiation():
    assert negotiate(None, "SELECT") == "json"
    assert negotiate("text/csv;q=0.5, application/sparql-results+xml", "SELECT") == "xml"
    assert negotiate("*/*", "CONSTRUCT") == "nt"
    assert negotiate("application/sparql-results+json", "CONSTRUCT") is None


def test_concurrent_clients_get_no_errors(endpoint):
    """8 clients for 3 s (the 20 × 30 s load figures come from `kg bench serve`)."""
    errors, times = [], []
    stop = time.monotonic() + 3

    def client():
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            status, _, body = _http(endpoint + "?" + urllib.parse.urlencode({"query": COUNT_SUBS}))
            times.append(time.perf_counter() - t0)
            if status != 200 or '"58"' not in body:
                errors.append((status, body[:100]))

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(times) > 8
