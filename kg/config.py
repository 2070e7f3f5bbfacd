"""Settings: one object, every setting with a default, a help line and its environment variable.

A value that cannot be used (``KG_SPARQL_TIMEOUT=abc``, a negative row cap) is a
``SettingsError`` naming the variable and what it accepts, never a traceback.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from kg.errors import KgError

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(KgError):
    """A setting (an environment variable or an option) has a value this program cannot use."""


def _env_path(name: str, default: Path) -> Path:
    return Path(os.environ[name]) if os.environ.get(name) else default


def number(text: str, name: str, low: float, high: float, integer: bool = False) -> float | int:
    """``text`` as a number in [low, high] (an int when ``integer``), or a SettingsError."""
    kind = "a whole number" if integer else "a number"
    try:
        value = int(text) if integer else float(text)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be {kind} from {low:g} to {high:g}, not {text!r}") from None
    if not (isinstance(value, int) or math.isfinite(value)) or not low <= value <= high:
        raise SettingsError(f"{name} must be {kind} from {low:g} to {high:g}, not {text!r}")
    return value


def _env_number(name: str, default: float, low: float, high: float, integer: bool = False):
    raw = os.environ.get(name)
    return default if raw in (None, "") else number(raw, name, low, high, integer)


# bounds shared by the settings and the command-line options that override them
TIMEOUT_RANGE = (0.1, 600.0)
MAX_ROWS_RANGE = (1, 10_000_000)


@dataclass(frozen=True)
class Settings:
    raw_dir: Path = field(
        default_factory=lambda: _env_path("KG_RAW", ROOT / "data" / "raw"),
        metadata={"help": "Folder of source documents (*.txt, *.md) read by `kg build` (env KG_RAW)."},
    )
    build_dir: Path = field(
        default_factory=lambda: _env_path("KG_BUILD", ROOT / "data" / "build"),
        metadata={"help": "Folder of build artefacts: graph, manifest, indexes (env KG_BUILD)."},
    )
    ontology_dir: Path = field(
        default_factory=lambda: _env_path("KG_ONTOLOGY", ROOT / "ontology"),
        metadata={"help": "Folder with kg.ttl, concepts.ttl and shapes.ttl (env KG_ONTOLOGY)."},
    )
    queries_dir: Path = field(
        default_factory=lambda: _env_path("KG_QUERIES", ROOT / "queries"),
        metadata={"help": "Folder of saved SPARQL queries (*.rq) used by `kg links` and the app (env KG_QUERIES)."},
    )
    sparql_timeout: float = field(
        default_factory=lambda: _env_number("KG_SPARQL_TIMEOUT", 5.0, *TIMEOUT_RANGE),
        metadata={"help": "Seconds a SPARQL query may take, waiting for a worker included, before it is stopped "
                  "(0.1–600; env KG_SPARQL_TIMEOUT)."},
    )
    sparql_max_rows: int = field(
        default_factory=lambda: _env_number("KG_SPARQL_MAX_ROWS", 10_000, *MAX_ROWS_RANGE, integer=True),
        metadata={"help": "Most rows a SPARQL result returns; a cut result is flagged `truncated` "
                  "(1–10,000,000; env KG_SPARQL_MAX_ROWS)."},
    )
    sparql_worker_memory_mb: int = field(
        default_factory=lambda: _env_number("KG_SPARQL_WORKER_MEMORY_MB", 2048, 64, 1 << 20, integer=True),
        metadata={"help": "Memory (MiB) a SPARQL worker may map beyond what it maps when forked; a query past it "
                  "is stopped with 'needed too much memory' and the worker replaced (env KG_SPARQL_WORKER_MEMORY_MB)."},
    )
    app_max_timeout: float = field(
        default_factory=lambda: _env_number("KG_APP_MAX_TIMEOUT", 30.0, *TIMEOUT_RANGE),
        metadata={"help": "Longest SPARQL timeout (seconds) a visitor of the app may choose (env KG_APP_MAX_TIMEOUT)."},
    )
    max_source_mb: float = field(
        default_factory=lambda: _env_number("KG_MAX_SOURCE_MB", 10.0, 0.001, 10_000.0),
        metadata={"help": "Largest source file (MB) `kg build` reads; a larger one stops the build with its name "
                  "(env KG_MAX_SOURCE_MB)."},
    )
    max_document_chars: int = field(
        default_factory=lambda: _env_number("KG_MAX_DOCUMENT_CHARS", 500_000, 1_000, 1_000_000_000, integer=True),
        metadata={"help": "Most characters of one decoded source document (env KG_MAX_DOCUMENT_CHARS)."},
    )
    embedder: str = field(
        default_factory=lambda: os.environ.get("KG_EMBEDDER", "builtin"),
        metadata={"help": "Embedding model: `builtin` (made from the corpus by `kg build`), a local "
                  "sentence-transformers folder, or a model name (env KG_EMBEDDER)."},
    )
    allow_download: bool = field(
        default_factory=lambda: os.environ.get("KG_ALLOW_DOWNLOAD", "") == "1",
        metadata={"help": "Let the embedder fetch a named model from a model hub (env KG_ALLOW_DOWNLOAD=1); "
                  "off by default: everything works offline."},
    )


    def source_limits(self):
        """The source limits of these settings (``kg.parse.text.SourceLimits``)."""
        from kg.parse.text import SourceLimits

        return SourceLimits(max_bytes=int(self.max_source_mb * 1e6), max_chars=self.max_document_chars)


def describe() -> dict[str, str]:
    """Every setting with its help line (documented settings are tested)."""
    return {f.name: f.metadata["help"] for f in fields(Settings)}
