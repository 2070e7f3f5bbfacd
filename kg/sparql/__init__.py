"""Guarded SPARQL: read-only, no network, limits that really stop the work, a row cap that
says so. The CLI, the endpoint and the app all run queries through a ``Pool`` (``run`` is a
one-worker pool for one query).

- ``guard``: the token checks the serving process makes (query forms only; no SERVICE or
  FROM; size, nesting and operator limits), linear and safe on any text;
- ``engine``: the graph in a pyoxigraph Store, parsed and evaluated read-only with an
  explicit dataset;
- ``pool`` + ``sandbox``: workers that parse and evaluate, cannot open a network socket,
  have a memory budget, and are killed at the timeout and replaced;
- ``results``: result formats; ``saved``: the saved queries; ``errors``: each error with
  its exit code and HTTP status; ``serve`` and ``remote``: the endpoint and external stores.
"""
from __future__ import annotations

from rdflib import Graph

from kg.sparql.engine import Engine, load_store, solve_rdflib
from kg.sparql.errors import (
    QueryCrashed,
    QueryMemoryError,
    QueryRefused,
    QueryStopped,
    QuerySyntaxError,
    QueryTimeout,
    ServiceBusy,
    SparqlError,
    TooManyRequests,
)
from kg.sparql.guard import LIMITS, PREFIXES, QueryLimits, check, with_prefixes
from kg.sparql.pool import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S, Pool, WorkerLimits
from kg.sparql.results import FORMATS, QueryResult, plain
from kg.sparql.saved import SavedQuery, resolve, saved_queries

__all__ = [
    "DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT_S", "Engine", "FORMATS", "LIMITS", "PREFIXES", "Pool", "QueryCrashed",
    "QueryLimits", "QueryMemoryError", "QueryRefused", "QueryResult", "QueryStopped", "QuerySyntaxError",
    "QueryTimeout", "SavedQuery", "ServiceBusy", "SparqlError", "TooManyRequests", "WorkerLimits", "check",
    "load_store", "plain", "resolve", "run", "saved_queries", "solve", "with_prefixes",
]


def run(engine: Engine, query: str, timeout: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS,
        limits: WorkerLimits = WorkerLimits()) -> QueryResult:
    """Check, then parse and evaluate ``query`` in a worker forked for it (the CLI); a service
    answering many queries keeps a ``Pool``."""
    kind = check(query)  # refusals need no fork
    with Pool(engine, workers=1, limits=limits) as pool:
        return pool.run(query, timeout=timeout, max_rows=max_rows, kind=kind)


def solve(source: Engine | Graph, text: str, kind: str = "SELECT", max_rows: int | None = None) -> dict:
    """Evaluate a query in this process, without guards or timeout (``kg bench sparql``)."""
    if isinstance(source, Engine):
        return source.solve(text, kind, max_rows)
    return solve_rdflib(source, text, kind, max_rows)
