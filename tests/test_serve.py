"""The SPARQL 1.1 Protocol endpoint, driven by a real client (SPARQLWrapper) and by raw HTTP."""
from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from SPARQLWrapper import CSV, JSON, XML, SPARQLWrapper

from kg import sparql as sp
from kg.sparql.serve import make_server, negotiate

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


def _get_from(endpoint: str, query: str, source: str) -> tuple[int, dict, str]:
    """GET from a given loopback source address (each address is one client to the endpoint)."""
    url = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", url.path + "?" + urllib.parse.urlencode({"query": query}))
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode("utf-8")
    finally:
        conn.close()


def test_concurrent_clients_get_no_errors(endpoint):
    """8 clients for 3 s (the 20 × 30 s load figures come from `kg bench serve`)."""
    errors, times = [], []
    stop = time.monotonic() + 3

    def client(k: int):
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            status, _, body = _get_from(endpoint, COUNT_SUBS, f"127.0.0.{10 + k}")
            times.append(time.perf_counter() - t0)
            if status != 200 or '"58"' not in body:
                errors.append((status, body[:100]))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(times) > 8


def test_one_client_past_its_share_gets_429_with_retry_after(built):
    from kg.sparql.serve import EndpointLimits

    server = make_server(sp.load_store(built[0]), "127.0.0.1", 0, timeout=3.0, workers=2,
                         endpoint=EndpointLimits(per_client=1))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    try:
        first = threading.Thread(target=_get_from, args=(url, slow, "127.0.0.5"))
        first.start()
        time.sleep(0.3)
        status, headers, body = _get_from(url, COUNT_SUBS, "127.0.0.5")  # the same client: over its share
        assert status == 429 and int(headers["Retry-After"]) >= 1 and "per client" in body
        status, _, body = _get_from(url, COUNT_SUBS, "127.0.0.6")  # another client is served
        assert status == 200 and '"58"' in body
        first.join()
    finally:
        server.shutdown()
        server.server_close()


def test_no_cors_header_unless_configured_and_idle_connections_are_closed(built, endpoint):
    from kg.sparql.serve import EndpointLimits

    _, headers, _ = _http(endpoint + "?" + urllib.parse.urlencode({"query": COUNT_SUBS}))
    assert "Access-Control-Allow-Origin" not in headers
    server = make_server(sp.load_store(built[0]), "127.0.0.1", 0, workers=1,
                         endpoint=EndpointLimits(cors_origin="http://yasgui.example", read_timeout_s=0.5))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        assert server.request_queue_size == 128
        _, headers, _ = _http(f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": COUNT_SUBS}))
        assert headers["Access-Control-Allow-Origin"] == "http://yasgui.example"
        with socket.create_connection(("127.0.0.1", port), timeout=5) as idle:
            idle.sendall(b"GET /sparql?query=ASK")  # a request that never ends
            t0 = time.monotonic()
            assert idle.recv(100) == b""  # closed by the server
            assert time.monotonic() - t0 < 3
    finally:
        server.shutdown()
        server.server_close()


def test_bench_serve_with_a_heavy_client_keeps_normal_queries_whole(built, capsys):
    """A bounded run of the benchmark (the figures in the README are 20 clients × 30 s)."""
    from kg.cli import main

    assert main(["bench", "serve", "--build", str(built[0]), "--clients", "5", "--seconds", "4", "--heavy-every", "5"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["heavy_clients"] == 1 and figures["normal"]["requests"] > 10
    assert figures["normal"]["errors"] == 0
    assert set(figures["heavy"]["statuses"]) <= {"429", "503"} and figures["heavy"]["requests"] >= 1


def test_connections_past_the_caps_are_answered_503_and_closed(built):
    """800 slow clients once held 800 threads; now each address holds at most its share."""
    from kg.sparql.serve import EndpointLimits

    server = make_server(sp.load_store(built[0]), "127.0.0.1", 0, workers=1,
                         endpoint=EndpointLimits(connections_per_client=3, max_connections=5, read_timeout_s=5))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    held = []
    try:
        for _ in range(3):  # three idle connections from one address: its share
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.7", 0)))
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.7", 0)) as extra:
            assert extra.recv(100).startswith(b"HTTP/1.1 503")
        status, _, body = _get_from(f"http://127.0.0.1:{port}/sparql", COUNT_SUBS, "127.0.0.8")  # others are served
        assert status == 200 and '"58"' in body
    finally:
        for s in held:
            s.close()
        server.shutdown()
        server.server_close()


def test_a_client_dripping_its_request_is_cut_at_the_deadline(built):
    from kg.sparql.serve import EndpointLimits

    server = make_server(sp.load_store(built[0]), "127.0.0.1", 0, workers=1,
                         endpoint=EndpointLimits(read_timeout_s=5, request_deadline_s=1.0))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            t0 = time.monotonic()
            closed = False
            for ch in b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n":  # one byte every 0.2 s: never idle 5 s
                try:
                    slow.sendall(bytes([ch]))
                except OSError:
                    closed = True
                    break
                time.sleep(0.2)
                if time.monotonic() - t0 > 4:
                    break
            if not closed:
                slow.settimeout(3)
                try:
                    closed = slow.recv(100) == b""
                except OSError:
                    closed = True
            assert closed and time.monotonic() - t0 < 4.5
        status, _, body = _get_from(f"http://127.0.0.1:{port}/sparql", COUNT_SUBS, "127.0.0.9")
        assert status == 200 and '"58"' in body
    finally:
        server.shutdown()
        server.server_close()
