"""Writing an index folder from a build's graph (``kg.index.store`` reads it).

The node texts come from the graph (``kg.index.texts``); the records, both lexical indexes, the
dense vectors when an embedder is given, and the manifest are written to a temporary folder
that replaces the old index in one rename, so a failed build leaves the previous index whole.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from rdflib import Graph

from kg.lang.korean import tokens_many
from kg.integrity import file_table
from kg.index.lexical import LexicalIndex, NgramIndex
from kg.index.contract import IndexData, IndexNode
from kg.index.store import FORMAT_VERSION, INDEX_DIR, MANIFEST, library_versions, graph_hash
from kg.index.texts import Glossary, alignment_data, linkable, near_words, node_docs, scope_words


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
            "versions": library_versions(),
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
