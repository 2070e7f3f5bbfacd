"""Ranking: the signals of a question's analysis, fused on one scale, then the graph.

Each signal is divided by its best value for the question and weighted (``SearchParams``):
BM25 over morphemes with the analysis' weighted terms (1), character n-grams and the dense
embedding below it. Unlike reciprocal-rank fusion this keeps how much better the best match
is than the tenth. Then the analysis acts, each part only when its cue is in the question:

- entities named pull in the nodes linked to them, of the answer type when it has one (not
  when a name is only an example: X처럼 …);
- an entity the question asks for itself (its name is most of the question) comes first;
- *support*: projects aligned with the strategies named come first, the more central to their
  own purpose the strategy's aims are the higher; a unit whose sub-projects carry the strategy
  counts less than they do;
- *roll-up*: a passage passes its score to the entity it describes, unless the question is
  about the brief's argument; a node whose label and text repeat one already listed is dropped;
- nodes of the answer type are preferred.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from kg.errors import KgError
from kg.index.contract import IndexData
from kg.lang.keys import key
from kg.lang.korean import has_words
from kg.search.analysis import BRIEF_TYPES, ORG_TYPES, PROJECT_TYPES, Lexicon, QueryAnalysis, analyse
from kg.search.params import DEFAULT, SearchParams

MAX_QUERY_CHARS = 1000


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

    def __init__(self, data: IndexData, lexical, ngrams=None, dense=None, embedder=None, params: SearchParams = DEFAULT,
                 documents: dict[str, dict | None] | None = None):
        self.data = data
        self.nodes = data.nodes
        self.documents = documents or {}  # document id → its metadata (kg.meta), for searches within some
        self._owners: list[str | None] | None = None
        self.lexical = lexical
        self.ngrams = ngrams
        self.dense = dense
        self.embedder = embedder
        self.params = params
        self._pos = {n.iri: i for i, n in enumerate(self.nodes)}
        names = sorted(
            ((key(name).lower(), e.iri) for e in data.entities.values() for name in e.names if len(key(name)) >= 2),
            key=lambda x: (-len(x[0]), x),  # longest first; ties in a fixed order, whatever the file's
        )
        self.lexicon = Lexicon(
            entity_types={e.iri: e.type for e in data.entities.values()},
            names=names,
            type_words=data.type_words,
            vocabulary=lexical.vocabulary,
            synonyms=data.synonyms,
            strategy_words=[(frozenset(t), s.iri) for s in data.strategies.values() for t in s.name_tokens if len(t) >= 2],
            strategy_under={s.iri: s.under for s in data.strategies.values()},
            theme_names=sorted(
                ((key(n).lower(), t.iri) for t in data.themes.values() for n in t.names if len(key(n)) >= 2),
                key=lambda x: (-len(x[0]), x),
            ),
            theme_strategies={t.iri: t.strategies for t in data.themes.values()},
            english_names=[(e.iri, name) for e in data.entities.values() for name in e.english],
            names_by_length=_by_length(names),
            near_forms=list(data.near_words),
            near_ids=[i for i, _ in data.near_words.values()],
            near_hubs=[h for _, h in data.near_words.values()],
            scope_words=data.scope_words,
        )
        self._aligned: dict[str, list] = {}
        for a in data.alignments:
            self._aligned.setdefault(a.strategy, []).append(a)
        # a node → the entity it describes (passages), and a sub-project → its unit
        self._describes: dict[int, int] = {}
        self._unit_of: dict[str, str] = {}
        self._subs: dict[str, list[str]] = {}
        self._by_type: dict[str, list] = {}
        for e in data.entities.values():
            if e.iri in self._pos:
                self._by_type.setdefault(e.type, []).append(e)
        for e in data.entities.values():
            if e.type == "Passage" and e.iri in self._pos:
                for other in e.linked:
                    kind = data.entities.get(other)
                    if kind is not None and kind.type not in ("Section", "Passage", "Strategy") and other in self._pos:
                        self._describes[self._pos[e.iri]] = self._pos[other]
            if e.type == "UnitProject":
                for other in e.linked:
                    if data.entities.get(other) is not None and data.entities[other].type == "SubProject":
                        self._unit_of[other] = e.iri
                        self._subs.setdefault(e.iri, []).append(other)

        # a passage that says exactly what a nameless entity of the brief says (a problem is named by its
        # own text) is that entity: listed once, as the entity
        by_text = {key(n.text): i for i, n in enumerate(self.nodes)
                   if n.type != "Passage" and len(n.text) >= 20 and key(n.text).startswith(key(n.label).rstrip("…"))}
        self._same_as = {i: by_text[key(n.text)] for i, n in enumerate(self.nodes)
                         if n.type == "Passage" and key(n.text) in by_text}

    @property
    def embedder_name(self) -> str:
        return self.embedder.name if self.embedder is not None else "none (lexical only)"

    def with_params(self, params: SearchParams) -> "Searcher":
        """The same indexes ranked with other parameters (for fitting them)."""
        other = object.__new__(Searcher)
        other.__dict__.update(self.__dict__)
        other.params = params
        return other

    def analyse(self, query: str) -> QueryAnalysis:
        q, _ = clean_query(query)
        return analyse(q, self.lexicon, self.params)

    def signals(self, q: str, a: QueryAnalysis, dense: bool = True) -> dict[str, np.ndarray]:
        """Each retrieval signal alone for a cleaned question: ``lexical`` (BM25 over the weighted
        terms), ``ngrams`` and (with ``dense``) ``dense`` when those indexes are there."""
        out = {"lexical": self.lexical.weighted([(t.text, t.weight) for t in a.terms])}
        if self.ngrams is not None:
            out["ngrams"] = self.ngrams.scores(q)
        if dense and self.dense is not None and self.embedder is not None:
            out["dense"] = self.dense.scores(self.embedder.encode([q])[0], self.params.candidates)
        return out

    def search(self, query: str, k: int = 10, within=None) -> list[Result]:
        return self.search_explained(query, k, within)[1]

    def within_mask(self, within) -> np.ndarray | None:
        """The nodes a search ``within`` (a ``kg.meta.Within``) may return: those of the documents
        it admits. None: every node."""
        if not within:
            return None
        from kg.meta import document_of

        allowed = within.documents(self.documents)
        owners = self._owners
        if owners is None:
            owners = self._owners = [document_of(n.iri, self.documents) for n in self.nodes]
        return np.fromiter((o is not None and o in allowed for o in owners), dtype=bool, count=len(owners))

    def search_explained(self, query: str, k: int = 10, within=None) -> tuple[QueryAnalysis | None, list[Result]]:
        q, _ = clean_query(query)
        if not has_words(q) or k <= 0:
            return None, []
        p = self.params
        a = analyse(q, self.lexicon, p)
        n = len(self.nodes)
        why: dict[int, list[str]] = {}
        fused = np.zeros(n, dtype=np.float64)

        signals = self.signals(q, a, dense=p.dense_weight > 0)
        lex = signals["lexical"]
        own = set(a.own_terms)
        for i in _top(lex, p.candidates):
            fused[i] += lex[i] / lex.max()
            have = set(self.nodes[i].index_tokens)
            words = [t.text for t in a.terms if t.text in have]
            why.setdefault(i, []).append("words: " + ", ".join(w if w in own else f"~{w}" for w in words))
        if "ngrams" in signals and p.char_weight > 0:
            grams = signals["ngrams"]
            for i in _top(grams, p.candidates):
                fused[i] += p.char_weight * grams[i] / grams.max()
        if "dense" in signals and p.dense_weight > 0:
            sims = signals["dense"]
            for i in _top(sims, p.candidates):
                fused[i] += p.dense_weight * sims[i] / sims.max()
                why.setdefault(i, []).append(f"meaning {sims[i]:.2f}")

        targets = a.answer_types
        for m in a.mentions:
            if m.example:  # an example of what is asked: its words count, its neighbours do not
                continue
            e = self.data.entities[m.iri]
            ids = [self._pos[x] for x in sorted(e.linked) if x in self._pos]
            if targets:  # the question says what it wants of the entity's neighbours
                ids = [i for i in ids if self.nodes[i].type in targets]
            weight = p.link_weight / (1.0 + math.log1p(len(ids)))
            for i in ids:
                fused[i] += weight
                why.setdefault(i, []).append(f"linked to {e.names[0] if e.names else m.name}")
            if "SubProject" in targets and p.inherit_share > 0:
                # a 세부사업 works with what its 단위사업 works with (the unit's partner regions …)
                subs = [self._pos[x] for x in sorted(e.linked) if x in self._subs for x in self._subs[x] if x in self._pos]
                subs = [i for i in subs if i not in ids]
                for i in subs:
                    fused[i] += p.inherit_share * weight
                    why.setdefault(i, []).append(f"its unit is linked to {e.names[0] if e.names else m.name}")
            if m.iri in self._pos:
                j = self._pos[m.iri]
                if m.coverage >= p.name_coverage and (not targets or e.type in targets):  # it asks for this
                    fused[j] += p.named_boost
                    why.setdefault(j, []).append("named in the question")
                elif targets and e.type not in targets:
                    fused[j] *= 0.5  # the question asks for something linked to it, not for it
        if "support" in a.intents:
            self._support(a, fused, why)
        for i, j in self._same_as.items():
            if fused[i] > 0:
                fused[j] = max(fused[j], fused[i])
                fused[i] = 0.0
        if "brief" not in a.intents and p.rollup > 0:
            for i, j in self._describes.items():
                if fused[i] > 0 and (not targets or self.nodes[j].type in targets):
                    fused[j] = max(fused[j], p.rollup * fused[i])
                    why.setdefault(j, []).append("described by a matching passage")
                    fused[i] *= 1.0 - p.rollup
        if targets:
            # the brief states its strategies, problems and phases in passages: a passage is of those types too
            wanted = targets | ({"Passage"} if targets & BRIEF_TYPES else set())
            for i in np.nonzero(fused)[0]:
                if self.nodes[i].type in wanted:
                    fused[i] *= p.type_boost
        mask = self.within_mask(within)
        if mask is not None:
            fused[~mask] = 0.0
        order = self._ordered(fused, k)
        top = fused[order[0]] if order else 1.0
        return a, [
            Result(
                iri=self.nodes[i].iri,
                type=self.nodes[i].type,
                label=self.nodes[i].label,
                text=self.nodes[i].text,
                score=round(float(fused[i] / top), 4),
                why="; ".join(dict.fromkeys(why.get(i, []))),
            )
            for i in order
        ]

    def _support(self, a: QueryAnalysis, fused: np.ndarray, why: dict) -> None:
        """Projects aligned with the strategies the question names, by centrality."""
        best: dict[str, object] = {}
        for s in a.strategies:
            for al in self._aligned.get(s, []):
                if al.project not in best or (al.centrality, al.score) > (best[al.project].centrality, best[al.project].score):
                    best[al.project] = al
        p = self.params

        def boost(centrality: float) -> float:
            return p.support_weight * (p.support_base + (1 - p.support_base) * centrality)

        # a question for the organisations of that work (…사업과 조직, 부서는?): the departments,
        # teams and bodies linked to supporting projects, by their most central one
        for e in (e for t in sorted(a.answer_types & ORG_TYPES) for e in self._by_type.get(t, ())):
            central = [best[x].centrality for x in e.linked if x in best]
            if central:
                i = self._pos[e.iri]
                fused[i] += boost(max(central))
                why.setdefault(i, []).append(f"runs {len(central)} supporting project(s)")
        if not a.answer_types & PROJECT_TYPES:
            return
        units_with_aligned_parts = {self._unit_of[x] for x in best if x in self._unit_of}
        for project, al in best.items():
            if project in self._pos:
                i = self._pos[project]
                # a unit whose own sub-projects carry the strategy is found through them
                fused[i] += boost(al.centrality) * (p.unit_damping if project in units_with_aligned_parts else 1.0)
                why.setdefault(i, []).append(f"supports {al.strategy_label} (centrality {al.centrality:.2f}): {al.evidence}")

    def _ordered(self, fused: np.ndarray, k: int) -> list[int]:
        """The top ``k`` nodes; a node repeating the label and text of one listed is dropped."""
        out: list[int] = []
        seen: set[str] = set()
        for i in _top(fused, min(len(fused), k * 4 + 20)):
            same = key(self.nodes[i].label + self.nodes[i].text)
            if same not in seen:
                seen.add(same)
                out.append(i)
                if len(out) == k:
                    break
        return out


def _by_length(names: list[tuple[str, str]]) -> dict[int, tuple[list[str], list[str]]]:
    """Names long enough for typo matching, grouped by length: (names, iris) for each length."""
    from kg.search.analysis import TYPO_MIN_CHARS

    out: dict[int, tuple[list[str], list[str]]] = {}
    for name, iri in names:
        if len(name) >= TYPO_MIN_CHARS:
            out.setdefault(len(name), ([], []))
            out[len(name)][0].append(name)
            out[len(name)][1].append(iri)
    return out


def _top(scores: np.ndarray, k: int, floor: float = 0.0) -> list[int]:
    if k <= 0 or scores.size == 0:
        return []
    k = min(k, scores.size)
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [int(i) for i in idx if scores[i] > floor]
