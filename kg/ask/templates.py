"""A frame (``kg.ask.frame``) as one SPARQL query, from a few typed parts small enough to read.

``where`` gives the pattern binding each subject ``?x`` with its label ``?name``, the figure
``?v`` and (for a change) the base ``?b``, ``?change`` and ``?rate``; ``query`` wraps it in the
operation: a list, an aggregate, a ranking, the ties of a maximum, or a share of a whole.
"""
from __future__ import annotations

from kg.ask.frame import Figure, Frame

CLASS = {"SubProject": "kg:SubProject", "UnitProject": "kg:UnitProject", "Department": "kg:Department", "Bureau": "kg:Bureau",
         "Team": "kg:Team", "PerformanceIndicator": "kg:PerformanceIndicator"}
# how a container reaches each kind of subject
PATHS = {
    ("Bureau", "Department"): "kg:hasDepartment",
    ("Bureau", "UnitProject"): "kg:hasDepartment/kg:hasUnitProject",
    ("Bureau", "SubProject"): "kg:hasDepartment/kg:hasUnitProject/kg:hasSubProject",
    ("Bureau", "Team"): "kg:hasDepartment/kg:hasTeam",
    ("Bureau", "PerformanceIndicator"): "kg:hasDepartment/kg:hasIndicator",
    ("Department", "UnitProject"): "kg:hasUnitProject",
    ("Department", "SubProject"): "kg:hasUnitProject/kg:hasSubProject",
    ("Department", "Team"): "kg:hasTeam",
    ("Department", "PerformanceIndicator"): "kg:hasIndicator",
    ("UnitProject", "SubProject"): "kg:hasSubProject",
}
_KEY = {"value": "?v", "change": "?change", "rate": "?rate"}
# conditions that are a link from the subject to one node of the graph
_LINKED = {"support_form": "kg:supportForm", "indicator_type": "kg:indicatorType"}


