"""Searchable nodes of the graph and the text each is found by.

A node's index text is built from the graph: its own labels and texts, its class's
labels, and the labels of the nodes around it (a 세부사업 carries its 단위사업, 부서 and
시행주체; a region its country and partnership type), so that a question about a
시행주체 or a department finds its projects. ``linkable`` gives the graph neighbours used
to pull in results for an entity named in a question.
"""
from __future__ import annotations

import re

from dataclasses import dataclass

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.lang.keys import key, longest_matches
from kg.index.contract import Alignment, Entity, StrategyInfo, ThemeInfo
from kg.rdf.vocab import KG, KGC

SEARCHABLE = (
    KG.SubProject, KG.UnitProject, KG.Department, KG.Team, KG.ImplementingBody, KG.Region,
    KG.PerformanceIndicator, KG.PolicyGoal, KG.Strategy, KG.Programme, KG.ProgrammeArea,
    KG.Problem, KG.Phase, KG.Passage,
)
# Entities a question may name; they pull in the nodes linked to them.
LINKABLE = SEARCHABLE + (KG.Country, KG.Section, KG.Bureau)

# (path from the node, how many hops) whose labels join the node's index text
_CONTEXT = {
    KG.SubProject: [(~KG.hasSubProject,), (~KG.hasSubProject, ~KG.hasUnitProject), (KG.implementedBy,), (KG.supportForm,)],
    KG.UnitProject: [(~KG.hasUnitProject,), (KG.hasSubProject,), (KG.partnerRegion,)],
    KG.Department: [(KG.hasTeam,), (KG.hasUnitProject,)],
    KG.Team: [(~KG.hasTeam,)],
    KG.ImplementingBody: [(KG.correspondsTo,)],
    KG.Region: [(KG.country,), (KG.partnershipType,), (~KG.partnerRegion,)],
    KG.PerformanceIndicator: [(~KG.hasIndicator,)],
    KG.PolicyGoal: [(~KG.hasPolicyGoal,)],
    KG.Strategy: [(KG.subStrategyOf,)],
    KG.Programme: [(KG.inArea,)],
    KG.ProgrammeArea: [(~KG.inArea,)],
    KG.Passage: [(KG.inSection,), (KG.describes,)],
}
# literal properties that make up a node's own text, in display order
_OWN_TEXT = (KG.text, KG.content, KG.purpose, KG.mainContent, KG.strategicGoal, KG.direction,
             KG.supportCondition, KG.formula, KG.dataSource, KG.rationale, KG.measurementUnit)
# links followed for graph expansion (both directions)
_LINKS = (KG.hasSubProject, KG.hasUnitProject, KG.implementedBy, KG.correspondsTo, KG.partnerRegion,
          KG.country, KG.partnershipType, KG.hasTeam, KG.hasIndicator, KG.subStrategyOf, KG.inArea,
          KG.inSection, KG.describes, KG.supports, KG.hasDepartment)


@dataclass
class NodeDoc:
    iri: str
    type: str
    label: str
    text: str  # shown as evidence
    index_text: str  # what the indexes see


def _labels(g: Graph, node) -> list[str]:
    """Labels, alternative labels after; Korean before other languages."""
    found = [x for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel) for x in sorted(g.objects(node, p))]
    found.sort(key=lambda x: getattr(x, "language", None) not in (None, "ko"))  # stable
    return list(dict.fromkeys(str(x) for x in found))


def _follow(g: Graph, node, path) -> list:
    """The nodes at the end of ``path`` from ``node``, in IRI order at each step (a graph's own
    order is how it was assembled, which must not change a text)."""
    nodes = [node]
    for step in path:
        nxt = []
        for n in nodes:
            if isinstance(step, URIRef):
                nxt += sorted(g.objects(n, step))
            else:  # an inverse path ~p
                nxt += sorted(g.subjects(step.arg, n))
        nodes = nxt
    return nodes


def class_words(ontology: Graph, cls: URIRef) -> list[str]:
    """Labels of a class and its superclasses (e.g. 세부사업, 사업, Sub-project)."""
    out = []
    for c in [cls, *ontology.transitive_objects(cls, RDFS.subClassOf)]:
        out += _labels(ontology, c)
    return list(dict.fromkeys(out))


