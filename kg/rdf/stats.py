"""Counts of a built graph, with exactly the keys of the ``kg stats --json`` contract."""
from __future__ import annotations

from rdflib import Graph

from kg.rdf.vocab import KG, KGC

STATS_KEYS = (
    "departments", "teams", "unit_projects", "sub_projects", "regions", "sister_regions",
    "friendship_regions", "indicators", "implementing_bodies", "strategies", "passages",
    "alignments", "triples", "budget_2026_unit_projects_total",
)
_CLASS_COUNTS = {
    "departments": KG.Department,
    "teams": KG.Team,
    "unit_projects": KG.UnitProject,
    "sub_projects": KG.SubProject,
    "regions": KG.Region,
    "indicators": KG.PerformanceIndicator,
    "implementing_bodies": KG.ImplementingBody,
    "strategies": KG.Strategy,
    "passages": KG.Passage,
    "alignments": KG.Alignment,
}


def _count(g: Graph, query: str, **bindings) -> int:
    row = next(iter(g.query(query, initBindings=bindings, initNs={"kg": KG._NS})))
    return int(row[0])


def stats(g: Graph) -> dict[str, float | int]:
    out: dict[str, float | int] = {}
    for name, cls in _CLASS_COUNTS.items():
        out[name] = _count(g, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?cls }", cls=cls)
    by_type = "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a kg:Region ; kg:partnershipType ?t }"
    out["sister_regions"] = _count(g, by_type, t=KGC.SisterRelationship)
    out["friendship_regions"] = _count(g, by_type, t=KGC.FriendshipRelationship)
    out["triples"] = len(g)
    total = next(iter(g.query(
        """SELECT (SUM(?v) AS ?total) WHERE {
             ?u a kg:UnitProject ; kg:budget ?b .
             ?b kg:fiscalYear 2026 ; kg:budgetKind kgc:Budget ; kg:amount ?v }""",
        initNs={"kg": KG._NS, "kgc": KGC._NS},
    )))[0]
    out["budget_2026_unit_projects_total"] = float(total) if total is not None else 0
    if out["budget_2026_unit_projects_total"] == int(out["budget_2026_unit_projects_total"]):
        out["budget_2026_unit_projects_total"] = int(out["budget_2026_unit_projects_total"])
    return {k: out[k] for k in STATS_KEYS}
