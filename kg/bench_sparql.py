"""SPARQL store benchmark, run by ``kg bench sparql``: plain rdflib against the product's engine.

The product's side is ``kg.sparql.Engine`` (a pyoxigraph Store; queries go to pyoxigraph and only
the rows returned become rdflib terms), plain rdflib is ``Graph()`` with ``graph.query``; both are
queried through ``kg.sparql.solve``, the evaluation step of the guarded executor. Each store loads the corpus graph and, when ``scale`` > 0, a
synthetic graph of about ``scale`` triples made by replicating the corpus with rewritten
instance IRIs; then every query in ``QUERIES`` runs once untimed (its rows are compared between
the stores) and ``repeat`` times timed. A timed run includes parsing the query and turning
every row into rdflib terms. The machine is shared and noisy, so figures are reported, not
asserted.
"""
from __future__ import annotations

import gc
import json
import math
import resource
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from kg.rdf.io import GRAPH_FILE
from kg.rdf.vocab import ID

_PREFIXES = """\
PREFIX kg:   <https://w3id.org/policy-kg/ontology#>
PREFIX kgc:  <https://w3id.org/policy-kg/concept/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

# Typical questions asked of the graph; every one returns rows on the corpus.
# (a) and (c) leave out ``?dept a kg:Department`` (``kg:hasUnitProject`` has that domain):
# rdflib orders a basic graph pattern by bound terms alone and evaluates the whole block of
# equally bound patterns first, so ``?dept a kg:Department`` next to ``?b kg:fiscalYear 2026``
# becomes a cross product of departments and budget amounts, quadratic in the graph's size
# (at ~100k triples (a) took 11 s and (c) 23 s that way, 0.3 s and 0.6 s this way). Oxigraph
# plans either form well (16 ms and 108 ms).
QUERIES: dict[str, str] = {
    # (a) 부서별 2026 예산 합계: department → unit projects → 2026 예산 amounts, summed
    "dept_budget_2026": _PREFIXES + """\
SELECT ?dept ?deptLabel (SUM(?amount) AS ?total) (COUNT(?unit) AS ?units)
WHERE {
  ?dept kg:hasUnitProject ?unit ; rdfs:label ?deptLabel .
  ?unit kg:budget ?b .
  ?b kg:fiscalYear 2026 ; kg:budgetKind kgc:Budget ; kg:amount ?amount .
}
GROUP BY ?dept ?deptLabel
ORDER BY DESC(?total)
""",
    # (b) 시행주체별 사업 수: sub-projects per implementing body
    "subprojects_per_body": _PREFIXES + """\
SELECT ?body ?bodyLabel (COUNT(DISTINCT ?sub) AS ?subProjects)
WHERE {
  ?sub a kg:SubProject ; kg:implementedBy ?body .
  ?body rdfs:label ?bodyLabel .
}
GROUP BY ?body ?bodyLabel
ORDER BY DESC(?subProjects) ?bodyLabel
""",
    # (c) two hops up from each sub-project: its unit, its department and its 2026 예산
    "subproject_unit_dept_budget": _PREFIXES + """\
SELECT ?sub ?subLabel ?unitLabel ?deptLabel ?amount
WHERE {
  ?dept kg:hasUnitProject ?unit ; rdfs:label ?deptLabel .
  ?unit kg:hasSubProject ?sub ; rdfs:label ?unitLabel .
  ?sub rdfs:label ?subLabel ; kg:budget ?b .
  ?b kg:fiscalYear 2026 ; kg:budgetKind kgc:Budget ; kg:amount ?amount .
}
ORDER BY ?deptLabel ?unitLabel DESC(?amount)
""",
    # (d) projects supporting a strategy of the brief, with the alignment score
    "supports_with_score": _PREFIXES + """\
SELECT ?project ?projectLabel ?strategy ?strategyLabel ?score
WHERE {
  ?alignment a kg:Alignment ; kg:alignedEntity ?project ;
             kg:alignedStrategy ?strategy ; kg:score ?score .
  ?project kg:supports ?strategy ; rdfs:label ?projectLabel .
  ?strategy rdfs:label ?strategyLabel .
}
ORDER BY DESC(?score) ?projectLabel
""",
    # (e) label lookup by substring (no index helps: a scan of every label)
    "label_contains": _PREFIXES + """\
