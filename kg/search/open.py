"""Opening a build for search: the one entry commands, the app and benchmarks use.

Reads the build's index after checking it (the manifest's hashes, then whether it is stale for
this graph, glossary, embedder and library versions); a missing or stale index is rebuilt first.
Only that rebuild imports rdflib and the index writer: opening a current build loads the
lexical indexes, the records and the embedder, and nothing of the build pipeline.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def open_searcher(build_dir: Path, ontology_dir: Path, embedder: str = "builtin",
                  progress: Callable[[str], None] = lambda _: None, allow_download: bool = False):
    """The searcher of a build; an index that is missing or stale is rebuilt first."""
    from kg.index.embedder import load_embedder
    from kg.index.store import stale_reason
    from kg.integrity import verify_build
    from kg.rdf import io
    from kg.search import load_searcher

    build_dir = Path(build_dir)
    if not (build_dir / io.GRAPH_FILE).exists():
        io.load_graph(build_dir)  # raises the "run kg build" error
    verify_build(build_dir)  # the graph and the built-in embedder, before either is read
    model = load_embedder(embedder, build_dir, allow_download)
    digest = io.glossary_digest(ontology_dir)
    reason = stale_reason(build_dir, model, digest)
    if reason:
        from kg.index.build import build_index

        progress(f"index: {reason}; rebuilding")
        build_index(build_dir, io.load_graph(build_dir), io.ontology(ontology_dir)[0], embedder=model, progress=progress,
                    glossary=io.glossary(ontology_dir), glossary_digest=digest)
    return load_searcher(build_dir, model)
