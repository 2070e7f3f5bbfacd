"""The archive benchmark, run by ``kg bench corpus --plans N``: a synthetic corpus of N plans
(and a few briefs) is built from scratch, one plan is added and one removed, and the result is
measured as a user meets it — each command a whole process (wall time, peak memory of it and
what it forks), then the build's sizes, ``kg search`` latency and the saved queries' latency on
the local store (with ``--virtuoso``, on a Virtuoso server beside it: the same queries, rows
compared, times side by side). It prints JSON; the machine is shared and noisy, so figures are reported (the
README keeps them), not asserted.
"""
from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from kg.config import ROOT

QUESTIONS = (
    "국제교류 협력 사업은?", "청년 일자리 창출 지원", "외국인주민 정착 지원 사업", "탄소중립 재생에너지 보급",
    "자매결연 지역과의 교류", "소상공인 판로 개척", "디지털전환 교육 운영", "관광객 유치 홍보",
    "농업인 역량 강화 사업의 예산", "국민외교를 지원하는 사업은?", "민간보조로 하는 사업", "공공의료 서비스 제공",
)
"""Search questions of the kinds the development set has, in the synthetic corpus's words."""


def _process(argv: list[str]) -> dict:
    """One whole ``kg`` process: wall seconds, peak RSS (MiB) of it and its children, exit code
    and the last line it wrote to standard error."""
    import subprocess

    code = ("import resource, subprocess, sys\n"
            "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
            "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
            "lines = p.stderr.strip().splitlines() or ['']\n"
            "print(next((x for x in lines if x.startswith('steps:')), ''))\n"
            "print(next((x for x in reversed(lines) if not x.startswith('steps:')), ''))")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "kg", *argv], capture_output=True, text=True,
                         cwd=ROOT, timeout=6 * 3600)
    wall = time.perf_counter() - t0
    first, steps, said = (out.stdout.split("\n") + ["", ""])[:3]
    rc, peak = first.split()
    return {"seconds": round(wall, 2), "peak_rss_mib": round(int(peak) / 1024), "exit_code": int(rc),
            "steps": steps.strip(), "said": said.strip()[:300]}


def _size_mib(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return round(sum(p.stat().st_size for p in files) / 2**20, 2)


def _percentiles(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1),
            "max_ms": round(ms[-1], 1)}


def _search_latency(build: Path, repeat: int) -> dict:
    from kg.search.open import open_searcher

    t0 = time.perf_counter()
    searcher = open_searcher(build, ROOT / "ontology")
    opened = time.perf_counter() - t0
    for q in QUESTIONS[:3]:
        searcher.search(q, 10)
    times = []
    for _ in range(repeat):
        for q in QUESTIONS:
            t = time.perf_counter()
            searcher.search(q, 10)
            times.append((time.perf_counter() - t) * 1000)
    return {"open_s": round(opened, 2), **_percentiles(times)}


def _saved_latency(build: Path, repeat: int) -> dict:
    from kg.sparql import solve
    from kg.sparql.engine import load_store
    from kg.sparql.saved import saved_queries

    t0 = time.perf_counter()
    engine = load_store(build)
    loaded = time.perf_counter() - t0
    per_query, times = {}, []
    for q in saved_queries(ROOT / "queries"):
        if not _benchable(q):
            continue
        mine = []
        for _ in range(repeat):
            t = time.perf_counter()
            rows = solve(engine, q.text, "SELECT", max_rows=10_000)
            mine.append((time.perf_counter() - t) * 1000)
        per_query[q.name] = {"rows": len(rows.get("rows", [])), "median_ms": round(statistics.median(mine), 1)}
        times += mine
    return {"load_s": round(loaded, 2), "triples": len(engine), **_percentiles(times), "queries": per_query}


def _benchable(q) -> bool:
    """A saved query that runs as it is (not a template waiting for an entity to be chosen)."""
    return not ("?entity" in q.text and "VALUES ?entity" not in q.text and "BIND" not in q.text)


