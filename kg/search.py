"""Hybrid search: lexical (BM25 on morphemes) + dense (embeddings), then the graph.

Each signal is scaled by its best value for the question and added (dense weighted by
``DENSE_WEIGHT``): unlike reciprocal-rank fusion this keeps how much better the best
lexical match is than the tenth, which mattered on the development set (RRF: 0.86–0.89,
scaled scores: 0.91). Entities named in the question pull in the nodes linked to them,
and a type word in the question (사업, 지역, 부서, 전략, 과제 …) prefers nodes of that type.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

import numpy as np

from kg.errors import KgError
from kg.index.korean import has_words, query_tokens
from kg.parse.text import key, longest_matches

MAX_QUERY_CHARS = 1000
DENSE_WEIGHT = 0.35
LINK_WEIGHT = 0.5
# a project aligned with a strategy the question names (or a theme of it) gains this × the
# alignment's score: enough that "국민외교를 지원하는 사업" lists supporting projects by strength
ALIGN_WEIGHT = 4.0
PROJECT_TYPES = frozenset({"SubProject", "UnitProject"})
# a question names a strategy when it has this share of the words of the strategy's name
STRATEGY_NAME_SHARE = 0.75
TYPE_BOOST = 1.5
NAME_COVERAGE = 0.6
CANDIDATES = 100


class QueryError(KgError):
    """The query cannot be searched (empty, or not text)."""


@dataclass(frozen=True)
class Result:
    iri: str
    type: str
    label: str
    text: str
    score: float
    why: str

    def to_json(self) -> dict:
        return asdict(self)


def clean_query(query: str) -> tuple[str, list[str]]:
    """Normalise a query; return it and notes for the user (e.g. truncation)."""
    if query is None or not query.strip():
        raise QueryError("empty query: type a question, e.g. 국민외교를 지원하는 사업은?")
    notes = []
    q = " ".join(query.split())
    if len(q) > MAX_QUERY_CHARS:
        q = q[:MAX_QUERY_CHARS]
        notes.append(f"query cut to its first {MAX_QUERY_CHARS} characters")
    return q, notes


class Searcher:
    """Answers questions over one build's indexes; safe to share between threads."""

    def __init__(self, nodes, lexical, entities, type_words, dense=None, embedder=None, links=None):
        self.nodes = nodes
        self.lexical = lexical
        self.dense = dense
        self.embedder = embedder
        self.entities = entities  # iri → (type, names, linked iris)
        self.type_words = type_words  # head word → set of node types
        self._pos = {n["iri"]: i for i, n in enumerate(nodes)}
        self._names = sorted(
            ((key(name).lower(), iri) for iri, (_, names, _) in entities.items() for name in names if len(key(name)) >= 2),
            key=lambda x: (-len(x[0]), x),  # longest first; ties in a fixed order, whatever the file's
        )
        links = links or {"alignments": [], "strategies": {}, "themes": {}}
        self._aligned: dict[str, list[dict]] = {}
        for a in links["alignments"]:
            self._aligned.setdefault(a["strategy"], []).append(a)
        self._under = {s: v["under"] for s, v in links["strategies"].items()}
        self._strategy_words = [(set(t), s) for s, v in links["strategies"].items() for t in v["name_tokens"] if len(t) >= 2]
        self._theme_strategies = {t: v["strategies"] for t, v in links["themes"].items()}
        self._theme_names = sorted(
            ((key(n).lower(), t) for t, v in links["themes"].items() for n in v["names"] if len(key(n)) >= 2),
            key=lambda x: (-len(x[0]), x),
        )

    @property
    def embedder_name(self) -> str:
        return self.embedder.name if self.embedder is not None else "none (lexical only)"

    def search(self, query: str, k: int = 10) -> list[Result]:
        q, _ = clean_query(query)
        if not has_words(q) or k <= 0:
            return []
        n = len(self.nodes)
        why: dict[int, list[str]] = {}
        fused = np.zeros(n, dtype=np.float64)

        # scores on one scale: each signal divided by its best value for this query
        lex, toks = self.lexical.scores(q)
        for i in _top(lex, CANDIDATES):
            fused[i] += lex[i] / lex.max()
            why.setdefault(i, []).append("words: " + ", ".join(_matched(toks, self.nodes[i]["index_tokens"])))
        if self.dense is not None and self.embedder is not None:
            sims = self.dense.scores(self.embedder.encode([q])[0], CANDIDATES)
            for i in _top(sims, CANDIDATES, floor=0.0):
                fused[i] += DENSE_WEIGHT * sims[i] / sims.max()
                why.setdefault(i, []).append(f"meaning {sims[i]:.2f}")

        coverage = self._mentions(q)
        mentioned = list(coverage)
        targets = self._targets(toks)
        for iri in mentioned:
            etype, names, linked = self.entities[iri]
            ids = [self._pos[x] for x in linked if x in self._pos]
            if targets:
                ids = [i for i in ids if self.nodes[i]["type"] in targets] or ids
            weight = LINK_WEIGHT / (1.0 + math.log1p(len(ids)))
            for i in ids:
                fused[i] += weight
                why.setdefault(i, []).append(f"linked to {names[0]}")
            if iri in self._pos:
                j = self._pos[iri]
                if coverage[iri] >= NAME_COVERAGE and (not targets or etype in targets):  # it asks for this
                    fused[j] += 1.0
                    why.setdefault(j, []).append("named in the question")
                elif targets and etype not in targets:
                    fused[j] *= 0.5  # the question asks for something linked to it, not for it
        if targets & PROJECT_TYPES:
            self._supporting(q, toks, mentioned, fused, why)
        if targets:
            for i in np.nonzero(fused)[0]:
                if self.nodes[i]["type"] in targets:
                    fused[i] *= TYPE_BOOST
        order = _top(fused, k)
        top = fused[order[0]] if len(order) else 1.0
        return [
            Result(
                iri=self.nodes[i]["iri"],
                type=self.nodes[i]["type"],
                label=self.nodes[i]["label"],
                text=self.nodes[i]["text"],
                score=round(float(fused[i] / top), 4),
                why="; ".join(dict.fromkeys(why.get(i, []))),
            )
            for i in order
        ]

    def _supporting(self, q: str, toks: tuple[str, ...], mentioned: list[str], fused: np.ndarray, why: dict) -> None:
        """A question for projects that names a strategy — verbatim, or most words of its name
        in any form (협업조직을 활용하는 → 협업조직 활용) — gets the projects aligned with it or
        with any strategy under it, by alignment score; one that names no strategy but a theme
        (국민외교, 공공외교 …) gets those of the strategies about that theme."""
        named = {iri for iri in mentioned if iri in self._under}
        have = set(toks)
        named |= {s for words, s in self._strategy_words if len(words & have) >= STRATEGY_NAME_SHARE * len(words)}
        # the most specific names win: a strategy whose name is inside another's is dropped
        named = {s for s in named if not any(s != o and s in self._under.get(o, ()) and o in named for o in named)} or named
        strategies: set[str] = set()
        for s in named:
            strategies |= set(self._under.get(s, [s]))
        if not named:
            for _, _, theme in longest_matches(key(q).lower(), self._theme_names):
                for s in self._theme_strategies[theme]:
                    strategies |= set(self._under.get(s, [s]))
        best: dict[str, dict] = {}
        for s in strategies:
            for a in self._aligned.get(s, []):
                if a["project"] not in best or a["score"] > best[a["project"]]["score"]:
                    best[a["project"]] = a
        for project, a in best.items():
            if project in self._pos:
                i = self._pos[project]
                fused[i] += ALIGN_WEIGHT * a["score"]
                why.setdefault(i, []).append(f"supports {a['strategy_label']} ({a['score']:.2f}): {a['evidence']}")

    def _mentions(self, q: str) -> dict[str, float]:
        """Entities whose name occurs in the question (longest names first, no overlaps),
        each with the share of the question's characters its name covers."""
        text = key(q).lower()
        found: dict[str, float] = {}
        for _, name, iri in longest_matches(text, self._names, every=False):
            found.setdefault(iri, len(name) / max(1, len(text)))
        return found

    def _targets(self, toks: tuple[str, ...]) -> set[str]:
        """Node types a question asks for, from its type words (사업 → projects)."""
        out: set[str] = set()
        for t in toks:
            out |= self.type_words.get(t, set())
        return out


