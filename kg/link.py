"""Plan ↔ brief links: which projects carry out which strategy, how strongly, and why.

Every project of a plan (세부사업, 단위사업) is scored against every strategy of a brief but
the root of its tree (the root is the whole programme; an item implies its branch).

1. **Relevance** — is the project international / public-diplomacy work at all? A noisy-OR
   of independent pieces of evidence, each in [0, 1]:

   - *themes*: each abroad-facing theme (``kgc:AbroadFacingThemes``) its own words use;
   - *countries*: a foreign country it names (``kgc:Countries``);
   - *structure*: for a 세부사업, the abroad-facing themes of its 단위사업's purpose,
     scaled by the share of that unit's themes that face abroad, and halved when the
     project's own words point elsewhere (a domestic theme and no abroad-facing one); for a
     단위사업, partner regions it works with (자매·우호결연);
   - *meaning*: how much more similar (embeddings) the project is to the brief's strategies
     than the plan's projects are on average.

2. **Fit** — which strategy? Shared themes (the same concept, a broader/narrower one or a
   skos:related one, see ``kg.rdf.themes``), weighted by how rare they are among the
   strategies, and shared words (TF-IDF over Kiwi morphemes). A project that fits no
   strategy in particular (best fit < ``FIT_MIN``) is linked to the root.

``score = relevance × (½ + ½ × fit / the project's best fit)``: a project supports its
best-fitting strategy with its relevance, others less. An alignment with
``score ≥ THRESHOLD`` says the project *supports* the strategy; at most ``MAX_STRATEGIES``
per project. The threshold is tuned on ``../shared/eval/links_dev.jsonl`` — see
``THRESHOLD`` and ``kg links --eval``.

Evidence is quoted from both documents: the clause of the project (or of its unit's
purpose) that carries the shared themes, and the sentence of the strategy that does.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from kg.rdf.themes import ThemeMatcher
from kg.rdf.vocab import KG, KGC

# Evidence weights (noisy-OR): one abroad-facing theme in the project's own words is good
# evidence, two are strong; a named foreign country is weaker (a domestic project may name
# the country its foreign residents come from), and so are a unit's partner regions (a
# farming unit may list the cities of a study tour); the unit's purpose counts when the
# project says nothing itself; meaning alone never makes a link.
W_THEME = 0.6
W_COUNTRY = 0.4
W_UNIT = 0.6
W_PARTNERS = 0.4
W_MEANING = 0.3
# A unit's supporting text: its purpose speaks for it fully, its list of contents less.
W_UNIT_CONTENTS = 0.5
# Fit: shared themes weigh more than embedding similarity (a static embedder is blunt).
FIT_THEMES = 0.6
# The threshold. On links_dev.jsonl (7 labelled projects) the positives score 0.84 and the
# negatives 0.00, so any value between separates them; 0.5 is chosen from what the evidence
# means rather than from those seven points: one abroad-facing theme in a project's own
# words (0.6), or its unit's purpose when the project says nothing else (0.6), is enough;
# a country or partner regions alone (0.4), a unit that is only partly international, or
# meaning alone (≤ 0.3) is not. `kg links --eval` prints the sweep (P = R = 1 from 0.05 to 0.8).
THRESHOLD = 0.5
MAX_STRATEGIES = 3
# a project also supports a second or third strategy only if it fits it nearly as well
SECOND_FIT = 0.75
# below this fit no strategy in particular is carried out: the link goes to the brief's root
FIT_MIN = 0.15

_CLAUSE = re.compile(r"\s*(?:[○●•◦▪*※]|(?<!\S)-(?=\s)|·(?=\s*\()|\n|(?<=[다함음임])\.?\s+(?=\S))\s*")
_SENTENCE = re.compile(r"\n|(?<=[다함음임])\.?\s+")
_PROJECT_TEXT = {
    KG.SubProject: (RDFS.label, KG.content, KG.supportCondition),
    KG.UnitProject: (RDFS.label, KG.purpose),
}


@dataclass(frozen=True)
class Alignment:
    entity: URIRef
    entity_label: str
    entity_type: str  # SubProject | UnitProject
    strategy: URIRef
    strategy_label: str
    score: float
    relevance: float
    fit: float
    # evidence that fired — relevance: themes, countries, structure, embedding; fit:
    # shared-themes, words, or programme (no strategy in particular: linked to the root)
    methods: tuple[str, ...]
    reasons: tuple[str, ...]  # human-readable, Korean
    themes: tuple[URIRef, ...]  # themes the link rests on (shared or abroad-facing)
    plan_evidence: str
    brief_evidence: str

    @property
    def evidence(self) -> str:
        return f"업무계획: {self.plan_evidence} ↔ 정책브리프: {self.brief_evidence}"


@dataclass
class _Project:
    iri: URIRef
    type: str
    label: str
    own: str  # its own words
    context: str = ""  # the words of its unit (for a 세부사업) or its contents (for a 단위사업)
    own_themes: set = field(default_factory=set)
    context_themes: set = field(default_factory=set)
    countries: list = field(default_factory=list)
    partners: list = field(default_factory=list)


def align(g: Graph, embedder=None, plans: set[str] | None = None) -> list[Alignment]:
    """Scored, evidenced alignments of plan projects to brief strategies (above the threshold);
    ``plans``: only the projects of these documents (IRIs), the others' alignments being known."""
    return [a for a in candidates(g, embedder, plans) if a.score >= THRESHOLD]