def _on_virtuoso(build: Path, repeat: int, folder: Path) -> dict:
    """The build pushed to a Virtuoso of its own (``kg.sparql.virtuoso``) as ``kg push`` sends it, and the
    saved queries run there through its SPARQL endpoint beside the local store: each query's rows
    compared (``kg.sparql.compare``) and its median time on both."""
    from kg.rdf import dataset
    from kg.sparql import solve
    from kg.sparql.compare import compare
    from kg.sparql.engine import load_store
    from kg.rdf.quads import store_graphs
    from kg.sparql.remote import StoreAuth, put
    from kg.sparql.remote import query as remote_query
    from kg.sparql.results import QueryResult
    from kg.sparql.saved import saved_queries
    from kg.sparql.virtuoso import DEFAULT_PASSWORD, DEFAULT_USER, LocalVirtuoso

    engine = load_store(build)

    def local(text: str) -> QueryResult:
        res = solve(engine, text, "SELECT", max_rows=1_000_000)
        return QueryResult("SELECT", vars=res["vars"], rows=res["rows"])

    with LocalVirtuoso(folder) as server:
        auth = StoreAuth(DEFAULT_USER, DEFAULT_PASSWORD)
        t0 = time.perf_counter()
        graphs = store_graphs(build, dataset.listed(build))
        for sg in graphs:
            put(server.store, sg.data, sg.iri, auth=auth)
        out: dict = {"push_s": round(time.perf_counter() - t0, 2), "graphs": len(graphs)}
        per_query, times = {}, []
        for q in saved_queries(ROOT / "queries"):
            if not _benchable(q):
                continue
            c = compare(q.name, q.text, local, lambda t: remote_query(server.sparql, t, timeout=120, max_rows=1_000_000))
            mine = [c.remote_ms]
            for _ in range(repeat - 1 if c.remote_rows >= 0 else 0):  # a query Virtuoso refused is not timed again
                t = time.perf_counter()
                remote_query(server.sparql, q.text, timeout=120, max_rows=1_000_000)
                mine.append((time.perf_counter() - t) * 1000)
            per_query[q.name] = {"rows": c.remote_rows, "same_rows": c.same_rows, "median_ms": round(statistics.median(mine), 1),
                                 **({"difference": c.difference} if c.difference else {})}
            times += mine
    return {**out, **_percentiles(times), "queries": per_query}


def bench_corpus(plans: int, briefs: int, seed: int = 0, repeat: int = 5, work: Path | None = None,
                 virtuoso: bool = False) -> dict:
    from kg.errors import InputError
    from kg.synth import MAX_PLANS, plan_specs, write_corpus
    from kg.synth import plan as synth_plan

    if not 1 <= plans < MAX_PLANS:
        raise InputError(f"--plans must be 1–{MAX_PLANS - 1:,} (one more is added)")

    own = work is None
    work = Path(tempfile.mkdtemp(prefix="kg-bench-corpus-")) if own else Path(work)
    raw, build = work / "raw", work / "build"
    try:
        t0 = time.perf_counter()
        truth = write_corpus(raw, plans, briefs, seed=seed)
        out: dict = {"plans": plans, "briefs": briefs, "seed": seed, "synth_s": round(time.perf_counter() - t0, 2),
                     "source_mib": _size_mib(raw)}
        shutil.rmtree(build, ignore_errors=True)
        out["build"] = _process(["build", "--raw", str(raw), "--out", str(build)])
        if out["build"]["exit_code"] != 0:
            return out
        stats = json.loads((build / "manifest.json").read_text(encoding="utf-8"))["stats"]
        out["stats"] = {k: stats[k] for k in ("departments", "unit_projects", "sub_projects", "strategies", "alignments", "triples")}
        out["truth_matches"] = all(stats[k] == v for k, v in truth["totals"].items())
        out["sizes_mib"] = {name: _size_mib(build / name) for name in ("graph.ttl", "graphs", "index", "embedder")
                            if (build / name).exists()}
        # one more plan: the next in the series order, written beside the corpus
        extra = plan_specs(plans + 1, seed)[-1]
        new_file = work / extra.file_name
        new_file.write_text(synth_plan.text(extra), encoding="utf-8")
        out["add_one"] = _process(["add", str(new_file), "--raw", str(raw), "--build", str(build)])
        from kg.parse import doc_id_for

        doc_id = doc_id_for(new_file)
        out["remove_one"] = _process(["remove", doc_id, "--raw", str(raw), "--build", str(build)])
        out["search"] = _search_latency(build, repeat)
        out["saved_queries"] = _saved_latency(build, repeat)
        if virtuoso:
            out["virtuoso"] = _on_virtuoso(build, repeat, work / "virtuoso")
        return out
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


def main(plans: int, briefs: int, seed: int, repeat: int, work: Path | None, virtuoso: bool = False) -> str:
    return json.dumps(bench_corpus(plans, briefs, seed, repeat, work, virtuoso), ensure_ascii=False)
