"""Guarded SPARQL: read-only, no network, a wall-clock timeout that really stops the work,
a row cap that says so. The CLI, the endpoint and the app all run queries through ``run``.

Checks before evaluation (keywords, then Oxigraph's parser on an empty store):
- the text is a query (SELECT, ASK, CONSTRUCT, DESCRIBE); SPARQL Update (INSERT, DELETE,
  LOAD, CLEAR, DROP, CREATE …) is refused, so the graph cannot change;
- no ``SERVICE`` and no ``FROM`` / ``FROM NAMED``: the store holds one graph, and rdflib
  would otherwise fetch the named URLs from the network;
- syntax errors name the line and column; over-long or absurdly nested queries are refused.

Evaluation runs in a forked child process (the graph is shared copy-on-write): when the
timeout passes the child is killed — a runaway cross product or property path cannot be
interrupted any other way, in rdflib or in Oxigraph — and the next query runs normally.
``run`` forks one child for one query (the CLI); ``Pool`` keeps workers forked once and
replaces only those it kills (the endpoint, the app).

The graph is held in Oxigraph (Rust) behind rdflib's API (oxrdflib): rdflib stays the
interface for the rest of the code, and ``solve`` hands queries to pyoxigraph directly;
see ``kg bench sparql`` for the measured difference.
"""
from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import queue
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef, Variable

from kg.errors import KgError

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MAX_ROWS = 10_000
MAX_QUERY_CHARS = 100_000
MAX_NESTING = 64
# prefixes a query may use without declaring them
PREFIXES = {
    "kg": "https://w3id.org/policy-kg/ontology#",
    "kgc": "https://w3id.org/policy-kg/concept/",
    "id": "https://w3id.org/policy-kg/id/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
}
FORMATS = ("json", "csv", "tsv", "xml", "table")


class SparqlError(KgError):
    """A query that cannot be run: malformed, refused, or failed while evaluating."""

    exit_code = 2


