"""BM25 over Korean morphemes (bm25s), saved as bm25s's plain files."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from kg.index.korean import query_tokens, tokens_many


class LexicalIndex:
    def __init__(self, retriever):
        self._bm25 = retriever

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        import bm25s

        retriever = bm25s.BM25(k1=1.2, b=0.5)
        retriever.index(tokens_many(texts), show_progress=False)
        return cls(retriever)

    def save(self, path: Path) -> None:
        self._bm25.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(path), show_progress=False))

    def scores(self, query: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """BM25 score of every node for ``query`` and the query's tokens."""
        toks = query_tokens(query)
        vocab = self._bm25.vocab_dict
        known = [t for t in toks if t in vocab]
        if not known:
            return np.zeros(self._bm25.scores["num_docs"], dtype=np.float32), toks
        return self._bm25.get_scores(known), toks
