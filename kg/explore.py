"""What the graph knows about one entity, its neighbourhood, and the budgets: the data of the
app's entity pages, graph view and budget charts, and of ``kg show``.

Everything here reads an rdflib graph of a build (plus the ontology for Korean names of
classes and properties) and returns plain dicts and lists; rendering is the caller's.
Labels come from documents and stay plain strings: ``to_dot`` quotes them for Graphviz,
which draws them as text.
"""
from __future__ import annotations

from collections import defaultdict, deque
from pathlib import Path

import networkx as nx
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.errors import KgError
from kg.rdf.vocab import ID, KG, KGC

# colours of node types in the graph view (Graphviz names, readable on white)
TYPE_COLOURS = {
    "Bureau": "#4e79a7", "Department": "#59a14f", "Team": "#8cd17d", "UnitProject": "#f28e2b",
    "SubProject": "#ffbe7d", "ImplementingBody": "#b07aa1", "Region": "#76b7b2", "Country": "#499894",
    "PerformanceIndicator": "#e15759", "PolicyGoal": "#ff9d9a", "Strategy": "#edc948", "Programme": "#d4a6c8",
    "Problem": "#bab0ac", "Passage": "#d7d7d7", "Phase": "#9d7660", "Document": "#79706e", "Section": "#c7c7c7",
}
# shown as facts of their own (budgets, indicators, source) rather than in the fact list
_OWN_SECTIONS = {RDF.type, RDFS.label, KG.budget, KG.hasIndicator, KG.sourceDocument, KG.startLine, KG.endLine,
                 KG.target, KG.actual}
_KIND_KO = {KGC.Budget: "예산", KGC.Settlement: "결산"}


class UnknownEntityError(KgError):
    """No entity of the graph has that IRI or name."""

    exit_code = 2


def names(ontology: Graph) -> dict[str, str]:
    """Korean label of every class and property of the ontology, by IRI."""
    out = {}
    for s, label in ontology.subject_objects(RDFS.label):
        if isinstance(label, Literal) and label.language == "ko":
            out[str(s)] = str(label)
    return out


def label(g: Graph, node) -> str:
    """The node's name: a Korean label first, then any label, then the end of its IRI."""
    found = [o for p in (RDFS.label, SKOS.prefLabel) for o in g.objects(node, p) if isinstance(o, Literal)]
    found.sort(key=lambda o: (o.language != "ko", o.language or "", str(o)))
    return str(found[0]) if found else _local(node)


def kind(g: Graph, node) -> str:
    """The node's kg: class (local name), or "" if it has none."""
    for cls in g.objects(node, RDF.type):
        if str(cls).startswith(str(KG._NS)):
            return _local(cls)
    return ""


def _local(iri) -> str:
    s = str(iri)
    return s.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def find(g: Graph, text: str, limit: int = 20) -> list[dict]:
    """Entities whose IRI is ``text`` or whose label equals or contains it (exact names first)."""
    text = " ".join((text or "").split())
    if not text:
        return []
    if text.startswith(str(ID)) and (URIRef(text), None, None) in g:
        return [_card(g, URIRef(text))]
    folded = text.casefold()
    exact, partial = [], []
    for s, lab in g.subject_objects(RDFS.label):
        if not isinstance(s, URIRef) or kind(g, s) in ("", "Alignment", "BudgetAmount", "BudgetLine", "IndicatorValue"):
            continue
        low = str(lab).casefold()
        if low == folded:
            exact.append(s)
        elif folded in low:
            partial.append(s)
    found = sorted(set(exact), key=str) + sorted(set(partial) - set(exact), key=lambda s: (len(label(g, s)), str(s)))
    return [_card(g, s) for s in found[:limit]]


def _card(g: Graph, s) -> dict:
    return {"iri": str(s), "label": label(g, s), "type": kind(g, s)}


def summary(g: Graph, iri: str) -> dict:
    """What a search result card shows besides the text: department, 시행주체, the latest 예산,
    where it was read, and the strategies a project supports."""
    node = URIRef(iri)
    dept = None
    if kind(g, node) == "Department":
        dept = node
    else:
        owner = g.value(predicate=KG.hasSubProject, object=node) or node
        dept = g.value(predicate=KG.hasUnitProject, object=owner)
    plan = [b for b in budgets(g, node) if b["kind"] == "예산"]
    src = source(g, node, None)
    return {
        "department": label(g, dept) if dept is not None else "",
        "bodies": sorted(label(g, b) for b in g.objects(node, KG.implementedBy)),
        "budget": plan[-1] if plan else None,
        "source": f"{src['file'] or src['document']} {line_range(src)}" if src else "",
        "strategies": [{"iri": a["iri"], "label": a["label"], "score": a["score"]}
                       for a in alignments(g, node)] if kind(g, node) in ("SubProject", "UnitProject") else [],
    }


