"""Hybrid Korean search over a build: query analysis, ranking and highlights.

``analysis`` reads a question against the graph's vocabulary (shared with exact answers),
``rank`` fuses the lexical, n-gram and dense signals and applies the analysis, ``params``
holds every weight, ``highlight`` marks matched words. The index is read through
``kg.index.store.read_index`` and its typed records (``kg.index.contract``); nothing in
``kg.index`` imports from here.
"""
from __future__ import annotations

from pathlib import Path

from kg.search.analysis import QueryAnalysis
from kg.search.highlight import highlights
from kg.search.params import DEFAULT, SearchParams
from kg.search.rank import MAX_QUERY_CHARS, QueryError, Result, Searcher, clean_query

__all__ = ["DEFAULT", "MAX_QUERY_CHARS", "QueryAnalysis", "QueryError", "Result", "SearchParams", "Searcher",
           "clean_query", "highlights", "load_searcher"]


def load_searcher(build_dir: Path, embedder=None, params: SearchParams = DEFAULT) -> Searcher:
    """The searcher over a build's index (the caller checks ``stale_reason`` first)."""
    from kg.index.store import read_index

    from kg.meta import build_documents

    idx = read_index(build_dir, embedder)
    return Searcher(idx.data, idx.lexical, idx.ngrams, dense=idx.dense, embedder=embedder, params=params,
                    documents=build_documents(build_dir))
