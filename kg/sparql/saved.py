"""Saved queries: ``queries/*.rq`` with a Korean title and description in their header."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.sparql.errors import SparqlError


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
        if path.suffix.lower() in (".rq", ".sparql", ".txt") or _is_file(path):
            try:
                return path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise SparqlError(f"no such query file or saved query: {query_or_file}") from None
            except (UnicodeDecodeError, IsADirectoryError):
                raise SparqlError(f"cannot read the query file as UTF-8 text: {query_or_file}") from None
    return query_or_file


def _is_file(path: Path) -> bool:
    """Whether ``path`` names a file; a one-line query too long to be a file name is not one."""
    try:
        return path.is_file()
    except OSError:  # ENAMETOOLONG and the like
        return False
