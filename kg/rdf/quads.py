"""The build's named graphs as ``kg push`` sends them to a quad store: every triple in one graph.

A document's graph on disk holds everything the document states, the regions, countries and
implementing bodies it names included, so that it never changes when other documents come or
go. Two plans that name 뮌헨 both state its label. Oxigraph reads the union of such graphs as a
set, as SPARQL's RDF merge is, but a quad store that keeps a default graph over all of its
graphs (Virtuoso) counts that label twice, and every sum and every OPTIONAL over it doubles.
So in the store:

- a document's graph keeps the triples about the document's own nodes (IRIs under its id);
- the triples about every other node it states go to one graph, ``…/graph/shared``, made from
  all the document graphs of the build (a triple once, however many documents state it);
- the links and the concept scheme go as they are.

The union of the store's graphs is the build's graph, each triple in exactly one graph.
Removing a document and pushing again replaces the shared graph with what the remaining
documents state, so nothing of the removed one stays (with ``--prune`` its own graph goes too).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.rdf import dataset
from kg.rdf.vocab import ID

SHARED_GRAPH = str(ID["graph/shared"])
SHARED = "shared"


@dataclass(frozen=True)
class StoreGraph:
    """One graph to send: its IRI, its name (as ``--doc`` calls it), its N-Triples."""

    iri: str
    name: str
    triples: int
    data: bytes


def own_prefixes(doc_id: str) -> tuple[str, str]:
    """The IRIs of a document's own nodes: under its id, and the document node itself."""
    return f"{ID}{doc_id}/", f"{ID}doc/{doc_id}"


def _nt(triples) -> bytes:
    import pyoxigraph as ox

    return ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES)


def _triples(build_dir: Path, ng: dataset.NamedGraph) -> list:
    import pyoxigraph as ox

    return [ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(path=str(dataset.path_of(build_dir, ng)), format=ox.RdfFormat.TURTLE)]


def store_graphs(build_dir: Path, chosen: list[dataset.NamedGraph]) -> list[StoreGraph]:
    """The graphs to send for ``chosen`` (some or all of the build's named graphs): each as the
    store holds it, and the shared graph whenever a document graph is among them (made from all
    of the build's document graphs, each file checked against the manifest)."""
    read: dict[str, list] = {}  # each file parsed once, for its own graph and for the shared one

    def triples_of(ng):
        if ng.file not in read:
            read[ng.file] = _triples(build_dir, ng)
        return read[ng.file]

    out, docs = [], []
    for ng in chosen:
        triples = triples_of(ng)
        if ng.doc_id is None:
            out.append(StoreGraph(ng.iri, ng.name, len(triples), _nt(triples)))
            continue
        prefix, node = own_prefixes(ng.doc_id)
        mine = [t for t in triples if (s := t.subject.value).startswith(prefix) or s == node]
        out.append(StoreGraph(ng.iri, ng.name, len(mine), _nt(mine)))
        docs.append(ng.doc_id)
    if docs:
        shared = set()
        for ng in dataset.listed(build_dir):
            if ng.doc_id is None:
                continue
            prefix, node = own_prefixes(ng.doc_id)
            shared.update(t for t in triples_of(ng) if not ((s := t.subject.value).startswith(prefix) or s == node))
        out.append(StoreGraph(SHARED_GRAPH, SHARED, len(shared), _nt(shared)))
    return out


def store_iris(build_dir: Path) -> set[str]:
    """Every graph IRI the store holds for this build."""
    return {g.iri for g in dataset.listed(build_dir)} | {SHARED_GRAPH}

