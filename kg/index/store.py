"""An index directory: node records, lexical and dense indexes, and a manifest.

Layout under ``<build>/index/``: the records of ``kg.index.contract`` (``nodes.jsonl``,
``entities.json``, ``types.json``, ``links.json``, ``glossary.json``), ``lexical/`` and
``ngrams/`` (bm25s), ``dense/`` (faiss) and ``manifest.json``. The manifest names the graph it
was built from (sha256 of graph.ttl), the embedder and the library versions; an index
whose manifest does not match is rebuilt, never used.

This module reads an index (and says whether it is stale) without importing rdflib or faiss;
``kg.index.build`` writes one.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kg.integrity import BuildDamagedError, sha256_file, verify
from kg.index.lexical import LexicalIndex, NgramIndex
from kg.index.contract import IndexData

INDEX_DIR = "index"
MANIFEST = "manifest.json"
FORMAT_VERSION = 9  # 3: files listed; 5: near words; 6: English names; 7: no section per node; 8: bureaus linkable; 9: scope words


def graph_hash(build_dir: Path) -> str:
    return sha256_file(Path(build_dir) / "graph.ttl")


def library_versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("kiwipiepy", "bm25s", "faiss-cpu", "sentence-transformers", "numpy", "PyStemmer"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    from kg.lang import korean

    out["tokenizer"] = korean.fingerprint()
    return out


def read_manifest(build_dir: Path) -> dict | None:
    path = Path(build_dir) / INDEX_DIR / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def stale_reason(build_dir: Path, embedder=None, glossary_digest: str | None = None) -> str | None:
    """Why the index of ``build_dir`` cannot be used as it is, or None when it can."""
    m = read_manifest(build_dir)
    if m is None:
        return "no index"
    if m.get("format") != FORMAT_VERSION:
        return "index format changed"
    if m.get("graph_sha256") != graph_hash(build_dir):
        return "graph changed since the index was built"
    want = {"embedder": embedder.name, "dimension": embedder.dimension} if embedder is not None else None
    if m.get("dense") != want:
        return "embedder changed"
    if m.get("glossary_sha256") != glossary_digest:
        return "glossary changed"
    if m.get("versions") != library_versions():
        return "library versions changed"
    return None


@dataclass
class LoadedIndex:
    """An index folder as search reads it: the typed records and the two indexes."""

    data: IndexData
    lexical: LexicalIndex
    ngrams: NgramIndex
    dense: object | None  # a DenseIndex when an embedder was given


def read_index(build_dir: Path, embedder=None) -> LoadedIndex:
    """A build's index, after checking its files (the caller checks ``stale_reason`` first)."""
    idx = Path(build_dir) / INDEX_DIR
    verify(idx, (read_manifest(build_dir) or {}).get("files"), "index")
    try:
        dense = None
        if embedder is not None:
            from kg.index.dense import DenseIndex

            dense = DenseIndex.load(idx / "dense")
        return LoadedIndex(IndexData.read(idx), LexicalIndex.load(idx / "lexical"), NgramIndex.load(idx / "ngrams"), dense)
    except Exception as exc:  # verified files that still do not load: a library or format mismatch
        raise BuildDamagedError(f"{idx}: the index cannot be read ({type(exc).__name__}); rebuild with kg build") from None
