"""``kg bench ask``: how fast exact answers come once the process is up.

Loads the searcher, the graph and the asker once (start-up, timed apart), then asks each
question of a list ``repeat`` times through a pool of forked SPARQL workers (as ``kg serve`` and
the app do) and through ``kg.sparql.run`` (one worker forked per question, as a single
``kg ask`` does). Reports start-up, then p50/p95 in ms of the reading alone and of the whole
answer, as JSON.
"""
from __future__ import annotations

import json
import math
import statistics
import time
from pathlib import Path

# questions of each kind the asker reads (sums, ranks, changes, counts, filters, values, refusals)
QUESTIONS = [
    "대외협력과 단위사업의 2026년 예산 합계는?", "2025년 대비 2026년 예산이 가장 많이 늘어난 세부사업 3개",
    "지원형태가 직접수행인 세부사업은 몇 개?", "자원봉사 활동률의 2026년 목표는?",
    "2026년 예산이 5억원 이상인 단위사업은?", "부서별 세부사업 수는?", "소통기획과의 현원은 정원보다 몇 명 많은가?",
    "2024년 결산액 기준 상위 3개 세부사업은?", "2027년 예산이 가장 큰 세부사업은?", "국민외교를 지원하는 사업은?",
]


def _figures(times: list[float]) -> dict:
    times = sorted(times)
    return {"p50": round(statistics.median(times), 1), "p95": round(times[max(0, math.ceil(0.95 * len(times)) - 1)], 1),
            "n": len(times)}


def main(build_dir: Path, ontology_dir: Path, repeat: int = 5) -> str:
    from kg.ask import Asker
    from kg.search.open import open_searcher
    from kg.sparql import Pool, load_store, run

    t0 = time.perf_counter()
    searcher = open_searcher(build_dir, ontology_dir)
    engine = load_store(build_dir)
    t1 = time.perf_counter()
    out: dict = {"questions": len(QUESTIONS), "repeat": repeat}
    with Pool(engine, workers=1) as pool:
        asker = Asker(searcher, engine, run=lambda q: pool.run(q, timeout=5.0, max_rows=1000))
        out["startup_s"] = {"searcher_and_graph": round(t1 - t0, 2), "asker": round(time.perf_counter() - t1, 3)}
        for q in QUESTIONS:  # warm: Kiwi's first analyses
            asker.ask(q)
        reading, pooled = [], []
        for _ in range(repeat):
            for q in QUESTIONS:
                t = time.perf_counter()
                try:
                    asker.understand(q)
                except Exception:  # a refusal is a reading too
                    pass
                reading.append(1000 * (time.perf_counter() - t))
                t = time.perf_counter()
                asker.ask(q)
                pooled.append(1000 * (time.perf_counter() - t))
    single = Asker(searcher, engine, run=lambda q: run(engine, q, timeout=5.0, max_rows=1000))
    forked = []
    for _ in range(max(1, repeat // 2)):
        for q in QUESTIONS:
            t = time.perf_counter()
            single.ask(q)
            forked.append(1000 * (time.perf_counter() - t))
    out["read_ms"] = _figures(reading)
    out["ask_pool_ms"] = _figures(pooled)
    out["ask_fork_per_question_ms"] = _figures(forked)
    return json.dumps(out, ensure_ascii=False)