def candidates(g: Graph, embedder=None, plans: set[str] | None = None) -> list[Alignment]:
    """Every project's best strategies with scores, above the threshold or not.

    A plan is scored on its own: the averages that *meaning* and the word weights are taken
    against are those of the project's own plan (and the briefs), so a plan's links do not move
    when another province's plan joins the build, and a build that adds a plan scores that
    plan alone (``plans``)."""
    matcher = ThemeMatcher(g)
    strategies = _strategies(g)
    roots = _roots(g)
    by_plan = _projects(g, matcher)
    if not by_plan or not (strategies or roots):
        return []
    s_text = [_strategy_text(g, s) for s in strategies]
    s_themes = [matcher.themes(t) for t in s_text]
    rarity = _rarity(s_themes)
    targets_text = s_text or [_strategy_text(g, r) for r in roots]
    s_vectors = _vectors(embedder, targets_text)
    parent = {s: g.value(s, KG.subStrategyOf) for s in strategies}
    out = []
    for plan, projects in sorted(by_plan.items()):
        if plans is not None and plan not in plans:
            continue
        words = _word_similarity([p.own for p in projects], s_text) if strategies else None
        meaning = _meaning(embedder, [f"{p.own}\n{p.context}" for p in projects], s_vectors)
        for i, p in enumerate(projects):
            out += _project_alignments(g, p, matcher, None if meaning is None else float(meaning[i]),
                                       strategies, s_text, s_themes, rarity, words[i] if words is not None else None,
                                       parent, roots)
    out.sort(key=lambda a: (-a.score, a.entity_label, a.strategy_label))
    return out


