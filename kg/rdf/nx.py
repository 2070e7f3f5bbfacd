"""The graph view of the RDF graph as networkx: entities as nodes, object properties as edges."""
from __future__ import annotations

import io

import networkx as nx
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.rdf.vocab import KG

# Value-like nodes stay attributes of their owner rather than nodes of their own.
_VALUE_CLASSES = {KG.BudgetAmount, KG.BudgetLine, KG.IndicatorValue}


def to_networkx(g: Graph) -> nx.MultiDiGraph:
    """Entities (typed kg: nodes) with label and type; edges named by their property."""
    out = nx.MultiDiGraph()
    kg_ns = str(KG._NS)
    for s, cls in g.subject_objects(RDF.type):
        if not str(cls).startswith(kg_ns) or cls in _VALUE_CLASSES:
            continue
        label = g.value(s, RDFS.label) or g.value(s, SKOS.prefLabel) or ""
        out.add_node(str(s), label=str(label), type=str(cls)[len(kg_ns) :])
    for s, p, o in g:
        if isinstance(o, Literal) or p == RDF.type or not isinstance(o, URIRef):
            continue
        if str(s) in out and str(o) in out:
            out.add_edge(str(s), str(o), key=str(p), predicate=g.namespace_manager.normalizeUri(p))
    return out


def to_graphml(g: Graph) -> str:
    buf = io.BytesIO()
    nx.write_graphml(to_networkx(g), buf, encoding="utf-8")
    return buf.getvalue().decode("utf-8")