class QuerySyntaxError(SparqlError):
    """The text is not valid SPARQL; ``line`` and ``column`` say where."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.column = column
        where = f" (line {line}, column {column})" if line else ""
        super().__init__(message + where)
        self.line = line


class QueryRefused(SparqlError):
    """Valid SPARQL that this service does not run (updates, SERVICE, FROM)."""


class QueryTimeout(SparqlError):
    """The query ran longer than the timeout and was stopped."""

    exit_code = 5


class ServiceBusy(QueryTimeout):
    """No worker became free within the timeout (the endpoint answers 503, like a timeout)."""


@dataclass
class QueryResult:
    kind: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    vars: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)  # SELECT rows (rdflib terms or None); triples for graphs
    boolean: bool | None = None
    truncated: bool = False  # more rows existed than max_rows
    elapsed_ms: float = 0.0

    # ------------------------------------------------------------ serialisations

    def to_json(self) -> dict:
        """SPARQL 1.1 Query Results JSON (for graphs: N-Triples text under "triples")."""
        if self.kind == "ASK":
            return {"head": {}, "boolean": bool(self.boolean)}
        if self.kind != "SELECT":
            return {"head": {}, "triples": self.ntriples(), "truncated": self.truncated}
        bindings = [{v: _json_term(t) for v, t in zip(self.vars, row) if t is not None} for row in self.rows]
        return {"head": {"vars": self.vars}, "results": {"bindings": bindings}, "truncated": self.truncated}

    def to_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        if self.kind == "ASK":
            w.writerows([["boolean"], [str(bool(self.boolean)).lower()]])
        else:
            w.writerow(self.vars if self.kind == "SELECT" else ["subject", "predicate", "object"])
            for row in self.rows:
                w.writerow(["" if t is None else str(t) for t in row])
        return out.getvalue()

    def to_tsv(self) -> str:
        if self.kind == "ASK":
            return f"?boolean\n{str(bool(self.boolean)).lower()}\n"
        head = self.vars if self.kind == "SELECT" else ["subject", "predicate", "object"]
        lines = ["\t".join(f"?{v}" for v in head)]
        lines += ["\t".join("" if t is None else t.n3() for t in row) for row in self.rows]
        return "\n".join(lines) + "\n"

    def to_xml(self) -> str:
        from rdflib.query import Result

        if self.kind not in ("SELECT", "ASK"):
            raise SparqlError("XML results are for SELECT and ASK; ask a CONSTRUCT for Turtle or N-Triples")
        r = Result(self.kind)
        if self.kind == "ASK":
            r.askAnswer = bool(self.boolean)
        else:
            r.vars = [Variable(v) for v in self.vars]
            r.bindings = [{Variable(v): t for v, t in zip(self.vars, row) if t is not None} for row in self.rows]
        return r.serialize(format="xml", encoding="utf-8").decode("utf-8")

    def to_table(self, width: int = 60) -> str:
        if self.kind == "ASK":
            return "yes" if self.boolean else "no"
        head = self.vars if self.kind == "SELECT" else ["subject", "predicate", "object"]
        cells = [[_cut(plain(t), width) for t in row] for row in self.rows]
        widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(head)]
        line = lambda xs: "  ".join(x + " " * (w - _width(x)) for x, w in zip(xs, widths)).rstrip()  # noqa: E731
        out = [line(head), line(["-" * w for w in widths])] + [line(r) for r in cells]
        out.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''}"
                   + (", cut at the row limit" if self.truncated else "") + f"; {self.elapsed_ms:.0f} ms)")
        return "\n".join(out)

    def ntriples(self) -> str:
        return "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in self.rows)

    def serialize(self, fmt: str) -> str:
        if fmt not in FORMATS:
            raise SparqlError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        if fmt == "json":
            return json.dumps(self.to_json(), ensure_ascii=False)
        return getattr(self, f"to_{fmt}")()


# ---------------------------------------------------------------- checks

# SPARQL processes \u and \U escapes over the whole text before parsing: so do the checks
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# what cannot hold a keyword: strings, IRIs, comments
_NOT_CODE = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
# a bare word: not a variable (?x $x), a language tag (@ko), a prefixed name or blank node (x:y _:b)
_KEYWORD = re.compile(r"(?<![\w:?$@.-])([A-Za-z]+)(?![\w:])")
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)


def check(query: str) -> str:
    """The kind of a query (SELECT, ASK, CONSTRUCT, DESCRIBE) that passes every guard.

    The keywords are read after SPARQL's escape processing with strings, IRIs and comments
    set aside; the syntax is then checked by Oxigraph's own parser (the engine that will
    evaluate it) against an empty store — before anything touches the real one.
    Raises QuerySyntaxError or QueryRefused with a one-line reason.
    """
    if not isinstance(query, str) or not query.strip():
        raise QuerySyntaxError("empty query")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryRefused(f"query is {len(query):,} characters; the limit is {MAX_QUERY_CHARS:,}")
    if _nesting(query) > MAX_NESTING:
        raise QueryRefused(f"query nests groups deeper than {MAX_NESTING} levels")
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)) if int(m.group(1) or m.group(2), 16) <= 0x10FFFF else m.group(0), query)
    words = [w.upper() for w in _KEYWORD.findall(_NOT_CODE.sub(" ", text))]
    head = next((w for w in words if w not in ("BASE", "PREFIX")), "")
    if head in UPDATE_WORDS or (head not in QUERY_FORMS and UPDATE_WORDS & set(words)):
        raise QueryRefused("SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE …) is not allowed: the graph is read-only")
    if "SERVICE" in words:
        raise QueryRefused("SERVICE is not allowed: queries never reach other endpoints")
    if "FROM" in words:
        raise QueryRefused("FROM / FROM NAMED are not allowed: the store holds one graph and never fetches others")
    _syntax(query)
    if head not in QUERY_FORMS:  # the parser accepted something the guard cannot classify
        raise QuerySyntaxError("expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return head


def _syntax(query: str) -> None:
    """Oxigraph's parser on an empty store: a syntax error with its line and column."""
    import pyoxigraph

    try:
        pyoxigraph.Store().query(query, prefixes=PREFIXES)
    except SyntaxError as exc:
        m = _POSITION.match(str(exc))
        if m:
            raise QuerySyntaxError(f"malformed SPARQL: {_short(m.group(3))}", int(m.group(1)), int(m.group(2))) from None
        raise QuerySyntaxError(f"malformed SPARQL: {_short(str(exc))}") from None


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _nesting(query: str) -> int:
    depth = deepest = 0
    for ch in re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|<[^>\s]*>|#[^\n]*', "", query):
        if ch in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})":
            depth -= 1
    return deepest


