"""Query results and their serialisations: SPARQL JSON and XML, CSV, TSV, a text table."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field

from rdflib import BNode, URIRef, Variable

from kg.sparql.errors import SparqlError
from kg.sparql.guard import PREFIXES

FORMATS = ("json", "csv", "tsv", "xml", "table")
_NUMERIC = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in ("integer", "decimal", "double", "float", "int", "long")}
# characters XML 1.0 cannot carry, and the controls a terminal would act on
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def csv_cell(t) -> str:
    """A term as a CSV cell a spreadsheet will not run: text starting with ``= + - @``, a tab or a
    carriage return gets a leading ``'`` (OWASP's rule for CSV injection); numbers stay numbers."""
    if t is None:
        return ""
    text = str(t)
    numeric = getattr(t, "datatype", None) is not None and str(t.datatype) in _NUMERIC
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not numeric:
        return "'" + text
    return text


def visible(text: str) -> str:
    """Text with the control characters a terminal would act on shown as ``\\xNN``."""
    return _TERMINAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


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
                w.writerow([csv_cell(t) for t in row])
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
            r.bindings = [{Variable(v): _xml_safe(t) for v, t in zip(self.vars, row) if t is not None} for row in self.rows]
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


def _xml_safe(t):
    """The term with characters XML cannot carry replaced by U+FFFD (a query can make them)."""
    from rdflib import Literal

    text = str(t)
    if not _XML_INVALID.search(text):
        return t
    clean = _XML_INVALID.sub("\ufffd", text)
    if isinstance(t, URIRef):
        return URIRef(clean)
    if isinstance(t, Literal):
        return Literal(clean, lang=t.language, datatype=t.datatype)
    return t


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
    s = visible(" ".join(s.split()))
    if _width(s) <= width:
        return s
    out = ""
    for c in s:
        if _width(out + c) > width - 1:
            break
        out += c
    return out + "…"