def node_docs(g: Graph, ontology: Graph, glossary: Graph | None = None) -> list[NodeDoc]:
    gloss = Glossary(glossary) if glossary is not None else None
    docs = []
    for cls in SEARCHABLE:
        words = _labels(ontology, cls)  # the class's own words, not its superclasses' (조직, 사업 …)
        for node in sorted(set(g.subjects(RDF.type, cls))):
            docs.append(_doc(g, node, cls, words, gloss))
    return docs


class Glossary:
    """The domain glossary (``ontology/glossary.ttl``): SKOS concepts of public administration
    with Korean labels (the document's term and everyday words for it) and English ones.

    A node's index text carries the English labels of the concepts its own words use, so an
    English question finds Korean entities; the Korean labels of one concept are synonyms a
    question is expanded with (``synonym_groups``)."""

    def __init__(self, g: Graph):
        self.entries: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        self.governments: list[tuple[str, ...]] = [
            tuple(sorted(str(x) for p in (SKOS.prefLabel, SKOS.altLabel) for x in g.objects(c, p) if getattr(x, "language", None) == "ko"))
            for c in sorted(g.objects(KGC.IssuingGovernments, SKOS.member))
        ]
        for c in sorted(set(g.subjects(RDF.type, SKOS.Concept))):
            labels = [x for p in (SKOS.prefLabel, SKOS.altLabel) for x in g.objects(c, p)]
            ko = tuple(sorted({str(x) for x in labels if getattr(x, "language", None) == "ko"}))
            en = tuple(sorted({str(x) for x in labels if getattr(x, "language", None) == "en"}))
            if ko:
                self.entries.append((ko, en))
        self._keys = sorted(
            ((key(k).lower(), i) for i, (ko, _) in enumerate(self.entries) for k in ko if len(key(k)) >= 2),
            key=lambda x: (-len(x[0]), x),
        )

    def english(self, text: str) -> list[str]:
        """English labels of the concepts ``text`` uses (longest Korean label first, no overlaps)."""
        found = longest_matches(key(text).lower(), self._keys)
        return list(dict.fromkeys(e for _, _, i in sorted(found) for e in self.entries[i][1]))

    def english_name(self, name: str, min_covered: float = 0.8) -> tuple[tuple[str, ...], ...]:
        """A Korean name read in English: for each glossary concept it uses, the English words of
        that concept's labels (retrieval forms); () unless the concepts cover ``min_covered`` of the
        name's characters (a name half made of words the glossary lacks is not readable in English)."""
        from kg.lang.english import word

        text = key(name).lower()
        found = sorted(longest_matches(text, self._keys))
        if not text or sum(len(k) for _, k, _ in found) < min_covered * len(text):
            return ()
        groups = []
        for _, _, i in found:
            words = {word(w) for label in self.entries[i][1] for w in re.findall(r"[A-Za-z]+", label)}
            words.discard("")
            if words:
                groups.append(tuple(sorted(words)))
        return tuple(dict.fromkeys(groups))

    def issuing_governments(self) -> list[frozenset[str]]:
        """For each government that issues plans (``kgc:IssuingGovernments``), the Korean labels
        that are one token each (도, 도청; 전북, 전북도): the words a question names it by."""
        from kg.lang.korean import tokens

        out = []
        for labels in self.governments:
            words = frozenset(t[0] for t in map(tokens, labels) if len(t) == 1)
            if words:
                out.append(words)
        return out

    def synonym_groups(self) -> list[tuple[tuple[str, ...], ...]]:
        """Each concept's Korean labels as token tuples (labels of one token or more)."""
        from kg.lang.korean import tokens

        out = []
        for ko, _ in self.entries:
            group = tuple(dict.fromkeys(tuple(tokens(k)) for k in ko))
            group = tuple(t for t in group if t)
            if len(group) >= 2:
                out.append(group)
        return out


