"""External triple stores: query a SPARQL 1.1 endpoint, push the graph to a Graph Store.

Both speak only the W3C protocols, so the same code works with Oxigraph server, Apache
Jena Fuseki, GraphDB, Virtuoso or Blazegraph:

- ``query``: the SPARQL 1.1 Protocol (POST form), after the same read-only checks as a local
  query (``kg.sparql.check``). The remote side is not trusted: the whole exchange has one
  deadline (``timeout``), the answer a size cap, redirects are not followed, and only formats
  that cannot fetch or expand anything are read — SPARQL JSON (``json``), N-Triples and
  Turtle (pyoxigraph's parsers). An answer in XML, RDF/XML or JSON-LD (which could name
  remote contexts or carry entity expansions) is refused, not parsed;
- ``push``: the SPARQL 1.1 Graph Store HTTP Protocol — ``PUT <store>?graph=<iri>`` *replaces*
  that named graph, so pushing twice never duplicates triples; ``delete`` drops one. The graph
  goes as N-Triples, the subset of Turtle every store reads alike (Virtuoso 7's Turtle reader
  keeps the backslash of an escaped ``/`` in a prefixed name, so Turtle would change IRIs).
  A store that asks for a login (Virtuoso's ``/sparql-graph-crud-auth``: digest; Fuseki: basic)
  gets ``StoreAuth``'s user and password.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Literal, URIRef

from kg.sparql.errors import QueryTimeout, SparqlError
from kg.sparql.guard import check, with_prefixes
from kg.sparql.results import QueryResult

DEFAULT_GRAPH = "https://w3id.org/policy-kg/graph"
MAX_ANSWER_BYTES = 64 * 1024 * 1024
_JSON_TYPES = {"application/sparql-results+json", "application/json"}
_GRAPH_TYPES = {"application/n-triples": "N_TRIPLES", "text/plain": "N_TRIPLES", "text/turtle": "TURTLE"}


def _fetch(endpoint: str, text: str, accept: str, timeout: float, max_bytes: int) -> tuple[str, bytes]:
    """POST the query (``kg.httpfetch``: one deadline, a size cap, no redirects)."""
    from kg.httpfetch import FetchError, FetchTimeout, fetch

    data = urllib.parse.urlencode({"query": text}).encode("utf-8")
    try:
        return fetch(endpoint, accept, timeout, max_bytes, data=data, content_type="application/x-www-form-urlencoded", what="query")
    except FetchTimeout as exc:
        raise QueryTimeout(str(exc)) from None
    except FetchError as exc:
        raise SparqlError(str(exc)) from None


def query(endpoint: str, text: str, timeout: float = 5.0, max_rows: int = 10_000,
          max_bytes: int = MAX_ANSWER_BYTES) -> QueryResult:
    """Run a read-only query on a remote endpoint; at most ``max_rows`` rows (flagged)."""
    kind = check(text)
    t0 = time.perf_counter()
    if kind in ("SELECT", "ASK"):
        ctype, body = _fetch(endpoint, with_prefixes(text), "application/sparql-results+json", timeout, max_bytes)
        if ctype not in _JSON_TYPES:
            raise SparqlError(f"the endpoint answered {ctype or 'without a media type'}; expected SPARQL JSON results")
        try:
            res = json.loads(body.decode("utf-8"))
            elapsed = (time.perf_counter() - t0) * 1000
            if kind == "ASK":
                return QueryResult("ASK", boolean=bool(res["boolean"]), elapsed_ms=elapsed)
            names = [str(v) for v in res["head"]["vars"]]
            bindings = res["results"]["bindings"]
            rows = [tuple(_term(b.get(v)) for v in names) for b in bindings[:max_rows]]
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise SparqlError(f"the endpoint's answer is not valid SPARQL JSON ({type(exc).__name__})") from None
        return QueryResult("SELECT", vars=names, rows=rows, truncated=len(bindings) > max_rows, elapsed_ms=elapsed)
    import pyoxigraph as ox

    from kg.sparql.engine import from_oxigraph

    ctype, body = _fetch(endpoint, with_prefixes(text), "application/n-triples, text/turtle;q=0.9", timeout, max_bytes)
    if ctype not in _GRAPH_TYPES:
        raise SparqlError(f"the endpoint answered {ctype or 'without a media type'}; expected N-Triples or Turtle")
    try:
        quads = ox.parse(body, format=getattr(ox.RdfFormat, _GRAPH_TYPES[ctype]))
        triples = []
        truncated = False
        for q in quads:
            if len(triples) == max_rows:
                truncated = True
                break
            triples.append((from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object)))
    except SyntaxError as exc:
        raise SparqlError(f"the endpoint's graph is not valid {ctype}: {' '.join(str(exc).split())[:200]}") from None
    return QueryResult(kind, rows=triples, truncated=truncated, elapsed_ms=(time.perf_counter() - t0) * 1000)


def _term(b: dict | None):
    if b is None:
        return None
    if b["type"] == "uri":
        return URIRef(b["value"])
    if b["type"] == "bnode":
        return BNode(b["value"])
    return Literal(b["value"], lang=b.get("xml:lang"), datatype=b.get("datatype"))


@dataclass(frozen=True)
class StoreAuth:
    """A Graph Store's login, sent only when the store asks for it (HTTP digest or basic)."""

    user: str
    password: str = field(repr=False)