def with_prefixes(query: str) -> str:
    """The query with the usual prefixes (kg, kgc, rdfs, skos …) declared when it does not."""
    declared = {m.lower() for m in re.findall(r"(?im)^\s*PREFIX\s+([A-Za-z][\w.-]*)?:", query)}
    missing = [f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items() if p not in declared and re.search(rf"(?<![\w:]){p}:", query)]
    return "\n".join(missing + [query]) if missing else query


# ---------------------------------------------------------------- running


def load_store(build_dir: Path) -> Graph:
    """The build's graph in Oxigraph behind rdflib's API (raises BuildMissingError)."""
    from kg.rdf.io import GRAPH_FILE, load_graph

    path = Path(build_dir) / GRAPH_FILE
    if not path.exists():
        return load_graph(build_dir)  # raises the "run kg build first" error
    g = Graph(store="Oxigraph")
    g.parse(path, format="ox-turtle")
    return g


def run(graph: Graph, query: str, timeout: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS) -> QueryResult:
    """Check, then evaluate ``query`` over ``graph`` in a child process forked for it; at most
    ``max_rows`` rows (``truncated`` says whether there were more); stopped after ``timeout``
    seconds. For one query (the CLI); a service answering many keeps a ``Pool``."""
    kind = check(query)
    with Pool(graph, workers=1) as pool:
        return pool._run_checked(query, kind, timeout, max_rows)


