"""What the serving process checks before a query goes to a worker: cheap, linear, and safe to
run on any text.

The checks read the query as SPARQL *tokens* (the grammar's terminals: strings, IRIs,
comments ending at CR or LF, prefixed names, variables, keywords), after SPARQL's ``\\u``
escape processing, and refuse

- anything but a query form (SELECT, ASK, CONSTRUCT, DESCRIBE): SPARQL Update is refused;
- ``SERVICE`` and ``FROM`` / ``FROM NAMED``;
- texts past the size limits, groups nested too deeply, runs of unary operators and chains
  of operators long enough to exhaust a recursive parser's stack.

These checks give clear messages; they are not what keeps the network closed. A token reader
can disagree with the engine's parser on some odd text, so the engine only ever runs in a
worker that cannot open a network socket at all (``kg.sparql.sandbox``) and is handed the
dataset explicitly. Parsing and evaluation happen there too, never in the serving process.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.sparql.errors import QueryRefused, QuerySyntaxError

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
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


@dataclass(frozen=True)
class QueryLimits:
    """Bounds on a query's text, checked before any parser sees it.

    The engine's parser is recursive: 5,000 nested ``[`` or ``{``, 5,000 ``!`` or 10,000
    ``1+1+…`` terms overflow its stack (measured with pyoxigraph 0.5: a segfault), and 200
    nested blank nodes take 14 s to parse while 64 take 0.15 s. Hand-written and generated
    analyst queries stay far below every bound.
    """

    max_chars: int = 100_000
    """Longest query text (characters)."""
    max_nesting: int = 64
    """Deepest nesting of ``{ ( [`` and ``<< >>`` together."""
    max_unary_run: int = 32
    """Longest run of prefix operators (``!``, ``-``, ``+``) in a row."""
    max_operators: int = 1_000
    """Most binary operators within one bracket (a chain ``a || b || …`` parses as a tree that
    deep); long alternatives belong in ``VALUES`` or ``IN ( … )``."""


LIMITS = QueryLimits()

# SPARQL processes \u and \U escapes over the whole text before parsing: so do the checks
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Every quantifier is possessive and the alternatives start differently, so each token is found
# without backtracking: the scan is linear whatever the text (a run of `a.a.a.…` included).
_NAME_CHARS = r"[\w\-.:%\\\u00B7\u0300-\u036F\u203F-\u2040]"
# the four string forms; quotes are read by ``_STRING`` alone (see ``_tokens``)
_STRING = re.compile(
    r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*+"""'
    r"|'''(?:[^'\\]|\\[\s\S]|'(?!''))*+'''"
    r'|"(?:[^"\\\r\n]|\\.)*+"'
    r"|'(?:[^'\\\r\n]|\\.)*+'"
)
_TOKEN = re.compile(
    r"(?P<ws>[ \t\r\n]++)"
    r"|(?P<comment>\#[^\r\n]*+)"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*+>)"
    r"|(?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]++)"
    r"|(?P<lang>@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+)"
    r"|(?P<number>\d++(?:\.\d++)?(?:[eE][+-]?\d++)?|\.\d++(?:[eE][+-]?\d++)?)"
    r"|(?P<name>(?:[^\W\d]|:)" + _NAME_CHARS + r"*+)"
    r"|(?P<punct>\^\^|\|\||&&|!=|<=|>=|<<|>>|\{\||\|\}|[{}()\[\],;.*+\-/=<>!|^?$])"
    r"|(?P<other>[\s\S])"
)
_OPEN = {"{": "}", "(": ")", "[": "]", "<<": ">>", "{|": "|}"}
_CLOSE = set(_OPEN.values())
_UNARY = {"!", "+", "-"}
_BINARY = {"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|", "^"}
_OPERAND = {"var", "iri", "string", "number", "name", "close"}
_WORD = re.compile(r"[^\W\d]\w*+")


def unescape(query: str) -> str:
    """The text after SPARQL's codepoint escape processing (``\\u0049`` → ``I``)."""
    def chr_of(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group(0)

    return _ESCAPE.sub(chr_of, query)


def _tokens(text: str, less_than: bool):
    """(kind, token) of the significant tokens, in one linear scan.

    ``less_than`` (the strict reading): ``<`` right after an operand inside an expression — a
    bracket opened after a keyword or built-in (FILTER(, BIND(, STR( …), or inside such a bracket
    — is the operator, never the start of an IRI, as a parser reads it; an unterminated string is
    an error. The other reading takes every ``<…>`` for an IRI; a quote that opens no string
    there is passed over (once per line, so the scan stays linear) — the strict reading judges it.
    """
    pos, n = 0, len(text)
    frames: list[bool] = []  # per open bracket: is it an expression?
    previous, keyword = "", False  # the last significant token's kind; was it a keyword or built-in?
    failed_short: dict[str, int] = {}  # quote → end of the line where it opened no string
    failed_long: set[str] = set()  # triple quotes that open no string up to the end
    while pos < n:
        ch = text[pos]
        if less_than and ch == "<" and previous in _OPERAND and frames and frames[-1] and text[pos:pos + 2] != "<<":
            tok = "<=" if text[pos:pos + 2] == "<=" else "<"
            kind, end = "punct", pos + len(tok)
        elif ch in "'\"":
            triple = text.startswith(ch * 3, pos)
            blocked = ch in failed_long if triple else failed_short.get(ch, -1) > pos
            m = None if blocked else _STRING.match(text, pos)
            if m:
                kind, tok, end = "string", m.group(), m.end()
            elif less_than:
                raise QuerySyntaxError(f"malformed SPARQL: the string opened at character {pos + 1} is never closed")
            else:
                if triple:
                    failed_long.add(ch)
                else:
                    eol = min((i for i in (text.find("\n", pos), text.find("\r", pos)) if i >= 0), default=n)
                    failed_short[ch] = eol
                kind, tok, end = "other", ch, pos + 1
        else:
            m = _TOKEN.match(text, pos)
            kind, tok, end = m.lastgroup, m.group(), m.end()
        if kind == "name" and ":" not in tok:
            # words (keywords, functions, `a`) hold no dot: `a.SERVICE` is a, ., SERVICE — the whole
            # run is split here at once, so a run of `a.a.a.…` costs one pass
            for i, part in enumerate(tok.split(".")):
                if i:
                    yield "punct", "."
                if part:
                    yield ("name" if _WORD.fullmatch(part) else "other"), part
            last = tok.split(".")[-1]
            previous, keyword = ("punct", False) if not last else ("name", last != "a")
            pos = end
            continue
        if kind == "name":
            tok = tok.rstrip(".") or tok  # a trailing dot ends a triple, not a prefixed name
            end = pos + len(tok)
        pos = end
        if kind in ("ws", "comment"):
            continue
        if kind == "punct" and tok in _OPEN:
            # an expression: a call of a keyword or built-in, or any bracket inside an expression;
            # a bracket after a prefixed name or `a` is a collection or a path group
            frames.append(tok == "(" and ((previous == "name" and keyword) or (bool(frames) and frames[-1])))
        elif kind == "punct" and tok in _CLOSE and frames:
            frames.pop()
        yield kind, tok
        previous, keyword = ("close" if kind == "punct" and tok in _CLOSE else kind), False


def check(query: str, limits: QueryLimits = LIMITS) -> str:
    """The kind of a query (SELECT, ASK, CONSTRUCT, DESCRIBE) that passes every check.

    Linear in the length of the text and never recursive, so any text is safe here; the
    syntax itself is checked by the engine in a worker. The text is read twice — ``<`` after an
    operand in an expression first as an IRI's start, then as less-than — and must pass both
    readings. Raises QuerySyntaxError or QueryRefused with a one-line reason.
    """
    if not isinstance(query, str) or not query.strip():
        raise QuerySyntaxError("empty query")
    if len(query) > limits.max_chars:
        raise QueryRefused(f"query is {len(query):,} characters; the limit is {limits.max_chars:,}")
    text = unescape(query)
    head = _check_reading(text, limits, less_than=False)
    _check_reading(text, limits, less_than=True)
    return head


def _check_reading(text: str, limits: QueryLimits, less_than: bool) -> str:
    words: list[str] = []
    depth = unary = 0
    operators = [0]
    previous = ""  # the last significant token's kind
    for kind, tok in _tokens(text, less_than):
        if kind == "name" and ":" not in tok:
            words.append(tok.upper())
        elif kind == "punct":
            if tok in _OPEN:
                depth += 1
                operators.append(0)
                if depth > limits.max_nesting:
                    raise QueryRefused(f"query nests groups deeper than {limits.max_nesting} levels")
            elif tok in _CLOSE:
                depth = max(0, depth - 1)
                if len(operators) > 1:
                    operators.pop()
            elif tok in (",", ";", "."):
                operators[-1] = 0
            if tok in _UNARY and previous in ("punct", ""):
                unary += 1
                if unary > limits.max_unary_run:
                    raise QueryRefused(f"more than {limits.max_unary_run} prefix operators in a row")
            else:
                unary = 0
            if tok in _BINARY:
                operators[-1] += 1
                if operators[-1] > limits.max_operators:
                    raise QueryRefused(f"an expression of more than {limits.max_operators:,} operators; "
                                       "put long alternatives in VALUES or IN ( … )")
        if kind != "punct":
            unary = 0
        previous = kind if kind != "punct" or tok not in _CLOSE else "operand"
    head = next((w for w in words if w not in ("BASE", "PREFIX")), "")
    if head in UPDATE_WORDS or (head not in QUERY_FORMS and UPDATE_WORDS & set(words)):
        raise QueryRefused("SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE …) is not allowed: the graph is read-only")
    if "SERVICE" in words:
        raise QueryRefused("SERVICE is not allowed: queries never reach other endpoints")
    if "FROM" in words:
        raise QueryRefused("FROM / FROM NAMED are not allowed: the store holds one graph and never fetches others")
    if head not in QUERY_FORMS:
        raise QuerySyntaxError("expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return head


def with_prefixes(query: str) -> str:
    """The query with the usual prefixes (kg, kgc, rdfs, skos …) declared when it does not."""
    declared = {m.lower() for m in re.findall(r"(?im)^\s*PREFIX\s+([A-Za-z][\w.-]*)?:", query)}
    missing = [f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items() if p not in declared and re.search(rf"(?<![\w:]){p}:", query)]
    return "\n".join(missing + [query]) if missing else query