def _store_url(store: str, graph_iri: str) -> str:
    return f"{store}{'&' if '?' in store else '?'}{urllib.parse.urlencode({'graph': graph_iri})}"


def _send(req: urllib.request.Request, store: str, what: str, timeout: float, auth: StoreAuth | None,
          missing_ok: bool = False) -> int:
    handlers = []
    if auth is not None:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, store, auth.user, auth.password)
        handlers = [urllib.request.HTTPDigestAuthHandler(passwords), urllib.request.HTTPBasicAuthHandler(passwords)]
    try:
        with urllib.request.build_opener(*handlers).open(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        if missing_ok and exc.code == 404:
            return exc.code
        body = exc.read(300).decode("utf-8", "replace")
        hint = " (give --user, and the password in KG_STORE_PASSWORD)" if exc.code == 401 and auth is None else ""
        raise SparqlError(f"the store refused {what} ({exc.code} {exc.reason}){hint}: {' '.join(body.split())[:200]}") from None
    except (urllib.error.URLError, OSError, TimeoutError, ValueError) as exc:
        raise SparqlError(f"cannot reach the store {store}: {getattr(exc, 'reason', exc)}") from None


def n_triples(graph_file: Path) -> bytes:
    """The triples of a Turtle file as N-Triples."""
    import pyoxigraph as ox

    try:
        return ox.serialize(ox.parse(path=str(graph_file), format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES)
    except (SyntaxError, OSError) as exc:
        raise SparqlError(f"cannot read {graph_file}: {' '.join(str(exc).split())[:200]}") from None


def push(store: str, graph_file: Path, graph_iri: str = DEFAULT_GRAPH, timeout: float = 300.0,
         auth: StoreAuth | None = None) -> int:
    """Replace the named graph ``graph_iri`` of a Graph Store endpoint with the triples of
    ``graph_file`` (Turtle), sent as N-Triples. Returns the HTTP status. Raises SparqlError with
    the server's reason."""
    return put(store, n_triples(graph_file), graph_iri, timeout, auth)


def put(store: str, data: bytes, graph_iri: str, timeout: float = 300.0, auth: StoreAuth | None = None) -> int:
    """Replace the named graph ``graph_iri`` with ``data`` (N-Triples)."""
    req = urllib.request.Request(_store_url(store, graph_iri), data=data, method="PUT",
                                 headers={"Content-Type": "application/n-triples; charset=utf-8"})
    return _send(req, store, "the graph", timeout, auth)


def delete(store: str, graph_iri: str, timeout: float = 60.0, auth: StoreAuth | None = None) -> int:
    """Drop the named graph ``graph_iri`` of a Graph Store endpoint (a graph it does not have: 404,
    returned, not raised)."""
    req = urllib.request.Request(_store_url(store, graph_iri), method="DELETE")
    return _send(req, store, f"to drop <{graph_iri}>", timeout, auth, missing_ok=True)


def graphs(endpoint: str, prefix: str, timeout: float = 30.0) -> list[str]:
    """The named graphs of a SPARQL endpoint whose IRI starts with ``prefix``."""
    text = (f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{prefix}")) }}')
    return sorted(str(row[0]) for row in query(endpoint, text, timeout=timeout, max_rows=1_000_000).rows)
