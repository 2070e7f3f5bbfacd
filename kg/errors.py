"""The one exception family of the library.

The CLI, the SPARQL endpoint and the app turn these into exit codes, HTTP statuses and
messages; anything that is not a ``KgError`` is a bug and may show a traceback.
"""
from __future__ import annotations


class KgError(Exception):
    """Base class: a user-facing problem with a one-line message."""

    exit_code = 2

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
