"""The JSON answers of search and exact answers: one shape for ``kg search --json``,
``kg ask --json`` and ``kg serve``'s ``/api/search`` and ``/api/ask``.

- ``search_row`` / ``ask_row``: the objects themselves, from a searcher and an asker;
- ``Service``: what the server answers with them — bounded input, one search at a time in the
  server's process (a search takes milliseconds; a queue longer than ``busy_wait_s`` is answered
  503 with ``Retry-After``), the exact answers' SPARQL on the server's guarded pool;
- ``remote_search`` / ``remote_ask``: the client, for ``kg search --endpoint`` and
  ``kg ask --endpoint`` (one deadline, a size cap, no redirects: ``kg.httpfetch``).
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
import urllib.parse
from dataclasses import dataclass

MAX_K = 100
MAX_ANSWER_BYTES = 16 * 1024 * 1024


class ApiError(Exception):
    """A request the service does not answer: ``status`` is its HTTP status."""

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


def search_row(searcher, asker, query: str, k: int, embedder: bool = True, within=None) -> dict:
    """The ``kg search --json`` object of ``query``: results, the analysis, and the exact
    answer when the question is a structured one the asker reads (raises QueryError for a
    question with nothing to search); ``within`` (a ``kg.meta.Within``) keeps both to some
    documents and is said in ``"within"``."""
    analysis, found = searcher.search_explained(query, k, within)
    row = {"query": query}
    if within:
        row["within"] = within.to_json()
    if embedder:
        row["embedder"] = searcher.embedder_name
    row["results"] = [r.to_json() for r in found]
    row["analysis"] = analysis.to_json() if analysis is not None else None
    if analysis is not None and asker is not None:
        answer = asker.ask(query, analysis, within)
        if answer.understood:
            row["answer"] = answer.to_json()  # the exact answer, when the question is a structured one
    return row


def ask_row(asker, question: str, within=None) -> dict:
    """The ``kg ask --json`` object of ``question``."""
    return asker.ask(question, within=within).to_json()


@dataclass(frozen=True)
class ServiceLimits:
    """What one request of the JSON API may ask."""

    max_k: int = MAX_K
    """Most results one search returns (``k`` above it is refused, 400)."""
    busy_wait_s: float = 2.0
    """How long a request waits for the search engine before it is answered 503 (a search takes
    milliseconds, so only a queue of many waits this long)."""


class Service:
    """``/api/search`` and ``/api/ask`` over one searcher and one asker, for ``kg serve``."""

    def __init__(self, searcher, asker, limits: ServiceLimits = ServiceLimits()):
        self.searcher, self.asker, self.limits = searcher, asker, limits
        self._engine = threading.Lock()  # Kiwi and the ranking run one question at a time

    def search(self, query: str | None, k: str | int | None = None, issuer=(), year=(), kind=()) -> dict:
        k, within = self._k(k), self._within(issuer, year, kind)
        with self._turn():
            return self._searched(lambda: search_row(self.searcher, self.asker, self._text(query), k, within=within))

    def ask(self, question: str | None, issuer=(), year=(), kind=()) -> dict:
        within = self._within(issuer, year, kind)
        with self._turn():
            return ask_row(self.asker, self._text(question), within)

    def _within(self, issuer, year, kind):
        from kg.errors import InputError
        from kg.meta import Within

        if len(issuer) + len(year) + len(kind) > 100:
            raise ApiError(400, "at most 100 issuer, year and kind values")
        try:
            return Within.of(issuer, year, kind)
        except InputError as exc:
            raise ApiError(400, str(exc)) from None

    def _searched(self, run) -> dict:
        from kg.search import QueryError

        try:
            return run()
        except QueryError as exc:
            raise ApiError(400, str(exc)) from None

    def _text(self, text: str | None) -> str:
        if text is None or not str(text).strip():
            raise ApiError(400, "missing 'q' parameter: the question, e.g. q=국민외교를 지원하는 사업은?")
        return str(text)

    def _k(self, k) -> int:
        if k is None or k == "":
            return 10
        try:
            value = int(k)
        except (TypeError, ValueError):
            raise ApiError(400, f"'k' must be a whole number from 1 to {self.limits.max_k}") from None
        if not 1 <= value <= self.limits.max_k:
            raise ApiError(400, f"'k' must be a whole number from 1 to {self.limits.max_k}")
        return value

    @contextmanager
    def _turn(self):
        if not self._engine.acquire(timeout=self.limits.busy_wait_s):
            raise ApiError(503, "the search service is busy; retry in a moment", retry_after=1)
        try:
            yield
        finally:
            self._engine.release()


def base_url(endpoint: str) -> str:
    """The server's root from what a user gives: ``http://host:port``, with or without a path
    such as ``/sparql`` or ``/api/search``."""
    parts = urllib.parse.urlsplit(endpoint.strip())
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "", "", "")).rstrip("/")


def _get(endpoint: str, route: str, params, timeout: float) -> dict:
    from kg.errors import InputError
    from kg.httpfetch import FetchError, fetch

    url = f"{base_url(endpoint)}{route}?{urllib.parse.urlencode(params)}"
    try:
        ctype, body = fetch(url, "application/json", timeout, MAX_ANSWER_BYTES)
    except FetchError as exc:
        raise InputError(str(exc)) from None
    if ctype != "application/json":
        raise InputError(f"the endpoint answered {ctype or 'without a media type'}; expected JSON (is it kg serve?)")
    try:
        row = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InputError("the endpoint's answer is not valid JSON") from None
    if not isinstance(row, dict):
        raise InputError("the endpoint's answer is not a JSON object")
    return row


def _within_params(within) -> list[tuple[str, str]]:
    if not within:
        return []
    return ([("issuer", i) for i in sorted(within.issuers)] + [("year", str(y)) for y in sorted(within.years)]
            + [("kind", x) for x in sorted(within.kinds)])


def remote_search(endpoint: str, query: str, k: int, timeout: float = 10.0, within=None) -> dict:
    """``/api/search`` of a running ``kg serve``: the ``kg search --json`` object."""
    row = _get(endpoint, "/api/search", [("q", query), ("k", k), *_within_params(within)], timeout)
    if not isinstance(row.get("results"), list):
        from kg.errors import InputError

        raise InputError("the endpoint's answer has no results list (is it kg serve?)")
    return row


def remote_ask(endpoint: str, question: str, timeout: float = 10.0, within=None) -> dict:
    """``/api/ask`` of a running ``kg serve``: the ``kg ask --json`` object."""
    row = _get(endpoint, "/api/ask", [("q", question), *_within_params(within)], timeout)
    if "understood" not in row:
        from kg.errors import InputError

        raise InputError("the endpoint's answer is not an exact answer (is it kg serve?)")
    return row
