"""``kg serve``: a SPARQL 1.1 Protocol endpoint over the build, read-only and guarded.

- ``GET /sparql?query=…`` and ``POST /sparql`` (``application/x-www-form-urlencoded`` with
  ``query=…``, or ``application/sparql-query`` with the query as the body);
- results by content negotiation: SPARQL JSON (default), SPARQL XML, CSV, TSV; graphs
  (CONSTRUCT / DESCRIBE) as N-Triples or Turtle;
- 400 for a malformed or refused query (updates, SERVICE, FROM), 503 when the query ran
  past the timeout (the work is stopped, never a 200 with a partial body), 406 for an
  Accept header it cannot serve; a result cut at the row cap carries
  ``X-KG-Truncated: true`` (and ``"truncated": true`` in JSON);
- ``GET /`` describes the service; binds to 127.0.0.1 unless told otherwise.

Every query goes through the guarded executor of ``kg.sparql`` (the CLI and the app use it
too), on a ``Pool`` of workers forked at start-up: one per core unless ``--workers`` says.
"""
from __future__ import annotations

import json
import sys
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rdflib import Graph

from kg import sparql as sp

MAX_BODY = 1 << 20
SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "ttl"}
CONTENT_TYPE = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "nt": "application/n-triples", "ttl": "text/turtle",
}


def negotiate(accept: str | None, kind: str) -> str | None:
    """The result format for an Accept header, or None if nothing acceptable can be given."""
    table = SELECT_TYPES if kind in ("SELECT", "ASK") else GRAPH_TYPES
    default = "json" if kind in ("SELECT", "ASK") else "nt"
    if not accept:
        return default
    choices = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [x.strip() for x in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        choices.append((-q, i, media.lower()))
    for _, _, media in sorted(choices):
        if media in table:
            return table[media]
        if media in ("*/*", "application/*", "text/*"):
            return default
    return None


def make_handler(pool: sp.Pool, timeout: float, max_rows: int, path: str = "/sparql"):
    class Handler(BaseHTTPRequestHandler):
        server_version = "policy-kg"
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet by default; errors are answered, not logged
            pass

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path in ("/", ""):
                return self._send(HTTPStatus.OK, "application/json", json.dumps(
                    {"service": "policy-kg SPARQL 1.1 endpoint", "endpoint": path, "read_only": True,
                     "timeout_s": timeout, "max_rows": max_rows}, ensure_ascii=False))
            if url.path != path:
                return self._error(HTTPStatus.NOT_FOUND, f"no such resource; the endpoint is {path}")
            queries = urllib.parse.parse_qs(url.query).get("query")
            if not queries:
                return self._error(HTTPStatus.BAD_REQUEST, "missing 'query' parameter")
            self._answer(queries[0])

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path != path:
                return self._error(HTTPStatus.NOT_FOUND, f"no such resource; the endpoint is {path}")
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                return self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > MAX_BODY else HTTPStatus.BAD_REQUEST, "bad Content-Length")
            body = self.rfile.read(length).decode("utf-8", "replace")
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/sparql-query":
                return self._answer(body)
            if ctype == "application/x-www-form-urlencoded":
                form = urllib.parse.parse_qs(body)
                if "update" in form:
                    return self._error(HTTPStatus.BAD_REQUEST, "SPARQL Update is not allowed: the graph is read-only")
                if not form.get("query"):
                    return self._error(HTTPStatus.BAD_REQUEST, "missing 'query' parameter")
                return self._answer(form["query"][0])
            if ctype == "application/sparql-update":
                return self._error(HTTPStatus.BAD_REQUEST, "SPARQL Update is not allowed: the graph is read-only")
            return self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send application/sparql-query or a form with query=")

        def _answer(self, query: str):
            try:
                self._evaluate(query)
            except Exception as exc:  # a bug, not the client's fault: say so without a traceback dump
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(exc).__name__}")

        def _evaluate(self, query: str):
            try:
                kind = sp.check(query)
            except sp.SparqlError as exc:
                return self._error(HTTPStatus.BAD_REQUEST, exc.one_line())
            fmt = negotiate(self.headers.get("Accept"), kind)
            if fmt is None:
                return self._error(HTTPStatus.NOT_ACCEPTABLE, "ask for SPARQL JSON/XML, CSV or TSV (graphs: N-Triples, Turtle)")
            try:
                result = pool.run(query, timeout=timeout, max_rows=max_rows)
            except sp.QueryTimeout as exc:
                return self._error(HTTPStatus.SERVICE_UNAVAILABLE, exc.one_line())
            except sp.SparqlError as exc:
                return self._error(HTTPStatus.BAD_REQUEST, exc.one_line())
            if fmt == "nt":
                body = result.ntriples()
            elif fmt == "ttl":
                g = Graph()
                for t in result.rows:
                    g.add(t)
                body = g.serialize(format="turtle")
            else:
                body = result.serialize(fmt)
            extra = {"X-KG-Truncated": "true"} if result.truncated else {}
            self._send(HTTPStatus.OK, CONTENT_TYPE[fmt], body, extra)

        def _error(self, status: HTTPStatus, message: str):
            self._send(status, "text/plain", message + "\n")

        def _send(self, status: HTTPStatus, ctype: str, body: str, headers: dict | None = None):
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Access-Control-Allow-Origin", "*")  # YASGUI and other browser clients
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    return Handler


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server and its pool of query workers; ``server_close`` stops both."""

    daemon_threads = True

    def __init__(self, address, pool: sp.Pool, timeout: float, max_rows: int):
        self.pool = pool
        super().__init__(address, make_handler(pool, timeout, max_rows))

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()


def make_server(graph: Graph, host: str = "127.0.0.1", port: int = 7070, timeout: float = sp.DEFAULT_TIMEOUT_S,
                max_rows: int = sp.DEFAULT_MAX_ROWS, workers: int | None = None) -> SparqlServer:
    """The endpoint over ``graph``, with ``workers`` query workers (default: one per core)."""
    pool = sp.Pool(graph, workers)  # forked before the server starts any thread
    try:
        return SparqlServer((host, port), pool, timeout, max_rows)
    except OSError:
        pool.close()
        raise


def serve(graph: Graph, host: str, port: int, timeout: float, max_rows: int, workers: int | None = None) -> None:
    server = make_server(graph, host, port, timeout, max_rows, workers)
    print(f"SPARQL endpoint: http://{host}:{server.server_address[1]}/sparql  (read-only; Ctrl-C stops)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
