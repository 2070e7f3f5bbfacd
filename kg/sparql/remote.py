"""External triple stores: query a SPARQL 1.1 endpoint, push the graph to a Graph Store.

Both speak only the W3C protocols, so the same code works with Oxigraph server, Apache
Jena Fuseki, GraphDB, Virtuoso or Blazegraph:

- ``query``: the SPARQL 1.1 Protocol (POST form), after the same read-only checks as a local
  query (``kg.sparql.check``). The remote side is not trusted: the whole exchange has one
  deadline (``timeout``), the answer a size cap, redirects are not followed, and only formats
  that cannot fetch or expand anything are read — SPARQL JSON (``json``), N-Triples and
  Turtle (pyoxigraph's parsers). An answer in XML, RDF/XML or JSON-LD (which could name
  remote contexts or carry entity expansions) is refused, not parsed;
- ``push``: the SPARQL 1.1 Graph Store HTTP Protocol — ``PUT <store>?graph=<iri>`` with the
  graph as Turtle *replaces* that named graph, so pushing twice never duplicates triples.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
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


def push(store: str, graph_file: Path, graph_iri: str = DEFAULT_GRAPH, timeout: float = 300.0) -> int:
    """Replace the named graph ``graph_iri`` of a Graph Store endpoint with ``graph_file``
    (Turtle). Returns the HTTP status. Raises SparqlError with the server's reason."""
    url = f"{store}{'&' if '?' in store else '?'}{urllib.parse.urlencode({'graph': graph_iri})}"
    data = Path(graph_file).read_bytes()
    req = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": "text/turtle; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        body = exc.read(300).decode("utf-8", "replace")
        raise SparqlError(f"the store refused the graph ({exc.code} {exc.reason}): {' '.join(body.split())}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise SparqlError(f"cannot reach the store {store}: {getattr(exc, 'reason', exc)}") from None
