"""``kg bench serve``: the SPARQL endpoint under concurrent load, as JSON figures.

Starts the endpoint on a free local port over the build, then ``clients`` threads each send
the saved queries round-robin (GET, SPARQL JSON) for ``seconds``; reports requests, errors,
throughput and latency p50/p95/max. Valid queries must never fail under load.
"""
from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from kg import sparql as sp
from kg.serve import make_server


def main(build_dir: Path, queries_dir: Path, clients: int = 20, seconds: float = 30.0) -> str:
    server = make_server(sp.load_store(build_dir), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    queries = [q.text for q in sp.saved_queries(queries_dir)] or ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]
    times: list[float] = []
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        i = offset
        while time.monotonic() < stop:
            q = queries[i % len(queries)]
            i += 1
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(url + "?" + urllib.parse.urlencode({"query": q}), timeout=30) as r:
                    r.read()
                times.append(time.perf_counter() - t0)
            except (urllib.error.URLError, OSError) as exc:
                errors.append(str(exc)[:120])

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    server.shutdown()
    server.server_close()
    ms = sorted(x * 1000 for x in times)
    return json.dumps({
        "clients": clients, "seconds": round(wall, 1), "queries": len(queries),
        "requests": len(ms), "errors": len(errors), "first_errors": errors[:3],
        "requests_per_s": round(len(ms) / wall, 1),
        "latency_ms": {"p50": round(statistics.median(ms), 1) if ms else None,
                       "p95": round(ms[int(0.95 * (len(ms) - 1))], 1) if ms else None,
                       "max": round(ms[-1], 1) if ms else None},
    }, ensure_ascii=False)
