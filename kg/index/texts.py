"""Searchable nodes of the graph and the text each is found by.

A node's index text is built from the graph: its own labels and texts, its class's
labels, and the labels of the nodes around it (a 세부사업 carries its 단위사업, 부서 and
시행주체; a region its country and partnership type), so that a question about a
시행주체 or a department finds its projects. ``linkable`` gives the graph neighbours used
to pull in results for an entity named in a question.
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from kg.rdf.vocab import KG

SEARCHABLE = (
    KG.SubProject, KG.UnitProject, KG.Department, KG.Team, KG.ImplementingBody, KG.Region,
    KG.PerformanceIndicator, KG.PolicyGoal, KG.Strategy, KG.Programme, KG.ProgrammeArea,
    KG.Problem, KG.Phase, KG.Passage,
)
# Entities a question may name; they pull in the nodes linked to them.
LINKABLE = SEARCHABLE + (KG.Country, KG.Section)

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
    nodes = [node]
    for step in path:
        nxt = []
        for n in nodes:
            if isinstance(step, URIRef):
                nxt += list(g.objects(n, step))
            else:  # an inverse path ~p
                nxt += list(g.subjects(step.arg, n))
        nodes = nxt
    return nodes


def class_words(ontology: Graph, cls: URIRef) -> list[str]:
    """Labels of a class and its superclasses (e.g. 세부사업, 사업, Sub-project)."""
    out = []
    for c in [cls, *ontology.transitive_objects(cls, RDFS.subClassOf)]:
        out += _labels(ontology, c)
    return list(dict.fromkeys(out))


def node_docs(g: Graph, ontology: Graph) -> list[NodeDoc]:
    docs = []
    for cls in SEARCHABLE:
        words = _labels(ontology, cls)  # the class's own words, not its superclasses' (조직, 사업 …)
        for node in sorted(set(g.subjects(RDF.type, cls))):
            docs.append(_doc(g, node, cls, words))
    return docs


def linkable(g: Graph) -> dict[str, tuple[str, list[str], set[str]]]:
    """iri → (type, names, linked iris) for every entity a question may name."""
    out = {}
    for cls in LINKABLE:
        for node in set(g.subjects(RDF.type, cls)):
            out[str(node)] = (_local(cls), _labels(g, node), _neighbours(g, node))
    for concept in set(g.objects(None, KG.partnershipType)):
        out[str(concept)] = ("Concept", _labels(g, concept), {str(s) for s in g.subjects(KG.partnershipType, concept)})
    return out


def _neighbours(g: Graph, node) -> set[str]:
    out = set()
    for p in _LINKS:
        out |= {str(o) for o in g.objects(node, p) if isinstance(o, URIRef)}
        out |= {str(s) for s in g.subjects(p, node)}
    return out


def _local(cls: URIRef) -> str:
    return str(cls).rsplit("#", 1)[-1]


def _doc(g: Graph, node, cls, class_labels: list[str]) -> NodeDoc:
    names = _labels(g, node)
    label = names[0] if names else str(node).rsplit("/", 1)[-1]
    own = [str(x) for p in _OWN_TEXT for x in g.objects(node, p)]
    context = []
    for path in _CONTEXT.get(cls, []):
        for n in _follow(g, node, path):
            context += _labels(g, n)
    text = " ".join(own) if own else " · ".join(dict.fromkeys(context))
    # the name counts twice: a match in the name says more than one in the body text
    index_text = " ".join([*names, *names, *own, *dict.fromkeys(context), *class_labels])
    return NodeDoc(str(node), _local(cls), label, text, index_text)


def concept_texts(concepts: Graph) -> list[str]:
    """One text per SKOS concept: its labels and synonyms (they teach the embedder synonymy)."""
    out = []
    for c in sorted(set(concepts.subjects(SKOS.inScheme, None))):
        words = [str(x) for p in (SKOS.prefLabel, SKOS.altLabel) for x in concepts.objects(c, p)]
        if words:
            out.append(" ".join(words))
    return out


def alignment_data(g: Graph) -> dict:
    """What search needs of the plan ↔ brief links: each alignment (project, strategy, score,
    evidence), each strategy's names and the strategies under it, and for each theme the
    strategies whose themes are the same or near (so "국민외교를 지원하는 사업" reaches the
    projects aligned with any 국민외교 strategy)."""
    from kg.rdf.themes import RELATED, ThemeMatcher
    from kg.rdf.vocab import KGC

    alignments = []
    for a in sorted(set(g.subjects(RDF.type, KG.Alignment))):
        s = g.value(a, KG.alignedStrategy)
        alignments.append({
            "project": str(g.value(a, KG.alignedEntity)),
            "strategy": str(s),
            "strategy_label": str(g.value(s, RDFS.label)),
            "score": float(g.value(a, KG.score)),
            "evidence": str(g.value(a, KG.evidence) or ""),
        })
    from kg.index.korean import tokens

    strategies = {}
    for s in sorted(set(g.subjects(RDF.type, KG.Strategy))):
        strategies[str(s)] = {
            "under": sorted(str(x) for x in g.transitive_subjects(KG.subStrategyOf, s)),
            "name_tokens": [sorted(set(tokens(n))) for n in _labels(g, s)],
        }
    matcher = ThemeMatcher(g)
    s_themes = {s: set(g.objects(URIRef(s), KG.theme)) for s in strategies}
    themes = {}
    for t in sorted(set(g.subjects(SKOS.inScheme, KGC.Themes))):
        near = sorted(s for s, ts in s_themes.items() if any(matcher.closeness(t, u) >= RELATED for u in ts))
        if near:
            themes[str(t)] = {"names": _labels(g, t), "strategies": near}
    return {"alignments": alignments, "strategies": strategies, "themes": themes}
