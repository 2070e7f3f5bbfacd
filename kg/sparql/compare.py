"""The saved queries on two stores, row for row: the build's local store and a remote SPARQL
endpoint holding the same graphs (``kg push``), as ``kg sparql --compare --endpoint URL`` runs
them. A move to another engine is safe when every saved query gives the same rows there.

Rows are compared as the engines' terms mean them, not as they print them:

- a number by its value (``2.50`` = ``2.5``; an integer = the same decimal), since engines
  choose their own lexical forms and integer types for sums and counts;
- a ``GROUP_CONCAT`` column as the multiset of its parts, since SPARQL leaves the order of the
  concatenation to the engine;
- the rows as a multiset; whether they also came in the same order is reported beside it
  (rows tied on every ``ORDER BY`` key may come in any order).
"""
from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from kg.sparql.results import QueryResult

_NUMERIC = {str(XSD[t]) for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                                  "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                  "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_CONCAT = re.compile(r'GROUP_CONCAT\s*\((?:[^;()]|\([^()]*\))*?(?:;\s*separator\s*=\s*(?P<q>["\'])(?P<sep>.*?)(?P=q))?\s*\)'
                     r'\s*AS\s*\?(?P<var>\w+)', re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Comparison:
    """One saved query on both stores."""

    name: str
    local_rows: int
    remote_rows: int
    same_rows: bool  # the same multiset of rows, terms compared by meaning
    same_order: bool  # and in the same order
    local_ms: float
    remote_ms: float
    difference: str = ""  # the first row one side has and the other not, or the error

    def to_json(self) -> dict:
        return asdict(self)


def concatenated(text: str) -> dict[str, str]:
    """The variables a query binds with ``GROUP_CONCAT``, with their separators (default " ")."""
    body = "\n".join(line.split("#", 1)[0] if line.lstrip().startswith("#") else line for line in text.splitlines())
    return {m["var"]: (m["sep"] if m["sep"] is not None else " ") for m in _CONCAT.finditer(body)}


def term_key(term, separator: str | None = None):
    """What a result term means, for comparing rows across engines."""
    if term is None:
        return None
    if isinstance(term, BNode):
        return ("bnode",)  # a blank node's label is the engine's own
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, Literal):
        if separator is not None:
            return ("parts", tuple(sorted(Counter(str(term).split(separator)).items())) if str(term) else ())
        if term.datatype is not None and str(term.datatype) in _NUMERIC:
            try:
                return ("number", Decimal(str(term)).normalize())
            except InvalidOperation:
                pass
        datatype = None if term.datatype is None or term.datatype == XSD.string else str(term.datatype)
        return ("literal", str(term), term.language, datatype)
    return ("other", str(term))


def row_keys(result: QueryResult, separators: dict[str, str]) -> list[tuple]:
    seps = [separators.get(v) for v in result.vars]
    return [tuple(term_key(t, s) for t, s in zip(row, seps)) for row in result.rows]


def compare(name: str, text: str, local: Callable[[str], QueryResult], remote: Callable[[str], QueryResult]) -> Comparison:
    """Run ``text`` with both runners and compare what they answer. An error on either side is a
    difference, named."""
    answers, times = [], []
    for run in (local, remote):
        t0 = time.perf_counter()
        try:
            answers.append(run(text))
        except Exception as exc:  # noqa: BLE001 — the engine's refusal is the finding
            answers.append(exc)
        times.append(round((time.perf_counter() - t0) * 1000, 1))
    a, b = answers
    for side, ans in (("local", a), ("remote", b)):
        if isinstance(ans, Exception):
            return Comparison(name, -1 if side == "local" else _count(a), -1 if side == "remote" else _count(b),
                              False, False, *times, difference=f"{side}: {' '.join(str(ans).split())[:300]}")
    if a.kind != b.kind or (a.kind == "ASK" and a.boolean != b.boolean):
        return Comparison(name, _count(a), _count(b), False, False, *times, difference=f"local {a.kind} {a.boolean}, remote {b.kind} {b.boolean}")
    seps = concatenated(text)
    ka, kb = row_keys(a, seps), row_keys(b, seps)
    if a.vars != b.vars:
        return Comparison(name, len(ka), len(kb), False, False, *times, difference=f"columns: local {a.vars}, remote {b.vars}")
    ca, cb = Counter(ka), Counter(kb)
    diff = ""
    if ca != cb:
        only_a, only_b = ca - cb, cb - ca
        diff = f"only local: {next(iter(only_a))}" if only_a else f"only remote: {next(iter(only_b))}"
    return Comparison(name, len(ka), len(kb), ca == cb, ka == kb, *times, difference=diff[:600])


def _count(result) -> int:
    return len(result.rows) if isinstance(result, QueryResult) else -1