def _project_alignments(g, p, matcher, meaning, strategies, s_text, s_themes, rarity, words, parent, roots) -> list[Alignment]:
    """A project's alignments: its relevance, its best-fitting strategies, their evidence."""
    relevance, methods, reasons = _relevance(p, matcher, meaning)
    fits = []
    for j in range(len(strategies)):
        theme_fit, shared = _theme_fit(p.own_themes or p.context_themes, s_themes[j], matcher, rarity)
        fits.append((FIT_THEMES * theme_fit + (1 - FIT_THEMES) * float(words[j]), shared))
    ranked = sorted(range(len(strategies)), key=lambda j: -fits[j][0])
    best = fits[ranked[0]][0] if ranked else 0.0
    chosen = []
    if best >= FIT_MIN:
        for j in ranked[:MAX_STRATEGIES]:
            if fits[j][0] < SECOND_FIT * best:
                break
            chosen.append(j)
        # a branch is implied by an item of it that is already chosen
        picked = {strategies[j] for j in chosen}
        chosen = [j for j in chosen if not any(parent.get(x) == strategies[j] for x in picked)]
    targets = [(strategies[j], s_text[j], fits[j][0] / best, fits[j][1]) for j in chosen]
    if not targets:  # no strategy in particular: the brief's programme as a whole
        targets = [(r, f"{g.value(r, RDFS.label)}\n{_root_summary(g, r)}", 1.0, []) for r in roots[:1]]
    out = []
    for strategy, text, fit, shared in targets:
        fit_method = "shared-themes" if shared else ("programme" if strategy in roots else "words")
        link_themes = shared or sorted(p.own_themes & matcher.abroad, key=str)
        why = list(reasons)
        if shared:
            why.append("전략과 같은 주제: " + ", ".join(matcher.name[t] for t in shared))
        elif strategy in roots:
            why.append("특정 세부 전략과 맞는 글이 없어 국민외교 추진 전략 전체에 연계")
        out.append(Alignment(
            entity=p.iri, entity_label=p.label, entity_type=p.type,
            strategy=strategy, strategy_label=str(g.value(strategy, RDFS.label)),
            score=round(relevance * (0.5 + 0.5 * fit), 3), relevance=round(relevance, 3), fit=round(fit, 3),
            methods=tuple(dict.fromkeys([*methods, fit_method])), reasons=tuple(why), themes=tuple(link_themes),
            plan_evidence=_plan_evidence(p, matcher, link_themes),
            brief_evidence=_brief_evidence(text, matcher, link_themes),
        ))
    return out


# ---------------------------------------------------------------- the two sides


def _text(g: Graph, node, props) -> str:
    return "\n".join(str(o) for p in props for o in g.objects(node, p))


def _projects(g: Graph, matcher: ThemeMatcher) -> dict[str, list[_Project]]:
    """The projects of each plan (by the IRI of its document), in IRI order."""
    countries = _country_names(g)
    out: dict[str, list[_Project]] = {}
    for cls, props in _PROJECT_TEXT.items():
        for node in sorted(set(g.subjects(RDF.type, cls))):
            p = _Project(node, str(cls).rsplit("#", 1)[-1], str(g.value(node, RDFS.label)), _text(g, node, props))
            if cls == KG.SubProject:
                unit = g.value(None, KG.hasSubProject, node)
                p.context = _text(g, unit, (RDFS.label, KG.purpose)) if unit is not None else ""
            else:
                p.context = _text(g, node, (KG.mainContent,))
                p.partners = sorted(str(g.value(r, RDFS.label)) for r in g.objects(node, KG.partnerRegion))
            p.own_themes = matcher.themes(p.own)
            p.context_themes = matcher.themes(p.context)
            p.countries = [name for name in countries if name in p.own]
            out.setdefault(str(g.value(node, KG.sourceDocument)), []).append(p)
    return out


def _country_names(g: Graph) -> list[str]:
    return sorted(
        {str(label) for c in g.subjects(SKOS.inScheme, KGC.Countries) for label in g.objects(c, SKOS.prefLabel) if label.language == "ko"},
        key=lambda x: -len(x),
    )


def _strategies(g: Graph) -> list[URIRef]:
    """Strategies a project can carry out: every strategy but the roots of a tree (a root is
    the brief's whole programme; its branches and their items are what gets done)."""
    return _ordered(g, set(g.subjects(RDF.type, KG.Strategy)) - set(_roots(g)))


def _ordered(g: Graph, strategies) -> list[URIRef]:
    return sorted(strategies, key=lambda s: (str(g.value(s, KG.sourceDocument)), int(g.value(s, KG.startLine) or 0), str(s)))


