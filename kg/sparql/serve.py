"""``kg serve``: a SPARQL 1.1 Protocol endpoint over the build, read-only and guarded.

- ``GET /sparql?query=…`` and ``POST /sparql`` (``application/x-www-form-urlencoded`` with
  ``query=…``, or ``application/sparql-query`` with the query as the body);
- results by content negotiation: SPARQL JSON (default), SPARQL XML, CSV, TSV; graphs
  (CONSTRUCT / DESCRIBE) as N-Triples or Turtle;
- 400 for a malformed or refused query (updates, SERVICE, FROM), 503 when the query ran
  past the timeout (the work is stopped, never a 200 with a partial body), 406 for an
  Accept header it cannot serve; a result cut at the row cap carries
  ``X-KG-Truncated: true`` (and ``"truncated": true`` in JSON);
- ``GET /`` describes the service; binds to 127.0.0.1 unless told otherwise;
- with a JSON API service (``kg serve`` gives one): ``GET /api/search?q=…&k=…`` and
  ``GET /api/ask?q=…`` (``&issuer=…&year=…&kind=…``, each repeatable, keep to some documents;
  or POST, a JSON object or a form) answer exactly the ``kg search --json``
  and ``kg ask --json`` objects, under the same per-client limits; errors are JSON
  ``{"error": …}`` with 400 (bad input), 429 or 503 (busy, with ``Retry-After``).

Every query goes through the guarded executor of ``kg.sparql`` (the CLI and the app use it
too), on a ``Pool`` of workers forked at start-up: one per core unless ``--workers`` says.
"""
from __future__ import annotations

import json
import math
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
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


@dataclass(frozen=True)
class EndpointLimits:
    """What one client may ask of the endpoint, and how long a connection may idle."""

    per_client: int = 4
    """Queries one client address may have in flight; one more is answered 429 at once."""
    penalty_s: float = 2.0
    """After a 429 for a long query, that client's next queries within this many seconds are
    answered 429 at once, so a client that ignores ``Retry-After`` cannot keep the quick
    workers busy starting long queries."""
    read_timeout_s: float = 15.0
    """A connection that sends nothing for this long (mid-request or between keep-alive
    requests) is closed, so slow or idle clients cannot hold the server's threads."""
    request_deadline_s: float = 20.0
    """A request — its line, headers and body — must have arrived this many seconds after the
    connection began waiting for it (a keep-alive connection waits no longer for the next one),
    so a client dripping a byte now and then cannot hold a connection either."""
    backlog: int = 128
    """Connections the kernel queues before the server accepts them."""
    max_connections: int = 256
    """Connections served at once (one thread each); past it a new connection is answered 503
    and closed, so slow clients cannot take every thread of the machine."""
    connections_per_client: int = 32
    """Connections one client address may hold open at once; past it, 503 and closed."""
    cors_origin: str = ""
    """``Access-Control-Allow-Origin`` to send ("" sends none: browsers on other sites cannot
    read the answers; set it to a YASGUI page's origin, or "*", to allow them)."""


class Slots:
    """Counts of what each client holds (queries, connections), under a cap per client and one
    in all; thread-safe."""

    def __init__(self, per_client: int, total: int | None = None):
        self.per_client, self.total = per_client, total
        self._lock = threading.Lock()
        self._held: dict[str, int] = {}
        self._all = 0

    def take(self, client: str) -> bool:
        """One more for ``client``, if the caps allow."""
        with self._lock:
            if self._held.get(client, 0) >= self.per_client or (self.total is not None and self._all >= self.total):
                return False
            self._held[client] = self._held.get(client, 0) + 1
            self._all += 1
            return True

    def give(self, client: str) -> None:
        """Return one that ``client`` took."""
        with self._lock:
            left = self._held.get(client, 0) - 1
            if left < 0:
                return
            self._all -= 1
            if left:
                self._held[client] = left
            else:
                del self._held[client]


class ClientGate:
    """Per-client admission: in-flight counts and the penalty after a 429."""

    def __init__(self, limits: EndpointLimits):
        self.limits = limits
        self._lock = threading.Lock()
        self._flight = Slots(limits.per_client)
        self._until: dict[str, float] = {}

    def enter(self, client: str) -> None:
        """Admit one query of ``client`` or raise TooManyRequests."""
        now = time.monotonic()
        with self._lock:
            until = self._until.get(client, 0.0)
            if until > now:
                exc = sp.TooManyRequests("this client's long queries are being refused for a moment; retry later")
                exc.retry_after = max(1, math.ceil(until - now))
                raise exc
        if not self._flight.take(client):
            raise sp.TooManyRequests(f"at most {self.limits.per_client} queries per client at once")

    def leave(self, client: str, refused: bool = False) -> None:
        self._flight.give(client)
        with self._lock:
            if refused:
                self._until[client] = time.monotonic() + self.limits.penalty_s
            elif len(self._until) > 10_000:  # forget old penalties
                now = time.monotonic()
                self._until = {c: t for c, t in self._until.items() if t > now}


API_ROUTES = ("/api/search", "/api/ask")


