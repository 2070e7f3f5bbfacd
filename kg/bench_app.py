"""``kg bench app``: how fast the app answers, measured on its script (streamlit's AppTest).

Loads ``app.py`` once on the build (the cold start: graph, search index, embedder, SPARQL
workers), then types each question of a list into the search box ``repeat`` times and times
the page's rerun until the result cards are made, and does the same for an entity page and a
saved SPARQL query. The browser's drawing is not included. Medians and p95 in ms, as JSON.
"""
from __future__ import annotations

import json
import math
import os
import statistics
import time
from pathlib import Path

from kg.config import ROOT

QUESTIONS = ["국민외교를 지원하는 사업은?", "자매결연을 맺은 지역은?", "외국인주민 정착 지원 사업",
             "청년 해외 일자리", "대외협력과 2026 예산", "일본과 교류하는 지역", "성과지표 목표"]


def _figures(times: list[float]) -> dict:
    times = sorted(times)
    return {"p50": round(statistics.median(times), 1), "p95": round(times[max(0, math.ceil(0.95 * len(times)) - 1)], 1), "n": len(times)}


def main(build_dir: Path, repeat: int = 5) -> str:
    from streamlit.testing.v1 import AppTest

    os.environ["KG_BUILD"] = str(build_dir)
    t0 = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
    cold = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"the app failed to start: {at.exception[0].message}")
    search, cards = [], 0
    for _ in range(repeat):
        for q in QUESTIONS:
            t0 = time.perf_counter()
            at.text_input(key="q").input(q).run()
            search.append((time.perf_counter() - t0) * 1000)
            cards += sum('class="kg-card"' in h.proto.body for h in at.get("html"))
    opener = next(b for b in at.button if b.key and b.key.startswith("open-1-"))
    entity = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        opener.click().run()
        entity.append((time.perf_counter() - t0) * 1000)
        at.radio(key="page").set_value("search").run()
        opener = next(b for b in at.button if b.key and b.key.startswith("open-1-"))
    at.radio(key="page").set_value("sparql").run()
    at.selectbox(key="saved").set_value("department-budget-2026").run()
    sparql = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        at.button(key="sparql-run").click().run()
        sparql.append((time.perf_counter() - t0) * 1000)
    return json.dumps({
        "cold_start_s": round(cold, 1),
        "search_ms": _figures(search), "cards_per_search": round(cards / len(search), 1),
        "entity_page_ms": _figures(entity), "sparql_saved_query_ms": _figures(sparql),
        "errors": len(at.exception),
    }, ensure_ascii=False)