def _roots(g: Graph) -> list[URIRef]:
    """Top strategies of a tree (with sub-strategies, refining none)."""
    parents = set(g.objects(None, KG.subStrategyOf))
    return _ordered(g, {s for s in parents if g.value(s, KG.subStrategyOf) is None})


def _root_summary(g: Graph, root) -> str:
    """The brief's sentence that states a root strategy: the first passage of its document
    that opens with (or else names) the root."""
    from kg.lang.keys import key

    doc, name = g.value(root, KG.sourceDocument), key(str(g.value(root, RDFS.label)))
    found = sorted(
        (key(str(t)).find(name), int(g.value(p, KG.startLine) or 0), str(t))
        for p in g.subjects(KG.sourceDocument, doc) if (p, RDF.type, KG.Passage) in g
        for t in g.objects(p, KG.text) if name in key(str(t))
    )
    return found[0][2] if found else ""


def _strategy_text(g: Graph, s) -> str:
    return _text(g, s, (RDFS.label, SKOS.altLabel, KG.text))


# ---------------------------------------------------------------- scores


def _relevance(p: _Project, matcher: ThemeMatcher, meaning: float | None) -> tuple[float, list[str], list[str]]:
    """Noisy-OR of the evidence that a project is international / public-diplomacy work."""
    pieces: list[float] = []
    methods: list[str] = []
    reasons: list[str] = []
    own_abroad = sorted(p.own_themes & matcher.abroad, key=str)
    if own_abroad:
        pieces += [W_THEME] * len(own_abroad)
        methods.append("themes")
        reasons.append("사업 내용의 대외 주제: " + ", ".join(matcher.name[t] for t in own_abroad))
    if p.countries:
        pieces.append(W_COUNTRY)
        methods.append("countries")
        reasons.append("외국 언급: " + ", ".join(p.countries))
    ctx_abroad = p.context_themes & matcher.abroad
    if ctx_abroad:
        share = len(ctx_abroad) / len(p.context_themes)
        if p.type == "SubProject":
            elsewhere = bool(p.own_themes) and not own_abroad
            pieces.append(W_UNIT * share * (0.5 if elsewhere else 1.0))
            reasons.append("단위사업 목적의 대외 주제: " + ", ".join(matcher.name[t] for t in sorted(ctx_abroad, key=str)))
        else:
            pieces.append(W_UNIT * W_UNIT_CONTENTS * share)
            reasons.append("단위사업 주요내용의 대외 주제: " + ", ".join(matcher.name[t] for t in sorted(ctx_abroad, key=str)))
        methods.append("structure")
    if p.partners:
        pieces.append(W_PARTNERS)
        methods.append("structure")
        reasons.append(f"자매·우호결연 지역 {len(p.partners)}곳과 교류")
    if meaning is not None and meaning > 0:
        pieces.append(W_MEANING * meaning)
        methods.append("embedding")
        reasons.append(f"정책브리프 전략과 의미가 가까움({meaning:.2f})")
    return 1.0 - math.prod(1.0 - x for x in pieces), methods, reasons


def _rarity(theme_sets: list[set]) -> dict:
    """Inverse document frequency of each theme over the strategies: a theme most strategies
    use (국민외교) says little about *which* one a project carries out."""
    n = len(theme_sets)
    df: dict = {}
    for ts in theme_sets:
        for t in ts:
            df[t] = df.get(t, 0) + 1
    return {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}


def _theme_fit(project: set, strategy: set, matcher: ThemeMatcher, rarity: dict) -> tuple[float, list[URIRef]]:
    """Rarity-weighted share of the project's themes the strategy speaks to (closeness-weighted),
    and the themes both use."""
    if not project or not strategy:
        return 0.0, []
    total = weight = 0.0
    shared = []
    for t in sorted(project, key=str):  # a set's order changes with the process's hash seed: the sum must not
        best = max(matcher.closeness(t, u) for u in strategy)
        w = rarity.get(t, 1.0)
        total += w * best
        weight += w
        if best >= 1.0:
            shared.append(t)
    return total / weight, sorted(shared, key=str)