def make_handler(pool: sp.Pool, timeout: float, max_rows: int, path: str = "/sparql",
                 limits: EndpointLimits = EndpointLimits(), api=None):
    """The request handler. ``api``, when given, answers ``/api/search`` and ``/api/ask``: an
    object with ``search(q, k)`` and ``ask(q)`` returning JSON objects and raising an error with
    ``status`` (and ``retry_after``) for what it does not answer (``kg.api.Service``)."""
    gate = ClientGate(limits)

    class Handler(BaseHTTPRequestHandler):
        server_version = "policy-kg"
        protocol_version = "HTTP/1.1"
        timeout = limits.read_timeout_s  # socket timeout of each connection (idle and slow clients)

        def handle_one_request(self):
            self.server.watch(self.connection)  # until the request has arrived (see do_GET, do_POST)
            try:
                super().handle_one_request()
            finally:
                self.server.unwatch(self.connection)

        def log_message(self, fmt, *args):  # quiet by default; errors are answered, not logged
            pass

        def do_GET(self):
            self.server.unwatch(self.connection)  # the request has arrived whole
            url = urllib.parse.urlsplit(self.path)
            if url.path in ("/", ""):
                about = {"service": "policy-kg SPARQL 1.1 endpoint", "endpoint": path, "read_only": True,
                         "timeout_s": timeout, "max_rows": max_rows}
                if api is not None:
                    about["api"] = {"search": "/api/search?q=…&k=…", "ask": "/api/ask?q=…"}
                return self._send(HTTPStatus.OK, "application/json", json.dumps(about, ensure_ascii=False))
            if url.path in API_ROUTES and api is not None:
                return self._api(url.path, urllib.parse.parse_qs(url.query))
            if url.path != path:
                return self._error(HTTPStatus.NOT_FOUND, f"no such resource; the endpoint is {path}")
            queries = urllib.parse.parse_qs(url.query).get("query")
            if not queries:
                return self._error(HTTPStatus.BAD_REQUEST, "missing 'query' parameter")
            self._answer(queries[0])

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            is_api = url.path in API_ROUTES and api is not None
            if url.path != path and not is_api:
                return self._error(HTTPStatus.NOT_FOUND, f"no such resource; the endpoint is {path}")
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                return self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > MAX_BODY else HTTPStatus.BAD_REQUEST, "bad Content-Length")
            body = self.rfile.read(length).decode("utf-8", "replace")
            self.server.unwatch(self.connection)  # the request has arrived whole
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if is_api:
                return self._api_post(url, ctype, body)
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
            client = self.client_address[0]
            try:
                gate.enter(client)
            except sp.TooManyRequests as exc:
                return self._refuse(exc)
            refused = False
            try:
                refused = self._evaluate(query)
            except Exception as exc:  # a bug, not the client's fault: say so without a traceback dump
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(exc).__name__}")
            finally:
                gate.leave(client, refused=bool(refused))

        def _evaluate(self, query: str):
            try:
                kind = sp.check(query)  # token checks only: parsing and evaluation happen in a worker
                fmt = negotiate(self.headers.get("Accept"), kind)
                if fmt is None:
                    return self._error(HTTPStatus.NOT_ACCEPTABLE, "ask for SPARQL JSON/XML, CSV or TSV (graphs: N-Triples, Turtle)")
                result = pool.run(query, timeout=timeout, max_rows=max_rows, kind=kind)
            except sp.SparqlError as exc:
                self._refuse(exc)
                return isinstance(exc, sp.TooManyRequests)  # a long query refused: the client's penalty
            if result.kind != kind:
                fmt = negotiate(self.headers.get("Accept"), result.kind) or ("json" if result.kind in ("SELECT", "ASK") else "nt")
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

        def _api_post(self, url, ctype: str, body: str):
            """POST to the API: a JSON object ({"q": …, "k": …}) or a form; the URL's own
            parameters count too."""
            params = urllib.parse.parse_qs(url.query)
            if ctype == "application/json":
                try:
                    given = json.loads(body or "{}")
                except ValueError:
                    return self._api_error(HTTPStatus.BAD_REQUEST, "the body is not valid JSON")
                if not isinstance(given, dict):
                    return self._api_error(HTTPStatus.BAD_REQUEST, 'send a JSON object such as {"q": "…", "k": 10}')
                params.update({k: [v] for k, v in given.items() if isinstance(v, (str, int)) and not isinstance(v, bool)})
            elif ctype == "application/x-www-form-urlencoded":
                params.update(urllib.parse.parse_qs(body))
            elif body:
                return self._api_error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send application/json or a form with q=")
            return self._api(url.path, params)

        def _api(self, route: str, params: dict):
            """``/api/search`` and ``/api/ask``: the ``--json`` objects of ``kg search`` and ``kg ask``."""
            client = self.client_address[0]
            try:
                gate.enter(client)
            except sp.TooManyRequests as exc:
                return self._api_error(HTTPStatus.TOO_MANY_REQUESTS, exc.one_line(), exc.retry_after)
            first = {k: str(v[0]) for k, v in params.items() if v}
            within = {k: [str(x) for x in params.get(k) or ()] for k in ("issuer", "year", "kind")}  # each repeatable
            try:
                if route == "/api/search":
                    row = api.search(first.get("q"), first.get("k"), **within)
                else:
                    row = api.ask(first.get("q"), **within)
            except Exception as exc:  # the service's refusals carry their status; anything else is a bug
                status = getattr(exc, "status", None)
                if status is None:
                    return self._api_error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(exc).__name__}")
                return self._api_error(HTTPStatus(status), str(exc), getattr(exc, "retry_after", None))
            finally:
                gate.leave(client)
            self._send(HTTPStatus.OK, "application/json", json.dumps(row, ensure_ascii=False))

        def _api_error(self, status: HTTPStatus, message: str, retry_after: int | None = None):
            self._send(status, "application/json", json.dumps({"error": message}, ensure_ascii=False),
                       {"Retry-After": str(retry_after)} if retry_after else None)

        def _refuse(self, exc: sp.SparqlError):
            """The error's own HTTP status and message (429s with their Retry-After)."""
            retry = getattr(exc, "retry_after", None)
            self._error(HTTPStatus(exc.http_status), exc.one_line(), {"Retry-After": str(retry)} if retry else None)

        def _error(self, status: HTTPStatus, message: str, headers: dict | None = None):
            self._send(status, "text/plain", message + "\n", headers)

        def _send(self, status: HTTPStatus, ctype: str, body: str, headers: dict | None = None):
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if limits.cors_origin:  # off by default: only pages the operator names may read answers
                self.send_header("Access-Control-Allow-Origin", limits.cors_origin)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    return Handler


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server and its pool of query workers; ``server_close`` stops both."""

    daemon_threads = True

    def __init__(self, address, pool: sp.Pool, timeout: float, max_rows: int, limits: EndpointLimits = EndpointLimits(),
                 api=None):
        self.pool = pool
        self.limits = limits
        self.api = api
        self.request_queue_size = limits.backlog
        self._connections = Slots(limits.connections_per_client, limits.max_connections)
        self._waiting_lock = threading.Lock()
        self._waiting: dict = {}  # connection → when its request must have arrived
        self._watching = threading.Event()
        super().__init__(address, make_handler(pool, timeout, max_rows, limits=limits, api=api))
        threading.Thread(target=self._watchdog, name="kg-serve-watchdog", daemon=True).start()

    def watch(self, connection) -> None:
        with self._waiting_lock:
            self._waiting[connection] = time.monotonic() + self.limits.request_deadline_s

    def unwatch(self, connection) -> None:
        with self._waiting_lock:
            self._waiting.pop(connection, None)

    def _watchdog(self) -> None:
        """Shut the connections whose request is late; their thread then ends."""
        import socket

        while not self._watching.wait(0.25):
            now = time.monotonic()
            with self._waiting_lock:
                late = [c for c, deadline in self._waiting.items() if deadline < now]
                for c in late:
                    del self._waiting[c]
            for c in late:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def process_request(self, request, client_address) -> None:
        """Serve the connection on a thread of its own, if the caps on connections allow."""
        if not self._connections.take(client_address[0]):
            try:
                request.settimeout(1.0)
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                b"Retry-After: 1\r\nConnection: close\r\nContent-Length: 29\r\n\r\ntoo many connections; retry\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._connections.give(client_address[0])

    def handle_error(self, request, client_address) -> None:
        """A client that went away or stalled is no error of the server's: nothing to log."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        print(f"kg serve: error answering {client_address[0]}: {type(exc).__name__}: {exc}", file=sys.stderr)

    def server_close(self) -> None:
        self._watching.set()
        super().server_close()
        self.pool.close()


