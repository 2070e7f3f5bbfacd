"""An index directory: node records, lexical and dense indexes, and a manifest.

Layout under ``<build>/index/``: ``nodes.jsonl``, ``entities.json``, ``links.json`` (plan ↔
brief alignments, for questions about what supports a strategy), ``lexical/`` (bm25s),
``dense/`` (faiss + vectors' model) and ``manifest.json``. The manifest names the graph it
was built from (sha256 of graph.ttl), the embedder and the library versions; an index
whose manifest does not match is rebuilt, never used.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from rdflib import Graph

from kg.index.korean import tokens_many
from kg.integrity import BuildDamagedError, file_table, sha256_file, verify
from kg.index.lexical import LexicalIndex
from kg.index.texts import alignment_data, linkable, node_docs

INDEX_DIR = "index"
MANIFEST = "manifest.json"
LINKS = "links.json"
FORMAT_VERSION = 3  # 3: the manifest lists its files


def graph_hash(build_dir: Path) -> str:
    return sha256_file(Path(build_dir) / "graph.ttl")


def type_words(ontology: Graph, types: set[str]) -> dict[str, list[str]]:
    """Head word of each class label (사업, 지역, 전략 …) → node types it names."""
    from rdflib import URIRef

    from kg.index.korean import tokens
    from kg.index.texts import class_words
    from kg.rdf.vocab import KG

    out: dict[str, set[str]] = {}
    for t in types:
        for label in class_words(ontology, URIRef(KG._NS + t)):
            toks = tokens(label)
            if toks and len(toks[-1]) >= 2:
                out.setdefault(toks[-1], set()).add(t)
    return {k: sorted(v) for k, v in out.items()}


def build_index(build_dir: Path, graph: Graph, ontology: Graph, embedder=None, progress=lambda _: None, docs=None) -> Path:
    """Write ``<build_dir>/index`` atomically and return its path."""
    build_dir = Path(build_dir)
    final = build_dir / INDEX_DIR
    tmp = build_dir / f".{INDEX_DIR}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        progress("index: node texts from the graph")
        docs = docs if docs is not None else node_docs(graph, ontology)
        toks = tokens_many([d.index_text for d in docs])
        with open(tmp / "nodes.jsonl", "w", encoding="utf-8") as f:
            for d, t in zip(docs, toks):
                row = {"iri": d.iri, "type": d.type, "label": d.label, "text": d.text, "index_tokens": sorted(set(t))}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        ents = {iri: [t, names, sorted(links)] for iri, (t, names, links) in linkable(graph).items()}
        (tmp / "entities.json").write_text(json.dumps(ents, ensure_ascii=False), encoding="utf-8")
        (tmp / LINKS).write_text(json.dumps(alignment_data(graph), ensure_ascii=False), encoding="utf-8")
        (tmp / "types.json").write_text(json.dumps(type_words(ontology, {d.type for d in docs}), ensure_ascii=False), encoding="utf-8")
        progress(f"index: BM25 over {len(docs)} nodes")
        LexicalIndex.build([d.index_text for d in docs]).save(tmp / "lexical")
        dense_info = None
        if embedder is not None:
            from kg.index.dense import DenseIndex

            progress(f"index: embeddings with {embedder.name}")
            DenseIndex.build(embedder.encode([d.index_text for d in docs])).save(tmp / "dense")
            dense_info = {"embedder": embedder.name, "dimension": embedder.dimension}
        manifest = {
            "format": FORMAT_VERSION,
            "graph_sha256": graph_hash(build_dir),
            "count": len(docs),
            "dense": dense_info,
            "versions": _versions(),
            "files": file_table(tmp),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        old = build_dir / f".{INDEX_DIR}.old-{os.getpid()}"
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("kiwipiepy", "bm25s", "faiss-cpu", "sentence-transformers", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def read_manifest(build_dir: Path) -> dict | None:
    path = Path(build_dir) / INDEX_DIR / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def stale_reason(build_dir: Path, embedder=None) -> str | None:
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
    if m.get("versions") != _versions():
        return "library versions changed"
    return None


def load_searcher(build_dir: Path, embedder=None):
    """The Searcher over a build's index, after checking its files (caller checks ``stale_reason`` first)."""
    idx = Path(build_dir) / INDEX_DIR
    verify(idx, (read_manifest(build_dir) or {}).get("files"), "index")
    try:
        return _load(idx, embedder)
    except Exception as exc:  # verified files that still do not load: a library or format mismatch
        raise BuildDamagedError(f"{idx}: the index cannot be read ({type(exc).__name__}); rebuild with kg build") from None


def _load(idx: Path, embedder):
    from kg.search import Searcher

    nodes = [json.loads(x) for x in (idx / "nodes.jsonl").read_text(encoding="utf-8").splitlines()]
    ents = {k: (v[0], v[1], set(v[2])) for k, v in json.loads((idx / "entities.json").read_text(encoding="utf-8")).items()}
    types = {k: set(v) for k, v in json.loads((idx / "types.json").read_text(encoding="utf-8")).items()}
    links = json.loads((idx / LINKS).read_text(encoding="utf-8"))
    dense = None
    if embedder is not None:
        from kg.index.dense import DenseIndex

        dense = DenseIndex.load(idx / "dense")
    return Searcher(nodes, LexicalIndex.load(idx / "lexical"), ents, types, dense=dense, embedder=embedder, links=links)