SELECT ?s ?label
WHERE {
  ?s rdfs:label ?label .
  FILTER(CONTAINS(STR(?label), "교류"))
}
""",
    # (f) every triple counted
    "count_triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n",
}

# the stores compared; Oxigraph first: at scale plain rdflib is slow
STORES = ("oxigraph", "rdflib")


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _rss_mib() -> float:
    """Resident memory now (Linux ``/proc``; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * resource.getpagesize() / 2**20


def _percentiles(times: list[float]) -> dict:
    """Median and nearest-rank p95 in ms (with fewer than 20 runs p95 is the slowest run)."""
    times = sorted(times)
    return {
        "p50": round(statistics.median(times), 2),
        "p95": round(times[max(0, math.ceil(0.95 * len(times)) - 1)], 2),
    }


def _ratio(slow: float, fast: float) -> float | None:
    return round(slow / fast, 1) if fast > 0 else None


# ------------------------------------------------------------ synthetic graph


def _template(graph_ttl: Path) -> tuple[str, list[str], int, int]:
    """The corpus as N-Triples: (text of the triples with no instance IRI or blank node,
    the other triples split where a copy suffix goes, how many of each).

    ``suffix.join(fragments)`` is then one copy of the instance part with every instance IRI
    and blank node label ending in ``suffix``; ontology and concept IRIs are left alone.
    """
    from pyoxigraph import BlankNode, NamedNode, RdfFormat, parse

    static: list[str] = []
    fragments: list[str] = []
    buf: list[str] = []
    n_static = n_dynamic = 0
    for quad in parse(path=str(graph_ttl), format=RdfFormat.TURTLE):
        terms = (quad.subject, quad.predicate, quad.object)
        if not any(isinstance(t, BlankNode) or (isinstance(t, NamedNode) and t.value.startswith(str(ID))) for t in terms):
            static.append(f"{terms[0]} {terms[1]} {terms[2]} .\n")
            n_static += 1
            continue
        n_dynamic += 1
        for i, t in enumerate(terms):
            if isinstance(t, NamedNode) and t.value.startswith(str(ID)):
                buf.append("<" + t.value)
                fragments.append("".join(buf))
                buf = [">"]
            elif isinstance(t, BlankNode):
                buf.append("_:" + t.value)
                fragments.append("".join(buf))
                buf = []
            else:
                buf.append(str(t))
            buf.append(" " if i < 2 else " .\n")
    fragments.append("".join(buf))
    return "".join(static), fragments, n_static, n_dynamic


def write_synthetic(graph_ttl: Path, out: Path, scale: int) -> int:
    """Write to ``out`` as Turtle about ``scale`` triples: the corpus and copies of its instance
    triples, copy ``i`` with instance IRIs ending ``-c{i}``. Returns the number of copies, the
    corpus included.

    Turtle with the graph's prefixes, not N-Triples, so the load times are those of a real
    ``graph.ttl``: rdflib reads N-Triples of the same graph about 1.5× slower (it is ~4× larger).
    """
    from pyoxigraph import RdfFormat, parse, serialize

    from kg.rdf.build import prefix_map

    static, fragments, n_static, n_dynamic = _template(graph_ttl)
    copies = max(1, round((scale - n_static) / max(n_dynamic, 1)))
    nt = out.with_name(out.name + ".nt")
    with nt.open("w", encoding="utf-8") as f:
        f.write(static)
        for i in range(copies):
            f.write((f"-c{i}" if i else "").join(fragments))
    serialize(parse(path=str(nt), format=RdfFormat.N_TRIPLES), output=str(out), format=RdfFormat.TURTLE, prefixes=prefix_map())
    nt.unlink()
    return copies


# ------------------------------------------------------------ measuring


def _rows(graph, query: str) -> list[tuple]:
    """Every row of ``query``, evaluated as the product evaluates it (``kg.sparql.solve``:
    pyoxigraph directly on the Oxigraph store, ``graph.query`` on rdflib's own), without the
    guards and the forked child, whose few milliseconds are the same for both stores."""
    from kg import sparql

    return sparql.solve(graph, query, "SELECT")["rows"]


def _values(rows: list[tuple]) -> Counter:
    """The rows as a multiset of plain values, so ``12.50`` from one store equals ``12.5``."""
    return Counter(tuple(None if v is None else v.toPython() for v in row) for row in rows)


def _bench_store(path: Path, store: str, repeat: int) -> dict:
    """Load ``path`` into one store, run every query (once untimed, then ``repeat`` times),
    free the store. Returns triples, load time, memory taken (RSS growth over the load: memory a
    store freed before may be reused, so a lower bound), and per query its rows and times."""
    from rdflib import Graph

    from kg.sparql import Engine

    def load(p):
        if store == "oxigraph":
            return Engine.load(p)
        g = Graph()
        g.parse(p, format="turtle")
        return g

    with tempfile.TemporaryDirectory() as tmp:  # import the libraries untimed
        tiny = Path(tmp) / "tiny.ttl"
        tiny.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
        load(tiny)
    gc.collect()
    rss0 = _rss_mib()
    t0 = time.perf_counter()
    g = load(path)
    load_s = time.perf_counter() - t0
    out = {"triples": len(g), "load_s": load_s, "rss_mib": _rss_mib() - rss0, "queries": {}}
    for name, query in QUERIES.items():
        rows = _rows(g, query)  # warm-up; its rows are compared between the stores
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            _rows(g, query)
            times.append((time.perf_counter() - t0) * 1000)
        out["queries"][name] = {"rows": len(rows), "values": _values(rows), "ms": times}
    del g
    gc.collect()
    return out


def _compare(path: Path, repeat: int) -> dict:
    """Both stores on one file, one store in memory at a time, side by side."""
    res = {store: _bench_store(path, store, repeat) for store in STORES}
    ox, rd = res["oxigraph"], res["rdflib"]
    out: dict = {"triples": rd["triples"]}
    if ox["triples"] != rd["triples"]:
        out["triples_oxigraph"] = ox["triples"]
    out["load_s"] = {s: round(res[s]["load_s"], 2) for s in ("rdflib", "oxigraph")}
    out["load_ratio"] = _ratio(rd["load_s"], ox["load_s"])
    out["load_rss_mib"] = {s: round(res[s]["rss_mib"], 1) for s in ("rdflib", "oxigraph")}
    out["queries"] = {}
    for name in QUERIES:
        q_rd, q_ox = rd["queries"][name], ox["queries"][name]
        entry: dict = {"rows": q_rd["rows"]}
        if q_ox["rows"] != q_rd["rows"]:
            entry["rows_oxigraph"] = q_ox["rows"]
        entry["same_rows"] = q_ox["rows"] == q_rd["rows"]
        entry["same_values"] = q_ox["values"] == q_rd["values"]
        entry["rdflib_ms"] = _percentiles(q_rd["ms"])
        entry["oxigraph_ms"] = _percentiles(q_ox["ms"])
        entry["ratio_p50"] = _ratio(entry["rdflib_ms"]["p50"], entry["oxigraph_ms"]["p50"])
        out["queries"][name] = entry
    return out


def bench_sparql(build_dir: Path, scale: int = 1_000_000, repeat: int = 5) -> dict:
    """Load time, query latency (p50/p95 ms) and the rdflib/Oxigraph ratio: the corpus, then
    about ``scale`` triples (none when 0); peak memory of the whole run at the end."""
    import pyoxigraph
    import rdflib

    graph_ttl = Path(build_dir) / GRAPH_FILE
    if not graph_ttl.exists():
        from kg.errors import BuildMissingError

        raise BuildMissingError(f"no graph in {build_dir}: run `kg build` first")
    out: dict = {
        "versions": {"rdflib": rdflib.__version__, "pyoxigraph": pyoxigraph.__version__},
        "repeat": repeat,
        "corpus": _compare(graph_ttl, repeat),
    }
    if scale > 0:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "synthetic.ttl"
            t0 = time.perf_counter()
            copies = write_synthetic(graph_ttl, path, scale)
            write_s = time.perf_counter() - t0
            scaled = _compare(path, repeat)
            file_mib = path.stat().st_size / 2**20
        out["scaled"] = {
            "copies": copies,
            "file_mib": round(file_mib, 1),
            "write_s": round(write_s, 2),
            **scaled,
        }
    out["peak_rss_mib"] = _peak_mib()
    return out


def main(build_dir: Path, scale: int = 1_000_000, repeat: int = 5) -> str:
    return json.dumps(bench_sparql(build_dir, scale, repeat), ensure_ascii=False)