def make_server(engine: sp.Engine, host: str = "127.0.0.1", port: int = 7070, timeout: float = sp.DEFAULT_TIMEOUT_S,
                max_rows: int = sp.DEFAULT_MAX_ROWS, workers: int | None = None,
                limits: sp.WorkerLimits = sp.WorkerLimits(), endpoint: EndpointLimits = EndpointLimits(),
                api=None) -> SparqlServer:
    """The endpoint over ``engine``'s graph, with ``workers`` query workers (default: one per core).
    ``api`` is called with the pool once it is forked and returns the JSON API's service (or None):
    what it loads (Kiwi, the indexes) is made after the workers, which never need it."""
    pool = sp.Pool(engine, workers, limits)  # forked before the server starts any thread
    try:
        service = api(pool) if api is not None else None
        return SparqlServer((host, port), pool, timeout, max_rows, endpoint, api=service)
    except BaseException:
        pool.close()
        raise


def serve(engine: sp.Engine, host: str, port: int, timeout: float, max_rows: int, workers: int | None = None,
          limits: sp.WorkerLimits = sp.WorkerLimits(), endpoint: EndpointLimits = EndpointLimits(), api=None) -> None:
    server = make_server(engine, host, port, timeout, max_rows, workers, limits, endpoint, api)
    root = f"http://{host}:{server.server_address[1]}"
    also = f"; search API: {root}/api/search?q=…, {root}/api/ask?q=…" if server.api is not None else ""
    print(f"SPARQL endpoint: {root}/sparql  (read-only{also}; Ctrl-C stops)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