def scope_words(g: Graph, gloss: "Glossary | None", docs: list[NodeDoc], toks: list[list[str]]) -> frozenset[str]:
    """The words of the governments every plan in the build belongs to: a government is the
    build's scope when each plan document's nodes (their index tokens) use one of its words. With
    one province's plans, 도 and its name say whose the entities are; with two provinces' plans
    only the common words (도) do, and each name tells the plans apart."""
    plans = {str(d) for d in g.subjects(KG.documentFormat, Literal("business_plan"))}
    if gloss is None or not plans:
        return frozenset()
    used: dict[str, set[str]] = {p: set() for p in plans}
    for d, t in zip(docs, toks):
        source = g.value(URIRef(d.iri), KG.sourceDocument)
        if source is not None and str(source) in used:
            used[str(source)].update(t)
    out: set[str] = set()
    for words in gloss.issuing_governments():
        if all(words & seen for seen in used.values()):
            out |= words
    return frozenset(out)


def linkable(g: Graph, gloss: "Glossary | None" = None) -> dict[str, Entity]:
    """Every entity a question may name, by IRI; with a glossary, its names read in English too."""
    out = {}
    for cls in LINKABLE:
        for node in set(g.subjects(RDF.type, cls)):
            names = tuple(_labels(g, node))
            english = tuple(e for e in (gloss.english_name(n) for n in names if gloss is not None) if len(e) >= 2)
            out[str(node)] = Entity(str(node), _local(cls), names, frozenset(_neighbours(g, node)), english)
    for concept in set(g.objects(None, KG.partnershipType)):
        out[str(concept)] = Entity(str(concept), "Concept", tuple(_labels(g, concept)),
                                   frozenset(str(s) for s in g.subjects(KG.partnershipType, concept)))
    return out


def _neighbours(g: Graph, node) -> set[str]:
    out = set()
    for p in _LINKS:
        out |= {str(o) for o in g.objects(node, p) if isinstance(o, URIRef)}
        out |= {str(s) for s in g.subjects(p, node)}
    # a project and the strategies it is aligned with (kg links) are neighbours both ways
    for a in g.subjects(KG.alignedEntity, node):
        out |= {str(s) for s in g.objects(a, KG.alignedStrategy)}
    for a in g.subjects(KG.alignedStrategy, node):
        out |= {str(e) for e in g.objects(a, KG.alignedEntity)}
    return out


def _local(cls: URIRef) -> str:
    return str(cls).rsplit("#", 1)[-1]


def _doc(g: Graph, node, cls, class_labels: list[str], gloss: "Glossary | None" = None) -> NodeDoc:
    names = _labels(g, node)
    label = names[0] if names else str(node).rsplit("/", 1)[-1]
    own = [str(x) for p in _OWN_TEXT for x in sorted(g.objects(node, p))]
    context = []
    for path in _CONTEXT.get(cls, []):
        for n in _follow(g, node, path):
            context += _labels(g, n)
    text = " ".join(own) if own else " · ".join(dict.fromkeys(context))
    english = gloss.english(" ".join([*names, *own, *dict.fromkeys(context)])) if gloss is not None else []
    # the name counts twice: a match in the name says more than one in the body text
    # English glosses of its own words and its neighbours' names ("the indicators of the
    # Communication Planning Division"). Measured: in a BM25 field of their own 0.891, out of the
    # n-gram index 0.895, in the one text 0.899.
    index_text = " ".join([*names, *names, *own, *dict.fromkeys(context), *class_labels, *english])
    return NodeDoc(str(node), _local(cls), label, text, index_text)


def concept_texts(concepts: Graph) -> list[str]:
    """One text per SKOS concept: its labels and synonyms (they teach the embedder synonymy)."""
    out = []
    for c in sorted(set(concepts.subjects(SKOS.inScheme, None))):
        # in a fixed order (a graph's is not): the same concepts make the same model
        words = [str(x) for p in (SKOS.prefLabel, SKOS.altLabel) for x in sorted(concepts.objects(c, p))]
        if words:
            out.append(" ".join(words))
    return out


