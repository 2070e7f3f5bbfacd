"""``kg bench start``: how long commands take from a cold process, and how fast the app draws.

Every figure is a whole process, as a user meets it: the median of ``repeat`` runs (wall
seconds) and the largest peak memory of the runs (RSS of the process and what it forks, MiB).

- ``kg --help``, ``kg stats``, ``kg search`` (the built-in embedder), ``kg sparql`` (a saved
  query), ``kg ask``;
- ``kg build`` of the corpus: *cold* into a new folder (the built-in model made) and *warm*
  over the previous build (its model reused when the texts are the same);
- ``kg search --endpoint`` against a ``kg serve`` started here;
- the app in headless Chromium (Debian's ``chromium``, through Playwright): from ``streamlit
  run`` to the 검색 heading drawn (*cold*), a new browser session on the warm server to the same
  heading, and the first search answered (result cards drawn) after the first paint. Skipped,
  with the reason, when Chromium or Playwright is missing.
- ``kiwi``: Kiwi's construction and first analysis with the options chosen
  (``kg.lang.korean.KIWI``) and with its defaults, for the record of that choice.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from kg.config import ROOT

QUESTION = "국민외교를 지원하는 사업은?"
STRUCTURED = "대외협력과의 2026년 예산 합계는?"
SAVED = "department-budget-2026"

# runs a command and prints its peak RSS (the largest of it and its children) as the last line
_PEAK = ("import resource, subprocess, sys\n"
         "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
         "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def _kg() -> list[str]:
    return [sys.executable, "-m", "kg"]


def _once(argv: list[str], env: dict) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KiB, exit code) of one whole process."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PEAK, *argv], capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    wall = time.perf_counter() - t0
    code, peak = out.stdout.split()[-2:]
    return wall, int(peak), int(code)


def _measure(argv: list[str], repeat: int, env: dict, before=None) -> dict:
    walls, peaks, codes = [], [], []
    for _ in range(repeat):
        if before is not None:
            before()
        wall, peak, code = _once(argv, env)
        walls.append(wall)
        peaks.append(peak)
        codes.append(code)
    return {"median_s": round(statistics.median(walls), 2), "min_s": round(min(walls), 2),
            "peak_rss_mib": round(max(peaks) / 1024), "exit_codes": sorted(set(codes)), "n": repeat}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, seconds: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def stop_group(proc: subprocess.Popen) -> None:
    """Stop a server started in a session of its own, then anything left in its process group.
    The SPARQL workers it forks keep Streamlit's SIGTERM handler, so a server can hang at exit
    joining them: after a grace period the whole group is killed."""
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=15)


def _peak_of(pid: int) -> int:
    """Peak RSS of a live process (KiB)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _endpoint(build: Path, repeat: int, env: dict) -> dict:
    port = _free_port()
    proc = subprocess.Popen([*_kg(), "serve", "--build", str(build), "--port", str(port), "--workers", "1"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{port}/", 120, proc)
        _wait_http(f"http://127.0.0.1:{port}/api/search?q=x", 120, proc)
        out = _measure([*_kg(), "search", QUESTION, "--endpoint", f"http://127.0.0.1:{port}"], repeat, env)
        out["server_peak_rss_mib"] = round(_peak_of(proc.pid) / 1024)
        return out
    finally:
        stop_group(proc)


def _chromium() -> str | None:
    path = os.environ.get("KG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


def _app(build: Path, repeat: int, env: dict) -> dict:
    """First paint and first search of the app in headless Chromium."""
    chromium = _chromium()
    if chromium is None:
        return {"skipped": "no Chromium (make browser, or KG_CHROMIUM)"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright is not installed (pip install -e '.[dev]')"}
    cold, warm, search, peaks = [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        try:
            for _ in range(repeat):
                port = _free_port()
                t0 = time.perf_counter()
                proc = subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
                     "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
                     "--server.fileWatcherType", "none"],
                    cwd=ROOT, env={**env, "KG_BUILD": str(build)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    start_new_session=True)
                try:
                    url = f"http://127.0.0.1:{port}/"
                    _wait_http(url + "_stcore/health", 120, proc)
                    ctx = browser.new_context(locale="ko-KR")
                    page = ctx.new_page()
                    page.goto(url)
                    page.get_by_role("heading", name="검색").wait_for(timeout=120_000)
                    painted = time.perf_counter()
                    cold.append(painted - t0)
                    box = page.get_by_label("질문")
                    box.fill(QUESTION)
                    box.press("Enter")
                    page.locator(".kg-card .kg-label").first.wait_for(timeout=120_000)
                    search.append(time.perf_counter() - painted)
                    ctx.close()
                    ctx = browser.new_context(locale="ko-KR")  # a new visitor on the warm server
                    page = ctx.new_page()
                    t1 = time.perf_counter()
                    page.goto(url)
                    page.get_by_role("heading", name="검색").wait_for(timeout=60_000)
                    warm.append(time.perf_counter() - t1)
                    ctx.close()
                    peaks.append(_peak_of(proc.pid))
                finally:
                    stop_group(proc)
        finally:
            browser.close()
    return {"first_paint_cold_s": round(statistics.median(cold), 2), "first_paint_new_session_s": round(statistics.median(warm), 2),
            "first_search_after_paint_s": round(statistics.median(search), 2), "server_peak_rss_mib": round(max(peaks) / 1024),
            "n": repeat}


_KIWI = ("import json, sys, time, resource\nt0 = time.perf_counter()\nfrom kiwipiepy import Kiwi\n"
         "k = Kiwi(**json.loads(sys.argv[1]))\nt1 = time.perf_counter()\nk.tokenize('국민외교를 지원하는 사업은?')\n"
         "t2 = time.perf_counter()\n"
         "print(json.dumps([t1 - t0, t2 - t1, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))")


def _kiwi(repeat: int, env: dict) -> dict:
    from dataclasses import asdict

    from kg.lang.korean import KIWI

    out = {}
    for name, options in (("chosen", asdict(KIWI)), ("defaults", {})):
        rows = [json.loads(subprocess.run([sys.executable, "-c", _KIWI, json.dumps(options)], capture_output=True, text=True,
                                          env=env, timeout=300, check=True).stdout) for _ in range(repeat)]
        out[name] = {"options": options, "construct_s": round(statistics.median(r[0] for r in rows), 2),
                     "first_analysis_s": round(statistics.median(r[1] for r in rows), 2),
                     "peak_rss_mib": round(max(r[2] for r in rows) / 1024)}
    return out


def main(build_dir: Path, raw_dir: Path, repeat: int = 5, app: bool = True) -> str:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    build_dir = Path(build_dir)
    figures: dict = {"repeat": repeat}
    figures["help"] = _measure([*_kg(), "--help"], repeat, env)
    figures["stats"] = _measure([*_kg(), "stats", "--build", str(build_dir)], repeat, env)
    figures["search"] = _measure([*_kg(), "search", QUESTION, "--build", str(build_dir)], repeat, env)
    figures["ask"] = _measure([*_kg(), "ask", STRUCTURED, "--build", str(build_dir)], repeat, env)
    figures["sparql"] = _measure([*_kg(), "sparql", SAVED, "--build", str(build_dir)], repeat, env)
    with tempfile.TemporaryDirectory(prefix="kg-bench-start-") as tmp:
        out = Path(tmp) / "build"
        build = [*_kg(), "build", "--raw", str(raw_dir), "--out", str(out)]
        figures["build_cold"] = _measure(build, repeat, env, before=lambda: shutil.rmtree(out, ignore_errors=True))
        figures["build_warm"] = _measure(build, repeat, env)
    figures["search_endpoint"] = _endpoint(build_dir, repeat, env)
    figures["app"] = _app(build_dir, repeat, env) if app else {"skipped": "--no-app"}
    figures["kiwi"] = _kiwi(repeat, env)
    return json.dumps(figures, ensure_ascii=False)
