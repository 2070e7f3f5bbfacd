"""Settings: one object, every setting with a default and a help line."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_path(name: str, default: Path) -> Path:
    return Path(os.environ[name]) if os.environ.get(name) else default


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
        default_factory=lambda: float(os.environ.get("KG_SPARQL_TIMEOUT", "5")),
        metadata={"help": "Seconds a SPARQL query may run before it is stopped (env KG_SPARQL_TIMEOUT)."},
    )
    sparql_max_rows: int = field(
        default_factory=lambda: int(os.environ.get("KG_SPARQL_MAX_ROWS", "10000")),
        metadata={"help": "Most rows a SPARQL result returns; a cut result is flagged `truncated` (env KG_SPARQL_MAX_ROWS)."},
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


def describe() -> dict[str, str]:
    """Every setting with its help line (documented settings are tested)."""
    return {f.name: f.metadata["help"] for f in fields(Settings)}
