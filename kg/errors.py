"""The one exception family of the library.

Each error carries its own ``exit_code`` (the CLI) and ``http_status`` (the endpoint), so the
places that turn errors into exit codes, HTTP answers and messages need no chain of excepts;
anything that is not a ``KgError`` is a bug.
"""
from __future__ import annotations


class KgError(Exception):
    """Base class: a user-facing problem with a one-line message."""

    exit_code = 2
    http_status = 400

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return where + " ".join(self.message.split())


class InputError(KgError):
    """A source document cannot be read: missing, empty, binary, undecodable."""


class ParseError(KgError):
    """A document was recognised but its structure is broken (for example truncated)."""


class ValidationError(KgError):
    """The built graph violates the SHACL shapes or the budget consistency rules."""

    exit_code = 3


class BuildMissingError(KgError):
    """A reading command found no usable build."""

    http_status = 503
