"""What the reading of a question needs of the graph — the plan's year, the years with budget
and indicator figures, the labels of support forms and indicator types — computed once when the
build is made and kept beside the graph (``graph_facts.json``, listed in the build's manifest).

With the facts at hand, a question is read without loading the graph: the SPARQL store is opened
only for a question that is understood, so a search whose question is not a structured one
never loads it. A build made before this file existed has none: the facts are then read from
the store, as before.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from kg.lang.keys import key

FACTS_FILE = "graph_facts.json"
VERSION = 1


def graph_facts(engine) -> dict:
    """The facts of ``engine``'s graph, as JSON-able lists and maps."""
    def rows(q):
        return engine.solve(q, "SELECT")["rows"]

    budget = sorted({(int(y), str(k).rsplit("/", 1)[-1]) for y, k in rows(
        "SELECT DISTINCT ?y ?k WHERE { ?a a kg:BudgetAmount ; kg:fiscalYear ?y ; kg:budgetKind ?k }")})
    indicator = sorted({("indicator_target" if str(p).endswith("target") else "indicator_actual", int(y)) for p, y in rows(
        "SELECT DISTINCT ?p ?y WHERE { VALUES ?p { kg:target kg:actual } ?i ?p ?v . ?v kg:fiscalYear ?y }")})

    def concepts(prop):
        out = {}
        for c, label, ko in sorted(rows(f"SELECT DISTINCT ?c ?l ?ko WHERE {{ ?x {prop} ?c . ?c skos:prefLabel|rdfs:label ?l . "
                                        "OPTIONAL { ?c skos:prefLabel ?ko FILTER(lang(?ko) = 'ko') } }"), key=lambda r: tuple(map(str, r))):
            entry = [str(c), str(ko) if ko is not None else str(label)]
            out[key(str(label)).lower()] = entry
            bare = key(re.sub(r"\(.*?\)", "", str(label))).lower()  # 출연(출자) is also said 출연
            if len(bare) >= 2:
                out.setdefault(bare, entry)
        return out

    return {
        "version": VERSION,
        "plan_year": max((y for y, k in budget if k == "Budget"), default=0),
        "budget_years": [list(b) for b in budget],
        "indicator_years": [list(i) for i in indicator],
        "support_forms": concepts("kg:supportForm"),
        "indicator_types": concepts("kg:indicatorType"),
    }


def write_facts(build_dir: Path, engine) -> None:
    (Path(build_dir) / FACTS_FILE).write_text(json.dumps(graph_facts(engine), ensure_ascii=False, indent=1), encoding="utf-8")


def read_facts(build_dir: Path) -> dict | None:
    """The build's facts, or None when it has none of this version (the caller reads the store).
    The caller has checked the build against its manifest."""
    try:
        facts = json.loads((Path(build_dir) / FACTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return facts if isinstance(facts, dict) and facts.get("version") == VERSION else None
