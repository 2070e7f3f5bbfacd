"""The errors of guarded SPARQL, each with its exit code (CLI) and HTTP status (endpoint)."""
from __future__ import annotations

from kg.errors import KgError


class SparqlError(KgError):
    """A query that cannot be run: malformed, refused, or failed while evaluating."""

    exit_code = 2
    http_status = 400


class QuerySyntaxError(SparqlError):
    """The text is not valid SPARQL; ``line`` and ``column`` say where."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.column = column
        self.reason = message
        where = f" (line {line}, column {column})" if line else ""
        super().__init__(message + where)
        self.line = line


class QueryRefused(SparqlError):
    """Valid SPARQL that this service does not run (updates, SERVICE, FROM, past a size limit)."""


class QueryStopped(SparqlError):
    """The query was stopped by a limit of the service (time, memory, capacity): try again
    narrower or later. Never a partial answer."""

    exit_code = 5
    http_status = 503


class QueryTimeout(QueryStopped):
    """The query ran longer than the timeout and was stopped."""


class QueryMemoryError(QueryStopped):
    """The query needed more memory than a worker may use; the worker was replaced."""


class ServiceBusy(QueryTimeout):
    """No worker became free within the timeout."""


class TooManyRequests(QueryStopped):
    """One client has more queries in flight than it may (HTTP 429 with ``Retry-After``)."""

    http_status = 429
    retry_after = 1


class QueryCrashed(SparqlError):
    """The evaluator process ended on this query (a crash, not a limit); it was replaced."""
