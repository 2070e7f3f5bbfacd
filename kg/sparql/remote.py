"""External triple stores: query a SPARQL 1.1 endpoint, push the graph to a Graph Store.

Both speak only the W3C protocols, so the same code works with Oxigraph server, Apache
Jena Fuseki, GraphDB, Virtuoso or Blazegraph:

- ``query``: the SPARQL 1.1 Protocol through SPARQLWrapper (JSON results), after the same
  read-only checks as a local query (``kg.sparql.check``);
- ``push``: the SPARQL 1.1 Graph Store HTTP Protocol — ``PUT <store>?graph=<iri>`` with the
  graph as Turtle *replaces* that named graph, so pushing twice never duplicates triples.
"""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from rdflib import BNode, Literal, URIRef

from kg.sparql.errors import SparqlError
from kg.sparql.guard import check, with_prefixes
from kg.sparql.results import QueryResult

DEFAULT_GRAPH = "https://w3id.org/policy-kg/graph"


def query(endpoint: str, text: str, timeout: float = 5.0, max_rows: int = 10_000) -> QueryResult:
    """Run a read-only query on a remote endpoint; at most ``max_rows`` rows (flagged)."""
    import time

    from SPARQLWrapper import JSON, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    kind = check(text)
    w = SPARQLWrapper(endpoint)
    w.setQuery(with_prefixes(text))
    w.setTimeout(max(1, int(round(timeout))))
    if kind in ("SELECT", "ASK"):
        w.setReturnFormat(JSON)
    t0 = time.perf_counter()
    try:
        res = w.query().convert()
    except SPARQLWrapperException as exc:
        raise SparqlError(f"the endpoint refused the query: {' '.join(str(exc).split())[:300]}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise SparqlError(f"cannot reach the endpoint {endpoint}: {getattr(exc, 'reason', exc)}") from None
    elapsed = (time.perf_counter() - t0) * 1000
    if kind == "ASK":
        return QueryResult("ASK", boolean=bool(res.get("boolean")), elapsed_ms=elapsed)
    if kind == "SELECT":
        names = res["head"]["vars"]
        rows = [tuple(_term(b.get(v)) for v in names) for b in res["results"]["bindings"]]
        return QueryResult("SELECT", vars=names, rows=rows[:max_rows], truncated=len(rows) > max_rows, elapsed_ms=elapsed)
    triples = list(res)  # an rdflib Graph
    return QueryResult(kind, rows=triples[:max_rows], truncated=len(triples) > max_rows, elapsed_ms=elapsed)


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