def line_range(src: dict) -> str:
    """Lines of a ``source`` dict as shown to people: "569행", "543–600행"; with the page or
    paragraph they are on when the document is a PDF or 한글 file ("12쪽, 543–600행")."""
    lines = f"{src['start']}행" if src["start"] == src["end"] else f"{src['start']}–{src['end']}행"
    return f"{src['where']}, {lines}" if src.get("where") else lines


def entity(g: Graph, iri: str, vocab: dict[str, str] | None = None, raw_dir: Path | None = None) -> dict:
    """Everything the graph says about ``iri``: facts, budgets by year, indicators with targets,
    alignments with evidence, neighbours, and the source excerpt (when ``raw_dir`` has the file)."""
    vocab = vocab or {}
    node = URIRef(iri)
    if (node, None, None) not in g:
        raise UnknownEntityError(f"no entity {iri} in the graph")
    out = {**_card(g, node), "type_name": vocab.get(str(KG[kind(g, node)]), kind(g, node)), "facts": [],
           "budgets": budgets(g, node), "indicators": [], "alignments": [], "neighbours": [], "source": None}
    for p, o in sorted(g.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
        if p in _OWN_SECTIONS:
            continue
        if isinstance(o, Literal):
            out["facts"].append({"property": vocab.get(str(p), _local(p)), "value": str(o)})
        elif (o, SKOS.prefLabel, None) in g:  # a concept: 지원형태, 결연 유형, theme …
            out["facts"].append({"property": vocab.get(str(p), _local(p)), "value": label(g, o)})
    for ind in sorted(g.objects(node, KG.hasIndicator), key=str):
        targets = {int(g.value(v, KG.fiscalYear)): str(g.value(v, KG.valueText) or g.value(v, KG.value) or "")
                   for v in g.objects(ind, KG.target)}
        out["indicators"].append({"iri": str(ind), "label": label(g, ind), "unit": str(g.value(ind, KG.measurementUnit) or ""),
                                  "targets": dict(sorted(targets.items()))})
    out["alignments"] = alignments(g, node)
    out["series"] = series(g, node)
    out["neighbours"] = neighbours(g, node, vocab)
    out["source"] = source(g, node, raw_dir)
    return out


def budgets(g: Graph, node) -> list[dict]:
    """The node's amounts by year and kind (결산/예산), in 백만원, oldest first."""
    rows = []
    for b in g.objects(node, KG.budget):
        year, amount = g.value(b, KG.fiscalYear), g.value(b, KG.amount)
        if year is None or amount is None:
            continue
        kind_ko = _KIND_KO.get(g.value(b, KG.budgetKind), "")
        rows.append({"year": int(year), "kind": kind_ko, "label": f"{kind_ko} {int(year)}", "amount": float(amount)})
    return sorted(rows, key=lambda r: (r["year"], r["kind"]))


def series(g: Graph, node) -> list[dict]:
    """The same project in the other years' plans of its bureau (``kg.series``): each year's
    project and the 예산 its plan states for that year, oldest first; none if it has no series."""
    rows = []
    for s in g.subjects(KG.seriesMember, node):
        for member in g.objects(s, KG.seriesMember):
            doc = g.value(member, KG.sourceDocument)
            year = g.value(doc, KG.documentYear) if doc is not None else None
            if year is None:
                continue
            amount = next((g.value(b, KG.amount) for b in g.objects(member, KG.budget)
                           if g.value(b, KG.fiscalYear) == year and g.value(b, KG.budgetKind) == KGC.Budget), None)
            rows.append({"year": int(year), "iri": str(member), "label": label(g, member),
                         "amount": float(amount) if amount is not None else None, "this": member == node})
    return sorted(rows, key=lambda r: (r["year"], r["iri"]))


def alignments(g: Graph, node) -> list[dict]:
    """Strategies a project supports, or projects supporting a strategy, strongest first."""
    is_strategy = kind(g, node) == "Strategy"
    mine, other = (KG.alignedStrategy, KG.alignedEntity) if is_strategy else (KG.alignedEntity, KG.alignedStrategy)
    rows = []
    for a in g.subjects(mine, node):
        target = g.value(a, other)
        rows.append({
            "iri": str(target), "label": label(g, target), "type": kind(g, target),
            "score": float(g.value(a, KG.score) or 0), "methods": sorted(str(m) for m in g.objects(a, KG.method)),
            "plan_evidence": str(g.value(a, KG.entityEvidence) or ""), "brief_evidence": str(g.value(a, KG.strategyEvidence) or ""),
            "reasons": sorted(str(c) for c in g.objects(a, RDFS.comment)),
        })
    return sorted(rows, key=lambda r: (-r["score"], r["label"]))


def neighbours(g: Graph, node, vocab: dict[str, str] | None = None) -> list[dict]:
    """Entities one edge away (value nodes and alignments left out), with the edge's name."""
    vocab = vocab or {}
    rows = []
    for direction, pairs in (("out", g.predicate_objects(node)), ("in", ((p, s) for s, p in g.subject_predicates(node)))):
        for p, other in pairs:
            if p == RDF.type or isinstance(other, Literal) or not kind(g, other):
                continue
            if kind(g, other) in ("Alignment", "BudgetAmount", "BudgetLine", "IndicatorValue"):
                continue
            rows.append({"direction": direction, "property": vocab.get(str(p), _local(p)), **_card(g, other)})
    return sorted(rows, key=lambda r: (r["direction"] == "in", r["property"], r["label"]))


def source(g: Graph, node, raw_dir: Path | None) -> dict | None:
    """Where the entity was read: document title and file, lines, and those lines' text."""
    doc, start, end = g.value(node, KG.sourceDocument), g.value(node, KG.startLine), g.value(node, KG.endLine)
    if doc is None or start is None:
        return None
    start, end = int(start), int(end if end is not None else start)
    name = str(g.value(doc, KG.sourceName) or "")
    out = {"document": label(g, doc), "file": name, "start": start, "end": end, "excerpt": ""}
    path = inside(raw_dir, name) if raw_dir else None
    if path is not None:
        from kg.errors import InputError
        from kg.parse.text import read_source

        try:
            src = read_source(path)  # the same line numbers the parser gave
        except InputError:  # changed or removed since the build: no excerpt rather than an error
            return out
        out["excerpt"] = "\n".join(src.lines[start - 1 : end])
        places = list(dict.fromkeys(src.places[start - 1 : end]))
        if places:  # a PDF's pages, a 한글 document's paragraphs or table rows
            out["where"] = places[0] if len(places) == 1 else f"{places[0]} – {places[-1]}"
    return out


def inside(folder: Path, name: str) -> Path | None:
    """``folder/name`` when ``name`` is a plain file name of a file directly in ``folder``; never a
    path that leads out of it (``../x``, ``/etc/passwd``, a link): the graph is data, not a path."""
    if not name or name in (".", "..") or Path(name).name != name or "\\" in name or "\x00" in name:
        return None
    path = Path(folder) / name
    try:
        if path.is_symlink() or not path.is_file() or path.resolve().parent != Path(folder).resolve():
            return None
    except OSError:
        return None
    return path


# ------------------------------------------------------------ graph view


def neighbourhood(view: nx.MultiDiGraph, centre: str | None, depth: int = 1, types: set[str] | None = None,
                  cap: int = 60) -> tuple[nx.MultiDiGraph, int]:
    """The part of the graph view within ``depth`` edges of ``centre`` (any direction), kept to
    nodes of ``types`` (the centre always stays), at most ``cap`` nodes nearest first.
    ``centre`` None: the whole graph (the bureau). Returns (subgraph, nodes found before the cap)."""
    keep = (lambda n: True) if not types else (lambda n: view.nodes[n].get("type") in types)
    if centre is None:
        found = [n for n in sorted(view.nodes, key=lambda n: (-view.degree(n), n)) if keep(n)]
    else:
        if centre not in view:
            raise UnknownEntityError(f"no entity {centre} in the graph view")
        found, seen, todo = [centre], {centre}, deque([(centre, 0)])
        undirected = view.to_undirected(as_view=True)
        while todo:
            n, d = todo.popleft()
            if d == depth:
                continue
            for m in sorted(undirected.neighbors(n)):
                if m not in seen:
                    seen.add(m)
                    todo.append((m, d + 1))
                    if keep(m):
                        found.append(m)
    return view.subgraph(found[:cap]).copy(), len(found)


def _dot_string(text: str) -> str:
    """A DOT quoted string on one line: white space collapsed, backslashes and quotes escaped."""
    text = " ".join(text.split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _short(text: str, width: int = 18) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[:width].rsplit(" ", 1)[0] if " " in text[:width] else text[:width]
    return cut + "…"


def to_dot(sub: nx.MultiDiGraph, centre: str | None = None, href=None) -> str:
    """Graphviz DOT of a neighbourhood: nodes coloured by type, labels as quoted text (never
    HTML-like labels), full names as tooltips, ``href(iri)`` as each node's link."""
    lines = ["digraph kg {", '  graph [rankdir=LR, bgcolor="transparent", fontname="Noto Sans CJK KR"];',
             '  node [shape=box, style="rounded,filled", fontname="Noto Sans CJK KR", fontsize=11];',
             '  edge [fontname="Noto Sans CJK KR", fontsize=9, color="#888888"];']
    ids = {n: f"n{i}" for i, n in enumerate(sorted(sub.nodes))}
    for n in sorted(sub.nodes):
        data = sub.nodes[n]
        name = data.get("label") or _local(n)
        attrs = {"label": _dot_string(_short(name)), "tooltip": _dot_string(f"{data.get('type', '')}: {name}"),
                 "fillcolor": _dot_string(TYPE_COLOURS.get(data.get("type", ""), "#eeeeee"))}
        if n == centre:
            attrs["penwidth"] = "3"
        if href is not None:
            attrs["URL"] = _dot_string(href(n))
            attrs["target"] = '"_self"'
        lines.append(f"  {ids[n]} [" + ", ".join(f"{k}={v}" for k, v in attrs.items()) + "];")
    for s, o, data in sorted(sub.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("predicate", ""))):
        lines.append(f"  {ids[s]} -> {ids[o]} [label={_dot_string(_local(data.get('predicate', '')).split(':')[-1])}];")
    lines.append("}")
    return "\n".join(lines)


# ------------------------------------------------------------ budgets


def department_budgets(g: Graph) -> list[dict]:
    """Per department and column (결산 2024, 예산 2025, 예산 2026): the sum of its unit projects, 백만원."""
    totals: dict[tuple[str, str, int, str], float] = defaultdict(float)
    for dept in g.subjects(RDF.type, KG.Department):
        for unit in g.objects(dept, KG.hasUnitProject):
            for b in budgets(g, unit):
                totals[(str(dept), label(g, dept), b["year"], b["kind"])] += b["amount"]
    return [{"iri": k[0], "department": k[1], "year": k[2], "kind": k[3], "column": f"{k[3]} {k[2]}", "amount": round(v, 3)}
            for k, v in sorted(totals.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][3]))]