class Pool:
    """Evaluators forked once and reused, for services that answer many queries (the endpoint,
    the app): a query waits for an idle worker, is evaluated there, and a worker that runs past
    the timeout (or dies) is killed and replaced by a fresh fork. The graph is shared
    copy-on-write, and Oxigraph keeps it outside Python's heap, so workers cost little memory.

    Thread-safe: many threads may call ``run`` at once; at most ``workers`` queries evaluate
    at a time, the others wait (up to their timeout, then ``ServiceBusy``).
    """

    def __init__(self, graph: Graph, workers: int | None = None):
        self.graph = graph
        self.workers = max(1, workers or os.cpu_count() or 2)
        self._ctx = multiprocessing.get_context("fork")
        self._idle: queue.Queue = queue.Queue()
        self._all: set = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(self.workers):
            self._idle.put(self._fork())

    @property
    def pids(self) -> set[int]:
        """Process ids of the live workers."""
        with self._lock:
            return {w.pid for w in self._all}

    def run(self, query: str, timeout: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS) -> QueryResult:
        """As ``kg.sparql.run``, on one of the pool's workers."""
        return self._run_checked(query, check(query), timeout, max_rows)

    def _run_checked(self, query: str, kind: str, timeout: float, max_rows: int) -> QueryResult:
        if self._closed:
            raise SparqlError("the query service has been shut down")
        t0 = time.perf_counter()
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise ServiceBusy(f"every query worker stayed busy for {timeout:g} s; try again shortly") from None
        healthy = False
        try:
            conn = worker._kg_conn
            conn.send((with_prefixes(query), kind, max_rows))
            if not conn.poll(timeout):
                raise QueryTimeout(f"query stopped after {timeout:g} s (the limit); narrow it, or raise --timeout")
            status, payload = conn.recv()
            healthy = True
        except (EOFError, OSError):
            raise SparqlError("query evaluation failed: the worker ended without an answer (out of memory?)") from None
        finally:
            self._release(worker, healthy)
        if status == "error":
            raise SparqlError(payload)
        result = QueryResult(kind=kind, **payload)
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    def _fork(self):
        receive, send = self._ctx.Pipe(duplex=True)
        with self._lock:  # the child closes its copies of the pool's ends, so it sees EOF when the pool goes
            pool_ends = [receive] + [w._kg_conn for w in self._all]
        child = self._ctx.Process(target=_work, args=(self.graph, send, pool_ends, os.getpid()), daemon=True)
        child.start()
        send.close()
        child._kg_conn = receive
        with self._lock:
            self._all.add(child)
        return child

    def _release(self, worker, healthy: bool) -> None:
        if healthy and not self._closed:
            self._idle.put(worker)
            return
        self._stop(worker)
        if not self._closed:
            self._idle.put(self._fork())

    def _stop(self, worker) -> None:
        with self._lock:
            self._all.discard(worker)
        if worker.is_alive():
            worker.kill()
        worker.join()
        worker._kg_conn.close()

    def close(self) -> None:
        """Stop every worker (queries running now end with an error)."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for w in workers:
            self._stop(w)

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _work(graph: Graph, conn, pool_ends, parent: int) -> None:
    """A worker: evaluate each (text, kind, max_rows) received; answer ("ok", fields) or
    ("error", one-line message); end when the pool closes the pipe or its process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the handler of the server it was forked from
    for end in pool_ends:
        end.close()
    while True:
        try:
            if not conn.poll(1.0):
                if os.getppid() != parent:  # the pool's process died without closing the pipe
                    return
                continue
            text, kind, max_rows = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = ("ok", solve(graph, text, kind, max_rows))
        except Exception as exc:  # anything the engine raises is a query error to the caller
            answer = ("error", "query failed: " + " ".join(str(exc).split())[:300])
        try:
            conn.send(answer)
        except Exception as exc:  # an answer that cannot be sent back (e.g. not picklable)
            conn.send(("error", f"query failed: the answer could not be returned ({type(exc).__name__})"))


def solve(graph: Graph, text: str, kind: str, max_rows: int | None = None) -> dict:
    """Evaluate a checked query in this process: the fields of a QueryResult (``vars``,
    ``rows`` as plain rdflib terms, ``truncated``; ``boolean`` for ASK). No guards here:
    ``run`` checks first and adds the timeout; the benchmark calls this to time evaluation.

    On the Oxigraph store the query goes to pyoxigraph directly and only the rows kept are
    turned into rdflib terms (each distinct term once): oxrdflib's own ``query`` converts
    every row through rdflib's generic machinery, which at ~1M triples cost more than the
    evaluation itself. Other stores go through ``graph.query``.
    """
    inner = _oxigraph(graph)
    if inner is not None:
        return _solve_native(inner, graph, text, kind, max_rows)
    res = graph.query(text)
    if kind == "ASK":
        return {"boolean": bool(res.askAnswer)}
    if kind == "SELECT":
        rows, truncated = _take(res, max_rows)
        return {"vars": [str(v) for v in res.vars], "rows": [tuple(r) for r in rows], "truncated": truncated}
    triples, truncated = _take(iter(res.graph if res.graph is not None else res), max_rows)
    return {"rows": [tuple(tr) for tr in triples], "truncated": truncated}


def _oxigraph(graph: Graph):
    """The pyoxigraph Store under an oxrdflib graph, or None for any other store."""
    store = graph.store
    if type(store).__module__.startswith("oxrdflib"):
        return store._inner  # oxrdflib keeps the pyoxigraph Store there; its parser loads through it too
    return None