def _vectors(embedder, texts: list[str]) -> np.ndarray | None:
    if embedder is None or not texts:
        return None
    return np.asarray(embedder.encode(texts), dtype=np.float64)


def _meaning(embedder, projects: list[str], S: np.ndarray | None) -> np.ndarray | None:
    """Per project, in [0, 1]: how far above its plan's average its best embedding similarity
    to a strategy is (one standard deviation above → 0, three → 1).

    Vectors are centred on the plan's mean first: a static embedder gives every text of one
    domain a large common component, which would otherwise make everything look similar.
    """
    if embedder is None or S is None:
        return None
    P = np.asarray(embedder.encode(projects), dtype=np.float64)
    mu = P.mean(axis=0)
    best = (_unit(P - mu) @ _unit(S - mu).T).max(axis=1)
    z = (best - best.mean()) / (best.std() or 1.0)
    return np.clip((z - 1.0) / 2.0, 0.0, 1.0)


def _word_similarity(projects: list[str], strategies: list[str]) -> np.ndarray:
    """TF-IDF cosine of content morphemes (Kiwi), divided by the best pair's."""
    from kg.lang.korean import tokens_many

    docs = tokens_many(projects + strategies)
    vocab = {w: i for i, w in enumerate(sorted({w for d in docs for w in d}))}
    X = np.zeros((len(docs), len(vocab)))
    for r, d in enumerate(docs):
        for w in d:
            X[r, vocab[w]] += 1.0
    idf = np.log((len(docs) + 1) / ((X > 0).sum(axis=0) + 0.5))
    X = _unit(np.log1p(X) * idf)
    sims = X[: len(projects)] @ X[len(projects):].T
    return sims / (sims.max() or 1.0)


def _unit(X: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(n > 0, n, 1.0)


# ---------------------------------------------------------------- evidence


def _pieces(text: str, pattern: re.Pattern) -> list[str]:
    return [x.strip(" ,") for x in pattern.split(text) if len(x.strip(" ,")) >= 4]


def _best_piece(pieces: list[str], matcher: ThemeMatcher, themes: Iterable[URIRef], skip: str = "") -> str | None:
    """The piece using most of ``themes`` (then most abroad-facing themes); ``skip`` (a name)
    only when no other piece uses any; None when no piece uses a theme at all."""
    wanted = set(themes)
    for group in ([x for x in pieces if x != skip], [x for x in pieces if x == skip]):
        scored = [(len(found & wanted), len(found & matcher.abroad), -i, x) for i, x in enumerate(group) for found in [matcher.themes(x)]]
        best = max(scored, default=None)
        if best and (best[0] or best[1]):
            return best[-1]
    return None


def _plan_evidence(p: _Project, matcher: ThemeMatcher, themes) -> str:
    """``name: clause`` — the project's clause that carries the link's themes, else its unit's,
    else its first clause."""
    own = _pieces(p.own, _CLAUSE)
    rest = [x for x in own if x != p.label]
    found = _best_piece(own, matcher, themes, skip=p.label)
    if found is None or found == p.label:
        ctx = _pieces(p.context, _CLAUSE)
        in_unit = _best_piece(ctx, matcher, themes, skip=ctx[0] if ctx and p.type == "SubProject" else "")
        if in_unit is not None and not rest and p.type == "SubProject":
            return f"{p.label} (단위사업 목적: {in_unit})"
        found = rest[0] if rest else None
    return f"{p.label}: {found}" if found else p.label


def _brief_evidence(text: str, matcher: ThemeMatcher, themes) -> str:
    """The strategy's sentence that carries the link's themes, else its first sentence after its name."""
    sentences = _pieces(text, _SENTENCE)
    body = sentences[1:] or sentences
    return _best_piece(body, matcher, themes) or (body[0] if body else text)