def budget_changes(g: Graph, limit: int = 10) -> dict[str, list[dict]]:
    """세부사업 whose 예산 changed most between the last two budget years: increases and cuts."""
    rows = []
    for sub in g.subjects(RDF.type, KG.SubProject):
        plan = {b["year"]: b["amount"] for b in budgets(g, sub) if b["kind"] == "예산"}
        if len(plan) < 2:
            continue
        last, before = sorted(plan)[-1], sorted(plan)[-2]
        unit = g.value(predicate=KG.hasSubProject, object=sub)
        rows.append({"iri": str(sub), "label": label(g, sub), "unit": label(g, unit) if unit is not None else "",
                     "from_year": before, "to_year": last, "before": plan[before], "after": plan[last],
                     "change": round(plan[last] - plan[before], 3)})
    rows.sort(key=lambda r: (-r["change"], r["label"]))
    return {"increases": [r for r in rows if r["change"] > 0][:limit],
            "cuts": sorted((r for r in rows if r["change"] < 0), key=lambda r: (r["change"], r["label"]))[:limit]}


def document_counts(g: Graph) -> dict[str, dict[str, int]]:
    """For each document (by its id): how many entities of each class it holds."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s, d in g.subject_objects(KG.sourceDocument):
        for t in g.objects(s, RDF.type):
            out[str(d).rsplit("/", 1)[-1]][_local(t)] += 1
    return {k: dict(v) for k, v in out.items()}