def _top(scores: np.ndarray, k: int, floor: float = 0.0) -> list[int]:
    if k <= 0 or scores.size == 0:
        return []
    k = min(k, scores.size)
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [int(i) for i in idx if scores[i] > floor]


def _matched(query_toks, node_toks) -> list[str]:
    have = set(node_toks)
    return list(dict.fromkeys(t for t in query_toks if t in have)) or ["-"]


def highlights(query: str, text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, matched) pairs, matched where a word of the question occurs:
    its content morphemes of two characters or more (국민외교를 → 국민, 외교), longest first."""
    try:
        q, _ = clean_query(query)
    except QueryError:
        return [(text, False)] if text else []
    words = sorted({t for t in query_tokens(q) if len(t) >= 2}, key=lambda w: (-len(w), w))
    if not words or not text:
        return [(text, False)] if text else []
    out, at = [], 0
    for m in re.finditer("|".join(map(re.escape, words)), text, flags=re.IGNORECASE):
        if m.start() > at:
            out.append((text[at : m.start()], False))
        if out and out[-1][1] and m.start() == at:  # 국민|외교 → one mark
            out[-1] = (out[-1][0] + m.group(0), True)
        else:
            out.append((m.group(0), True))
        at = m.end()
    if at < len(text):
        out.append((text[at:], False))
    return out
