"""BM25 (bm25s) over Korean morphemes, and over character n-grams; saved as bm25s's files.

The morpheme index is the main lexical signal. The n-gram index sees a text as the 2- and
3-character pieces of its white-space-free form, so a compound written without spaces
(자원봉사코디네이터인건비지원), a partial name or a typo still meets the words it is made of.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from kg.lang.keys import key
from kg.lang.korean import tokens_many

NGRAMS = (2, 3)


def ngrams(text: str) -> list[str]:
    """The character 2- and 3-grams of ``text`` without white space, lower case."""
    k = key(text or "").lower()
    return [k[i : i + n] for n in NGRAMS for i in range(len(k) - n + 1)]


class _Bm25:
    def __init__(self, retriever):
        self._bm25 = retriever

    @classmethod
    def _build(cls, token_lists: list[list[str]]):
        import bm25s

        retriever = bm25s.BM25(k1=1.2, b=0.5)
        retriever.index([t or [""] for t in token_lists], show_progress=False)
        return cls(retriever)

    def save(self, path: Path) -> None:
        self._bm25.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path):
        import bm25s

        return cls(bm25s.BM25.load(str(path), show_progress=False))

    @property
    def size(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def knows(self, token: str) -> bool:
        return token in self._bm25.vocab_dict

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._bm25.vocab_dict)

    def weighted(self, terms) -> np.ndarray:
        """Sum over ``(token, weight)`` of weight × the token's BM25 score, for every node."""
        vocab = self._bm25.vocab_dict
        out = np.zeros(self.size, dtype=np.float32)
        for token, weight in terms:
            if token in vocab and weight > 0:
                out += weight * self._bm25.get_scores_from_ids([vocab[token]])
        return out


class LexicalIndex(_Bm25):
    """BM25 over the content morphemes of each node's index text."""

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        return cls._build(tokens_many(texts))


class NgramIndex(_Bm25):
    """BM25 over the character 2–3-grams of each node's index text."""

    @classmethod
    def build(cls, texts: list[str]) -> "NgramIndex":
        return cls._build([ngrams(t) for t in texts])

    def scores(self, query: str) -> np.ndarray:
        grams = ngrams(query)
        counts: dict[str, int] = {}
        for g in grams:
            counts[g] = counts.get(g, 0) + 1
        return self.weighted(counts.items())
