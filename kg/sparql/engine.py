"""The evaluation engine: the build's graph in a pyoxigraph Store this module owns.

Queries go to pyoxigraph directly and only the rows kept are turned into rdflib terms (each
distinct term once): oxrdflib's own ``query`` converts every row through rdflib's generic
machinery, which at ~1M triples cost more than the evaluation itself (``kg bench sparql``).
Code that wants rdflib's API over the same triples gets it from ``Engine.rdflib_graph``,
through oxrdflib's public constructor.

The dataset is always given explicitly (the store's default graph), so ``FROM`` in a query
can never widen it, and only ``Store.query`` is called, which cannot run an update.
"""
from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

from kg.sparql.errors import QuerySyntaxError, SparqlError
from kg.sparql.guard import PREFIXES

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class Engine:
    """One graph in Oxigraph, queried read-only."""

    def __init__(self, store=None):
        import pyoxigraph as ox

        self.store = store if store is not None else ox.Store()

    @classmethod
    def load(cls, path: Path) -> "Engine":
        """An engine holding the Turtle file ``path`` in its default graph."""
        import pyoxigraph as ox

        engine = cls()
        try:
            engine.store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
        except SyntaxError as exc:
            raise SparqlError(f"{Path(path).name} is not valid Turtle ({_short(str(exc))}); rebuild with kg build") from None
        return engine

    def __len__(self) -> int:
        return len(self.store)

    def rdflib_graph(self) -> Graph:
        """The same triples behind rdflib's API (shared, not copied)."""
        from oxrdflib import OxigraphStore
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        return Graph(store=OxigraphStore(store=self.store), identifier=DATASET_DEFAULT_GRAPH_ID)

    def solve(self, text: str, kind: str, max_rows: int | None = None) -> dict:
        """Parse and evaluate a query: the fields of a QueryResult (``kind``, ``vars``, ``rows``
        as plain rdflib terms, ``truncated``; ``boolean`` for ASK). No guards and no timeout
        here: the pool's workers call this inside their walls."""
        import pyoxigraph as ox

        try:
            res = self.store.query(text, default_graph=ox.DefaultGraph(), named_graphs=[], prefixes=PREFIXES)
        except SyntaxError as exc:
            raise syntax_error(str(exc)) from None
        memo: dict = {}

        def term(t):
            if t is None:
                return None
            out = memo.get(t)
            if out is None:
                out = memo[t] = from_oxigraph(t)
            return out

        if isinstance(res, ox.QueryBoolean):
            return {"kind": "ASK", "boolean": bool(res)}
        if isinstance(res, ox.QuerySolutions):
            variables = [v.value for v in res.variables]
            rows, truncated = take(res, max_rows)
            width = range(len(variables))
            return {"kind": "SELECT", "vars": variables, "rows": [tuple(term(r[i]) for i in width) for r in rows],
                    "truncated": truncated}
        triples, truncated = take(res, max_rows)
        return {"kind": kind if kind in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT",
                "rows": [(term(t.subject), term(t.predicate), term(t.object)) for t in triples], "truncated": truncated}


def solve_rdflib(graph: Graph, text: str, kind: str, max_rows: int | None = None) -> dict:
    """The same fields from plain rdflib's own evaluator (``kg bench sparql`` compares them)."""
    res = graph.query(text)
    if kind == "ASK":
        return {"kind": kind, "boolean": bool(res.askAnswer)}
    if kind == "SELECT":
        rows, truncated = take(res, max_rows)
        return {"kind": kind, "vars": [str(v) for v in res.vars], "rows": [tuple(r) for r in rows], "truncated": truncated}
    triples, truncated = take(iter(res.graph if res.graph is not None else res), max_rows)
    return {"kind": kind, "rows": [tuple(tr) for tr in triples], "truncated": truncated}


def load_store(build_dir: Path, verified: bool = False) -> Engine:
    """The build's graph in an Engine, after checking the build against its manifest (raises
    BuildMissingError when there is none, BuildDamagedError when it does not match); ``verified``
    when the caller has just checked it (``open_searcher`` does), so the files are hashed once."""
    from kg.integrity import verify_build
    from kg.rdf.io import GRAPH_FILE, load_graph

    path = Path(build_dir) / GRAPH_FILE
    if not path.exists():
        load_graph(build_dir)  # raises the "run kg build first" error
    if not verified:
        verify_build(build_dir)
    return Engine.load(path)


def syntax_error(message: str) -> QuerySyntaxError:
    """Oxigraph's parser message as a QuerySyntaxError with line and column."""
    import re

    m = re.match(r"error at (\d+):(\d+):\s*(.*)", message, re.S)
    if m:
        return QuerySyntaxError(f"malformed SPARQL: {_short(m.group(3))}", int(m.group(1)), int(m.group(2)))
    return QuerySyntaxError(f"malformed SPARQL: {_short(message)}")


def from_oxigraph(t):
    """A pyoxigraph term as a plain rdflib term."""
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        dt = t.datatype.value
        return Literal(t.value) if dt == _XSD_STRING else Literal(t.value, datatype=URIRef(dt))
    raise SparqlError(f"the engine returned a term this service cannot show: {t!r}")


def take(rows, limit: int | None) -> tuple[list, bool]:
    """At most ``limit`` rows of an iterator, and whether there were more."""
    if limit is None:
        return list(rows), False
    out = []
    for row in rows:
        if len(out) == limit:
            return out, True
        out.append(row)
    return out, False


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"