def literal(text: str) -> str:
    """A SPARQL string literal of ``text`` (quotes, backslashes and line breaks escaped)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _iris(values) -> str:
    return " ".join(f"<{v}>" for v in ((values,) if isinstance(values, str) else values))


def _figure(f: Figure, var: str, node: str) -> list[str]:
    if f.measure == "budget":
        return [f"?x kg:budget {node} .", f"{node} kg:fiscalYear {f.year} ; kg:budgetKind kgc:{f.kind} ; kg:amount {var} ."]
    if f.measure == "budget_line":
        year, column = (f.year + 1, "kg:previousAmount") if f.previous else (f.year, "kg:amount")
        return [f"?x kg:budgetLine {node} .", f"{node} kg:category ?category ; kg:fiscalYear {year} ; {column} {var} .",
                f"FILTER(STR(?category) = {literal(f.category or '')})"]
    if f.measure == "staff_quota":
        return [f"?x kg:staffQuota {var} ."]
    if f.measure == "staff_current":
        return [f"?x kg:staffCurrent {var} ."]
    if f.measure in ("indicator_target", "indicator_actual"):
        prop = "kg:target" if f.measure == "indicator_target" else "kg:actual"
        return [f"?x {prop} {node} .", f"{node} kg:fiscalYear {f.year} ; kg:value {var} ."]
    if f.measure == "weight":
        return [f"?x kg:weight {var} ."]
    raise ValueError(f"no template for the figure {f.measure!r}")


def where(frame: Frame) -> list[str]:
    """The lines of the pattern shared by every operation."""
    lines = [f"?x a {CLASS[frame.subject]} ; rdfs:label ?name ."]
    if frame.targets:
        lines.insert(0, f"VALUES ?x {{ {_iris(frame.targets)} }}")
    for i, f in enumerate(frame.filters):
        # EXISTS: a project run by two of the bodies named (or in two containers) is still one row
        if f.field == "in":
            lines.append(f"FILTER EXISTS {{ VALUES ?in{i} {{ {_iris(f.value)} }} ?in{i} {f.path} ?x . }}")
        elif f.field == "implemented_by":
            lines.append(f"FILTER EXISTS {{ VALUES ?body{i} {{ {_iris(f.value)} }} ?x kg:implementedBy ?body{i} . }}")
        elif f.field == "name_contains":
            lines.append(f'FILTER(CONTAINS(REPLACE(STR(?name), "\\\\s", ""), {literal(str(f.value))}))')
        elif f.field in _LINKED:
            lines.append(f"?x {_LINKED[f.field]} <{f.value}> .")
        elif f.field == "documents":
            lines.append(f"?x kg:sourceDocument ?source{i} . VALUES ?source{i} {{ {_iris(f.value)} }}")
        elif f.field == "condition_contains":
            lines.append(f"?x kg:supportCondition ?condition . FILTER(CONTAINS(STR(?condition), {literal(str(f.value))}))")
    if frame.figure is not None:
        if (frame.figure.measure == "budget_line" and frame.base is not None and frame.base.measure == "budget_line"
                and frame.base.previous and not frame.figure.previous and frame.base.year == (frame.figure.year or 0) - 1):
            lines += _figure(frame.figure, "?v", "?line")  # a budget-table line states last year's amount itself
            lines.append("?line kg:previousAmount ?b .")
        else:
            lines += _figure(frame.figure, "?v", "?figure")
            if frame.base is not None:
                lines += _figure(frame.base, "?b", "?baseFigure")
        if frame.base is not None:
            lines.append("BIND(?v - ?b AS ?change)")
            if frame.by == "rate":
                lines.append("FILTER(?b != 0)")
                lines.append("BIND(100 * (?v - ?b) / ?b AS ?rate)")
    for f in frame.filters:
        if f.field == "amount":
            lines.append(f"FILTER(?v {f.comparator} {f.value:g})")
        elif f.field == "new":
            lines.append("FILTER(?b = 0 && ?v > 0)")
        elif f.field == "decreased":
            lines.append("FILTER(?v < ?b)")
        elif f.field == "increased":
            lines.append("FILTER(?v > ?b)")
        elif f.field == "unchanged":
            lines.append("FILTER(?v = ?b)")
    return lines


def _columns(frame: Frame) -> str:
    cols = "?name"
    if frame.figure is not None:
        cols += " ?b ?v ?change" if frame.base is not None else " ?v"
        if frame.by == "rate":
            cols += " ?rate"
    return cols


def query(frame: Frame) -> str:
    body = where(frame)
    inner = "\n  ".join(body)
    key = _KEY[frame.by]
    direction = "DESC" if frame.order == "desc" else "ASC"
    if frame.op == "stated":
        return f"SELECT ?name ?text WHERE {{\n  VALUES ?x {{ {_iris(frame.targets)} }}\n  ?x rdfs:label ?name ; {frame.stated[0]} ?text .\n}}"
    if frame.group is not None:
        agg = {"count": "COUNT(DISTINCT ?x)", "avg": f"AVG({key})"}.get(frame.op, f"SUM({key})")
        name = {"count": "count", "avg": "average"}.get(frame.op, "total")
        inner += f"\n  ?group a {CLASS[frame.group]} ; rdfs:label ?groupName .\n  ?group {PATHS[(frame.group, frame.subject)]} ?x ."
        return (f"SELECT ?groupName ({agg} AS ?{name}) WHERE {{\n  {inner}\n}}\nGROUP BY ?groupName\n"
                f"ORDER BY {direction}(?{name}) ?groupName")
    if frame.op == "count":
        return f"SELECT (COUNT(DISTINCT ?x) AS ?count) WHERE {{\n  {inner}\n}}"
    if frame.op in ("sum", "avg"):
        agg = "SUM" if frame.op == "sum" else "AVG"
        return f"SELECT ({agg}({key}) AS ?{'total' if frame.op == 'sum' else 'average'}) (COUNT(DISTINCT ?x) AS ?count) WHERE {{\n  {inner}\n}}"
    if frame.op in ("max", "min"):
        best = "MAX" if frame.order == "desc" else "MIN"
        return (f"SELECT {_columns(frame)} WHERE {{\n  {inner}\n  {{ SELECT ({best}({key}) AS ?best) WHERE {{\n    "
                + "\n    ".join(body) + f"\n  }} }}\n  FILTER({key} = ?best)\n}}\nORDER BY ?name")
    if frame.op == "top":
        # the N-th value is the cut: rows tied with it are kept (top 3 of 0, 0, 0, 0 is all four)
        cut = (f"{{ SELECT ({key} AS ?cut) WHERE {{\n    " + "\n    ".join(body)
               + f"\n  }} ORDER BY {direction}({key}) OFFSET {frame.n - 1} LIMIT 1 }}")
        keep = ">=" if frame.order == "desc" else "<="
        return (f"SELECT {_columns(frame)} WHERE {{\n  {inner}\n  {cut}\n  FILTER({key} {keep} ?cut)\n}}"
                f"\nORDER BY {direction}({key}) ?name")
    if frame.op == "share":
        iri, _, category, previous = frame.share_of
        if category:  # a department's or bureau's budget-table line (last year's: its previous-amount column)
            year, column = (frame.figure.year + 1, "kg:previousAmount") if previous else (frame.figure.year, "kg:amount")
            whole = [f"<{iri}> kg:budgetLine ?whole .",
                     f"?whole kg:category ?wholeCategory ; kg:fiscalYear {year} ; {column} ?total .",
                     f"FILTER(STR(?wholeCategory) = {literal(category)})"]
        else:  # a unit project's own budget of the same year and kind
            whole = [f"<{iri}> kg:budget ?whole .",
                     f"?whole kg:fiscalYear {frame.figure.year} ; kg:budgetKind kgc:{frame.figure.kind} ; kg:amount ?total ."]
        inner = "\n  ".join(body + whole)
        return f"SELECT ?name ?v ?total (100 * ?v / ?total AS ?share) WHERE {{\n  {inner}\n}}"
    # value and list
    order = f"\nORDER BY {direction}({key}) ?name" if frame.figure is not None else "\nORDER BY ?name"
    return f"SELECT {_columns(frame)} WHERE {{\n  {inner}\n}}{order}"