def _solve_native(inner, graph: Graph, text: str, kind: str, max_rows: int | None) -> dict:
    import pyoxigraph as ox
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    ident = graph.identifier
    if ident == DATASET_DEFAULT_GRAPH_ID:
        default = ox.DefaultGraph()
    elif isinstance(ident, BNode):
        default = ox.BlankNode(str(ident))
    else:
        default = ox.NamedNode(str(ident))
    res = inner.query(text, default_graph=default, prefixes=PREFIXES)
    if kind == "ASK":
        return {"boolean": bool(res)}
    memo: dict = {}

    def term(t):
        if t is None:
            return None
        out = memo.get(t)
        if out is None:
            out = memo[t] = _from_ox(t)
        return out

    if kind == "SELECT":
        variables = [v.value for v in res.variables]
        rows, truncated = _take(res, max_rows)
        width = range(len(variables))
        return {"vars": variables, "rows": [tuple(term(r[i]) for i in width) for r in rows], "truncated": truncated}
    triples, truncated = _take(res, max_rows)
    return {"rows": [(term(t.subject), term(t.predicate), term(t.object)) for t in triples], "truncated": truncated}


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _from_ox(t):
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


def _take(rows, limit: int | None) -> tuple[list, bool]:
    if limit is None:
        return list(rows), False
    out = []
    for row in rows:
        if len(out) == limit:
            return out, True
        out.append(row)
    return out, False


def _json_term(t) -> dict:
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    out = {"type": "literal", "value": str(t)}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype:
        out["datatype"] = str(t.datatype)
    return out


def plain(t) -> str:
    """A term as short text for a table cell: prefixed names for known namespaces."""
    if t is None:
        return ""
    if isinstance(t, URIRef):
        s = str(t)
        for p, iri in PREFIXES.items():
            if s.startswith(iri):
                return f"{p}:{s[len(iri):]}"
        return s
    return str(t)


def _width(s: str) -> int:
    """Display width: Hangul and other wide characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _cut(s: str, width: int) -> str:
    s = " ".join(s.split())
    if _width(s) <= width:
        return s
    out = ""
    for c in s:
        if _width(out + c) > width - 1:
            break
        out += c
    return out + "…"


# ---------------------------------------------------------------- saved queries


@dataclass(frozen=True)
class SavedQuery:
    name: str  # file stem
    title: str
    description: str
    text: str
    path: Path


def saved_queries(queries_dir: Path) -> list[SavedQuery]:
    """Every ``*.rq`` of the folder with the title and description of its header comments."""
    out = []
    for path in sorted(Path(queries_dir).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title, desc, in_desc = path.stem, [], False
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            body = line[1:].strip()
            if body.lower().startswith("title:"):
                title, in_desc = body[6:].strip(), False
            elif body.lower().startswith("description:"):
                desc, in_desc = [body[12:].strip()], True
            elif in_desc and body:
                desc.append(body)
        out.append(SavedQuery(path.stem, title, " ".join(desc), text, path))
    return out


def resolve(query_or_file: str, queries_dir: Path) -> str:
    """Query text from a saved query's name, a file path or the query itself."""
    for q in saved_queries(queries_dir) if Path(queries_dir).is_dir() else []:
        if query_or_file in (q.name, q.path.name):
            return q.text
    if len(query_or_file) < 4096 and "\n" not in query_or_file:
        path = Path(query_or_file)
        if path.suffix.lower() in (".rq", ".sparql", ".txt") or path.is_file():
            try:
                return path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise SparqlError(f"no such query file or saved query: {query_or_file}") from None
            except (UnicodeDecodeError, IsADirectoryError):
                raise SparqlError(f"cannot read the query file as UTF-8 text: {query_or_file}") from None
    return query_or_file
