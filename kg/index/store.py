"""An index directory: node records, lexical and dense indexes, and a manifest.

Layout under ``<build>/index/``: the records of ``kg.index.contract`` (``nodes.jsonl``,
``entities.json``, ``types.json``, ``links.json``, ``glossary.json``), ``lexical/`` and
``ngrams/`` (bm25s), ``dense/`` (faiss) and ``manifest.json``. The manifest names the graph it
was built from (sha256 of graph.ttl), the embedder and the library versions; an index
whose manifest does not match is rebuilt, never used.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from kg.lang.korean import tokens_many
from kg.integrity import BuildDamagedError, file_table, sha256_file, verify
from kg.index.lexical import LexicalIndex, NgramIndex
from kg.index.contract import IndexData, IndexNode
from kg.index.texts import Glossary, alignment_data, linkable, near_words, node_docs, scope_words

INDEX_DIR = "index"
MANIFEST = "manifest.json"
FORMAT_VERSION = 9  # 3: files listed; 5: near words; 6: English names; 7: no section per node; 8: bureaus linkable; 9: scope words


def graph_hash(build_dir: Path) -> str:
    return sha256_file(Path(build_dir) / "graph.ttl")


def type_words(ontology: Graph, types: set[str]) -> dict[str, frozenset[str]]:
    """Head word of each class label (사업, 지역, 전략 …) → node types it names; and, for a
    label of two words or more, its last two words run together (세부사업, 성과지표), which name
    the class itself rather than everything its head word names."""
    from rdflib import URIRef

    from kg.lang.korean import tokens
    from kg.index.texts import class_words
    from kg.rdf.vocab import KG

    out: dict[str, set[str]] = {}
    for t in types:
        for label in class_words(ontology, URIRef(KG._NS + t)):
            toks = tokens(label)
            # a one-syllable head only when it is the whole label (팀), not a suffix (지역 발전 → 전)
            if toks and (len(toks[-1]) >= 2 or len(toks) == 1):
                out.setdefault(toks[-1], set()).add(t)
        for label in _own_labels(ontology, URIRef(KG._NS + t)):
            toks = tokens(label)
            if len(toks) >= 2:
                out.setdefault("".join(toks[-2:]), set()).add(t)
    return {k: frozenset(v) for k, v in out.items()}


def _own_labels(ontology: Graph, cls) -> list[str]:
    from rdflib import RDFS
    from rdflib.namespace import SKOS

    return [str(x) for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel) for x in ontology.objects(cls, p)]


def build_index(build_dir: Path, graph: Graph, ontology: Graph, embedder=None, progress=lambda _: None, docs=None,
                glossary: Graph | None = None, glossary_digest: str | None = None) -> Path:
    """Write ``<build_dir>/index`` atomically and return its path. ``glossary_digest`` is the
    glossary file's sha256 (``kg.rdf.io.glossary_digest``), recorded for ``stale_reason``."""
    build_dir = Path(build_dir)
    final = build_dir / INDEX_DIR
    tmp = build_dir / f".{INDEX_DIR}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        progress("index: node texts from the graph")
        docs = docs if docs is not None else node_docs(graph, ontology, glossary)
        gloss = Glossary(glossary) if glossary is not None else None
        toks = tokens_many([d.index_text for d in docs])
        alignments, strategies, themes = alignment_data(graph)
        progress("index: near words (Kiwi's morpheme embeddings)")
        IndexData(
            nodes=[IndexNode(d.iri, d.type, d.label, d.text, tuple(sorted(set(t)))) for d, t in zip(docs, toks)],
            near_words=near_words({w for t in toks for w in t}),
            entities=linkable(graph, gloss),
            type_words=type_words(ontology, {d.type for d in docs}),
            alignments=alignments,
            strategies=strategies,
            themes=themes,
            synonyms=gloss.synonym_groups() if gloss is not None else [],
            scope_words=scope_words(graph, gloss, docs, toks),
        ).write(tmp)
        progress(f"index: BM25 over {len(docs)} nodes")
        LexicalIndex.build([d.index_text for d in docs]).save(tmp / "lexical")
        progress("index: character n-grams")
        NgramIndex.build([d.index_text for d in docs]).save(tmp / "ngrams")
        dense_info = None
        if embedder is not None:
            from kg.index.dense import DenseIndex

            progress(f"index: embeddings with {embedder.name}")
            DenseIndex.build(embedder.encode([d.index_text for d in docs])).save(tmp / "dense")
            dense_info = {"embedder": embedder.name, "dimension": embedder.dimension}
        manifest = {
            "format": FORMAT_VERSION,
            "graph_sha256": graph_hash(build_dir),
            "glossary_sha256": glossary_digest,
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
    if m.get("versions") != _versions():
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