def alignment_data(g: Graph) -> tuple[list[Alignment], dict[str, StrategyInfo], dict[str, ThemeInfo]]:
    """What search needs of the plan ↔ brief links: each alignment (project, strategy, score,
    evidence), each strategy's names and the strategies under it, and for each theme the
    strategies whose themes are the same or near (so "국민외교를 지원하는 사업" reaches the
    projects aligned with any 국민외교 strategy)."""
    from kg.rdf.themes import RELATED, ThemeMatcher
    from kg.rdf.vocab import KGC

    matcher = ThemeMatcher(g)
    alignments = []
    for a in sorted(set(g.subjects(RDF.type, KG.Alignment))):
        s = g.value(a, KG.alignedStrategy)
        project = g.value(a, KG.alignedEntity)
        alignments.append(Alignment(
            project=str(project),
            centrality=centrality(g, project, matcher),
            strategy=str(s),
            strategy_label=str(g.value(s, RDFS.label)),
            score=float(g.value(a, KG.score)),
            evidence=str(g.value(a, KG.evidence) or ""),
        ))
    from kg.lang.korean import tokens

    strategies = {}
    for s in sorted(set(g.subjects(RDF.type, KG.Strategy))):
        strategies[str(s)] = StrategyInfo(
            iri=str(s),
            under=tuple(sorted(str(x) for x in g.transitive_subjects(KG.subStrategyOf, s))),
            name_tokens=tuple(tuple(sorted(set(tokens(n)))) for n in _labels(g, s)),
        )
    s_themes = {s: set(g.objects(URIRef(s), KG.theme)) for s in strategies}
    themes = {}
    for t in sorted(set(g.subjects(SKOS.inScheme, KGC.Themes))):
        near = sorted(s for s, ts in s_themes.items() if any(matcher.closeness(t, u) >= RELATED for u in ts))
        if near:
            themes[str(t)] = ThemeInfo(str(t), tuple(_labels(g, t)), tuple(near))
    return alignments, strategies, themes


@dataclass(frozen=True)
class CentralityWeights:
    """How central abroad-facing work (국민외교, 국제교류, 공공외교 …) is to a project's own
    purpose: a weighted sum of three shares, each in [0, 1]. Not fitted: the name says what
    a project is, its own text what it does, its unit's purpose what it is part of, in that
    order of weight. Unlike an alignment's relevance (a noisy-OR that grows with every theme
    a text mentions), a long text naming many things scores no higher than a short one."""

    name: float = 0.5
    """The project's name uses an abroad-facing theme."""
    own: float = 0.3
    """Share of the themes of its own text (name and content) that face abroad."""
    unit: float = 0.2
    """The same share in its unit's name and purpose (a 단위사업: its own purpose)."""


CENTRALITY = CentralityWeights()


def centrality(g: Graph, project, matcher, weights: CentralityWeights = CENTRALITY) -> float:
    """How much of ``project``'s own purpose abroad-facing themes are (0–1); see ``CentralityWeights``."""
    abroad = matcher.abroad

    def share(text: str) -> float:
        themes = matcher.themes(text)
        return len(themes & abroad) / len(themes) if themes else 0.0

    name = str(g.value(project, RDFS.label) or "")
    own = " ".join([name, *(str(o) for p in (KG.content, KG.supportCondition, KG.purpose) for o in g.objects(project, p))])
    unit = g.value(None, KG.hasSubProject, project)
    unit_text = " ".join(str(o) for p in (RDFS.label, KG.purpose) for o in g.objects(unit if unit is not None else project, p))
    value = weights.name * bool(matcher.themes(name) & abroad) + weights.own * share(own) + weights.unit * share(unit_text)
    return round(value, 3)


HUB_SAMPLE = 500  # index words a word's hubness is measured against (all of them in a small index)
HUB_NEIGHBOURS = 10


def near_words(vocabulary) -> dict[str, tuple[int, float]]:
    """For each Korean index word Kiwi has an embedding for: its morpheme id and its hubness, the
    mean cosine of its ten nearest index words. Some words (rare ones, whose vectors are poorly
    trained) are near everything; subtracting hubness (CSLS, Conneau et al. 2018) keeps them from
    being every question's near word."""
    import random

    from kg.lang.korean import morpheme_id, similarities

    ids = {}
    for w in sorted(vocabulary):
        if not w.isascii() and len(w) >= 2:
            i = morpheme_id(w)
            if i is not None:
                ids[w] = i
    words = list(ids)
    sample = words if len(words) <= HUB_SAMPLE else random.Random(0).sample(words, HUB_SAMPLE)
    sample_ids = [ids[w] for w in sample]
    out = {}
    for w in words:
        sims = sorted((s for s, other in zip(similarities(ids[w], sample_ids), sample) if other != w), reverse=True)
        if sims and sims[0] > -1:
            top = sims[:HUB_NEIGHBOURS]
            out[w] = (ids[w], sum(top) / len(top))
    return out
