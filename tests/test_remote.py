"""`kg sparql --endpoint` against a hostile endpoint (a local server playing one).

Before: a JSON-LD answer made the client fetch its remote `@context`, an RDF/XML billion-laughs
answer hung it for 240 s past `--timeout 5`, and XML entity errors were tracebacks.
"""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kg.cli import main
from kg.sparql.remote import query
from tests.test_hostile import Listener

LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">' + b"".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9))
    + b']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="urn:x">'
    b'<rdf:value>&j;</rdf:value></rdf:Description></rdf:RDF>')


@pytest.fixture(scope="module")
def hostile_endpoint():
    listener = Listener()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def _reply(self, ctype: str, body: bytes, status: int = 200, extra: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            kind = self.path.strip("/")
            if kind == "jsonld":
                ctx = f"http://127.0.0.1:{listener.port}/context.jsonld"
                self._reply("application/ld+json", f'{{"@context": "{ctx}", "@id": "urn:x", "p": "v"}}'.encode())
            elif kind == "laughs":
                self._reply("application/rdf+xml", LAUGHS)
            elif kind == "xml":
                self._reply("application/sparql-results+xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><sparql>&e;</sparql>')
            elif kind == "drip":
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                try:
                    for _ in range(40):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.25)
                except OSError:
                    pass
            elif kind == "huge":
                self._reply("application/sparql-results+json", b'{"head": {"vars": ["s"]}, "results": {"bindings": [' + b" " * (3 << 20) + b"]}}")
            elif kind == "redirect":
                self._reply("text/plain", b"", 302, {"Location": f"http://127.0.0.1:{listener.port}/elsewhere"})
            elif kind == "badjson":
                self._reply("application/sparql-results+json", b'{"head": [1, 2], "results": 7}')
            else:
                self._reply("application/sparql-results+json",
                            b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "literal", "value": "ok"}}]}}')

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", listener
    server.shutdown()
    server.server_close()
    listener.close()


@pytest.mark.parametrize("kind, words", [
    ("jsonld", "expected N-Triples or Turtle"), ("laughs", "expected N-Triples or Turtle"),
    ("redirect", "redirects"),
])
def test_graph_answers_that_could_fetch_or_expand_are_refused(capsys, hostile_endpoint, kind, words):
    base, listener = hostile_endpoint
    t0 = time.perf_counter()
    code = main(["sparql", "CONSTRUCT WHERE { ?s ?p ?o }", "--endpoint", f"{base}/{kind}", "--timeout", "2"])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert time.perf_counter() - t0 < 3 and listener.connections == 0


@pytest.mark.parametrize("kind, code, words", [
    ("xml", 2, "expected SPARQL JSON"), ("badjson", 2, "not valid SPARQL JSON"),
    ("drip", 5, "did not answer within 1 s"),
])
def test_select_answers_are_bounded_and_checked(capsys, hostile_endpoint, kind, code, words):
    base, listener = hostile_endpoint
    t0 = time.perf_counter()
    got = main(["sparql", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", f"{base}/{kind}", "--timeout", "1"])
    err = capsys.readouterr().err
    assert got == code and words in err and "Traceback" not in err
    assert time.perf_counter() - t0 < 2.5 and listener.connections == 0


def test_an_answer_past_the_size_cap_is_refused_and_a_plain_one_read(hostile_endpoint):
    from kg.sparql import SparqlError

    base, _ = hostile_endpoint
    with pytest.raises(SparqlError, match="larger than 1 MiB"):
        query(f"{base}/huge", "SELECT ?s WHERE { ?s ?p ?o }", max_bytes=1 << 20)
    assert query(f"{base}/plain", "SELECT ?s WHERE { ?s ?p ?o }").rows[0][0].toPython() == "ok"
