"""Reading a build's plan ↔ brief links back: the saved queries, filters, explanations,
the gap list and an evaluation against labelled examples.

The links themselves are computed at build time (``kg.link``) and stored in the graph;
everything here runs on the built graph through the saved SPARQL queries in ``queries/``,
so the CLI, the app and an analyst's own SPARQL see the same thing.
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from rdflib import RDFS, Graph
from rdflib.namespace import SKOS

from kg.errors import InputError, KgError
from kg.lang.keys import key
from kg.rdf.build import alignment_iri
from kg.rdf.vocab import KG

SUPPORTING = "projects-supporting-public-diplomacy.rq"
GAPS = "strategies-without-projects.rq"
# the order methods are listed in, from the strongest kind of evidence
METHOD_ORDER = ("themes", "countries", "structure", "embedding", "shared-themes", "words", "programme")


class UnknownStrategyError(KgError):
    """A strategy filter names no strategy of the brief."""

    exit_code = 2


def read_query(queries_dir: Path, name: str) -> str:
    path = Path(queries_dir) / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("saved query not found", path=str(path)) from None


def links(g: Graph, queries_dir: Path) -> list[dict]:
    """Every alignment, strongest first, in the shape of ``kg links --json`` (DESIGN.md)."""
    out = []
    for row in g.query(read_query(queries_dir, SUPPORTING)):
        methods = sorted(set(str(row.methods).split()), key=lambda m: (METHOD_ORDER.index(m) if m in METHOD_ORDER else 99, m))
        out.append({
            "project_iri": str(row.project),
            "project": str(row.projectLabel),
            "strategy_iri": str(row.strategy),
            "strategy": str(row.strategyLabel),
            "score": float(row.score),
            "method": "+".join(methods),
            "evidence": str(row.evidence),
            "project_type": str(row.projectType).rsplit("#", 1)[-1],
            "department": str(row.department) if row.department is not None else None,
            "branch": str(row.branch) if row.branch is not None else None,
            "relevance": float(row.relevance) if row.relevance is not None else None,
            "plan_evidence": str(row.planEvidence),
            "brief_evidence": str(row.briefEvidence),
        })
    # one row per alignment even if a project sits under two departments' units
    seen, unique = set(), []
    for r in out:
        if (r["project_iri"], r["strategy_iri"]) not in seen:
            seen.add((r["project_iri"], r["strategy_iri"]))
            unique.append(r)
    return unique


def strategies_named(g: Graph, name: str) -> set[str]:
    """Strategies whose name (or alternative name) contains ``name`` or is contained in it,
    with every strategy under them. Raises UnknownStrategyError naming the choices."""
    wanted = key(name).lower()
    all_ = set(g.subjects(KG.subStrategyOf, None)) | set(g.objects(None, KG.subStrategyOf))
    found = set()
    for s in all_:
        names = [key(str(x)).lower() for p in (RDFS.label, SKOS.altLabel) for x in g.objects(s, p)]
        if wanted and any(wanted in n or (len(n) >= 4 and n in wanted) for n in names):
            found.add(s)
    if not found:
        choices = ", ".join(sorted(str(g.value(s, RDFS.label)) for s in all_))
        raise UnknownStrategyError(f"no strategy named {name!r}; strategies: {choices}")
    return {str(x) for s in found for x in g.transitive_subjects(KG.subStrategyOf, s)}


def filter_strategy(g: Graph, rows: list[dict], name: str) -> list[dict]:
    wanted = strategies_named(g, name)
    return [r for r in rows if r["strategy_iri"] in wanted]


def filter_project(rows: list[dict], name: str) -> list[dict]:
    wanted = key(name).lower()
    return [r for r in rows if wanted in key(r["project"]).lower()]


def why(g: Graph, project_iri: str, strategy_iri: str) -> list[str]:
    """The reasons recorded on an alignment (rdfs:comment), in Korean."""
    return sorted(str(c) for c in g.objects(alignment_iri(project_iri, strategy_iri), RDFS.comment))


def gaps(g: Graph, queries_dir: Path) -> list[dict]:
    """Most specific strategies that no project supports (saved query)."""
    return [
        {"strategy_iri": str(r.strategy), "strategy": str(r.strategyLabel),
         "branch": str(r.branch) if r.branch is not None else None, "text": str(r.text) if r.text is not None else ""}
        for r in g.query(read_query(queries_dir, GAPS))
    ]


def coverage(g: Graph, rows: list[dict]) -> list[dict]:
    """Per branch of the strategy tree: its items, how many some project supports, and the
    projects that carry out the branch or any item of it."""
    out = []
    for branch in sorted(set(g.objects(None, KG.subStrategyOf)), key=lambda s: int(g.value(s, KG.startLine) or 0)):
        items = sorted(g.subjects(KG.subStrategyOf, branch), key=lambda s: int(g.value(s, KG.startLine) or 0))
        if g.value(branch, KG.subStrategyOf) is None:  # a root: its branches are reported one by one
            continue
        names = {str(s) for s in items} | {str(branch)}
        projects = sorted({r["project"] for r in rows if r["strategy_iri"] in names})
        covered = [str(g.value(s, RDFS.label)) for s in items if any(r["strategy_iri"] == str(s) for r in rows)]
        out.append({
            "branch": str(g.value(branch, RDFS.label)),
            "items": len(items),
            "items_covered": covered,
            "items_uncovered": [str(g.value(s, RDFS.label)) for s in items if str(g.value(s, RDFS.label)) not in covered],
            "projects": projects,
        })
    return out


# ---------------------------------------------------------------- evaluation on labelled examples


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


def read_labels(path: Path) -> list[dict]:
    """``{"project", "supports_gukmin_oegyo", "why"}`` lines (../shared/eval/links_dev.jsonl)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError("labelled links file not found", path=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("labelled links file is not UTF-8", path=str(path)) from None
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append({"project": str(row["project"]), "label": bool(row["supports_gukmin_oegyo"]), "why": row.get("why", "")})
        except (json.JSONDecodeError, KeyError, TypeError):
            raise InputError('expected {"project", "supports_gukmin_oegyo"}', path=str(path), line=n) from None
    return out


def evaluate(scores: dict[str, float], labels: list[dict], threshold: float) -> dict:
    """Precision and recall of "supports 국민외교" (a project's best score ≥ threshold) on
    labelled projects; ``scores`` maps project names to their best alignment score (projects
    with none are absent). Labelled projects the plan does not have are reported, not scored."""
    by_name = {_norm(k): v for k, v in scores.items()}
    rows, missing = [], []
    for lab in labels:
        name = _norm(lab["project"])
        if name not in by_name and not any(name in k for k in by_name):
            missing.append(lab["project"])
        score = by_name.get(name, max((v for k, v in by_name.items() if name in k), default=0.0))
        rows.append({**lab, "score": round(score, 3), "predicted": score >= threshold})
    tp = sum(r["label"] and r["predicted"] for r in rows)
    fp = sum(not r["label"] and r["predicted"] for r in rows)
    fn = sum(r["label"] and not r["predicted"] for r in rows)
    pos = [r["score"] for r in rows if r["label"]]
    neg = [r["score"] for r in rows if not r["label"]]
    return {
        "threshold": threshold,
        "examples": len(rows),
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "lowest_positive": min(pos) if pos else None,
        "highest_negative": max(neg) if neg else None,
        "errors": [r for r in rows if r["label"] != r["predicted"]],
        "rows": rows,
        "not_in_plan": missing,
    }
