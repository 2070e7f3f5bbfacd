"""BM25 (bm25s) over Korean morphemes, and over character n-grams; saved as bm25s's files.

The morpheme index is the main lexical signal. The n-gram index sees a text as the 2- and
3-character pieces of its white-space-free form, so a compound written without spaces
(외국인노동자쉼터운영지원), a partial name or a typo still meets the words it is made of.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kg.lang.keys import key
from kg.lang.korean import tokens_many

NGRAMS = (2, 3)


@dataclass(frozen=True)
class Bm25Params:
    """BM25's two constants, for both lexical indexes (set when an index is built).

    Fitted two-fold on the development questions by rebuilding the index (search is
    ``kg.search.params``): b = 0.5 is best on the even questions (0.890) and within 0.003 of
    the best on the odd ones (b = 0.9: 0.866, which costs the even ones 0.013); 0.3 and 0.75 are
    worse on both sums. k1 = 1.2 and 1.6 tie, 0.8 loses 0.003."""

    k1: float = 1.2
    """Term-frequency saturation: how much a second mention of a word adds."""
    b: float = 0.5
    """Length normalisation: 0 ignores a text's length, 1 divides fully by it. Index texts
    carry a node's neighbours' names, so long texts are partly structure, not verbosity."""


BM25 = Bm25Params()


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

        retriever = bm25s.BM25(k1=BM25.k1, b=BM25.b)
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
