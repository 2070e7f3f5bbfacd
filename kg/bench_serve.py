"""``kg bench serve``: the SPARQL endpoint under concurrent load, as JSON figures.

Starts ``kg serve`` as its own process on a free local port over the build (so the clients'
threads do not share its interpreter), then ``clients`` threads — each from its own loopback
address, as separate clients would be — send queries for ``seconds``. Every ``heavy_every``-th
client is *heavy*: it sends a cross product that runs until the timeout, again and again,
without honouring ``Retry-After``. The others send the saved queries round-robin. Reports, for
normal and heavy clients apart, requests, errors (any status but 200 for normal ones) and
latency p50/p95/max, the heavy ones' statuses, and the server's memory. Bounded in time; only
127.0.0.0/8 is contacted.
"""
from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from kg import sparql as sp

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _status_kib(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _latency(ms: list[float]) -> dict:
    ms = sorted(ms)
    if not ms:
        return {"p50": None, "p95": None, "max": None}
    return {"p50": round(statistics.median(ms), 1), "p95": round(ms[int(0.95 * (len(ms) - 1))], 1), "max": round(ms[-1], 1)}


def main(build_dir: Path, queries_dir: Path, clients: int = 20, seconds: float = 30.0, heavy_every: int = 5,
         timeout: float = 5.0) -> str:
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--build", str(build_dir), "--port", "0",
                             "--timeout", str(timeout)], stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        if "SPARQL endpoint:" not in line:
            raise sp.SparqlError(f"kg serve did not start: {line.strip() or proc.wait(10)}")
        url = urllib.parse.urlsplit(line.split()[2])
        queries = [q.text for q in sp.saved_queries(queries_dir)] or ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]
        rss_start = _status_kib(proc.pid, "VmRSS")
        normal_ms: list[float] = []
        normal_errors: list[str] = []
        heavy_ms: list[float] = []
        heavy_status: Counter = Counter()
        stop = time.monotonic() + seconds

        def client(k: int) -> None:
            heavy = heavy_every > 0 and k % heavy_every == heavy_every - 1
            source = (f"127.0.{1 + k // 250}.{1 + k % 250}", 0)
            i = k
            while time.monotonic() < stop:
                q = HEAVY if heavy else queries[i % len(queries)]
                i += 1
                t0 = time.perf_counter()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout + 30, source_address=source)
                try:
                    conn.request("GET", url.path + "?" + urllib.parse.urlencode({"query": q}))
                    r = conn.getresponse()
                    r.read()
                    status = r.status
                except OSError as exc:
                    status = f"{type(exc).__name__}"
                finally:
                    conn.close()
                elapsed = (time.perf_counter() - t0) * 1000
                if heavy:
                    heavy_ms.append(elapsed)
                    heavy_status[str(status)] += 1
                else:
                    normal_ms.append(elapsed)
                    if status != 200:
                        normal_errors.append(str(status))

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        rss_end, rss_peak = _status_kib(proc.pid, "VmRSS"), _status_kib(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    n_heavy = sum(1 for k in range(clients) if heavy_every > 0 and k % heavy_every == heavy_every - 1)
    return json.dumps({
        "clients": clients, "heavy_clients": n_heavy, "seconds": round(wall, 1), "timeout_s": timeout,
        "normal": {"requests": len(normal_ms), "errors": len(normal_errors),
                   "error_rate": round(len(normal_errors) / max(1, len(normal_ms)), 4),
                   "first_errors": normal_errors[:3], "requests_per_s": round(len(normal_ms) / wall, 1),
                   "latency_ms": _latency(normal_ms)},
        "heavy": {"requests": len(heavy_ms), "statuses": dict(heavy_status), "latency_ms": _latency(heavy_ms)},
        "server_rss_mib": {"start": round(rss_start / 1024, 1), "end": round(rss_end / 1024, 1),
                           "peak": round(rss_peak / 1024, 1)},
    }, ensure_ascii=False)
