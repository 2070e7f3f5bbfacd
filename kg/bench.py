"""Benchmarks that print JSON figures (medians and percentiles), run by ``kg bench``.

Not timed tests: this machine is shared and noisy, so figures are reported, not asserted.
"""
from __future__ import annotations

import json
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

QUERIES = [
    "국제교류 추진 현황", "외국인 근로자 지원", "시군이 시행하는 사업", "홍보 영상 제작", "자매결연 지역",
    "민간단체 보조금", "국민외교 추진 전략", "지자체 협력 방안", "예산이 늘어난 사업", "Sister regions",
    "해외 네트워크 구축", "자원봉사 활성화", "도정 홍보 전광판", "재외동포 교류", "성과지표 목표",
]


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _latency(searcher, queries: list[str], repeat: int) -> dict:
    for q in queries[:3]:
        searcher.search(q, 10)  # warm caches
    times = []
    for _ in range(repeat):
        for q in queries:
            t0 = time.perf_counter()
            searcher.search(q, 10)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "queries": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "max_ms": round(times[-1], 2),
    }


def synthetic_nodes(nodes, n: int, seed: int = 7):
    """``n`` nodes made by recombining words of the real nodes (same vocabulary and lengths)."""
    from kg.index.contract import IndexNode

    rng = random.Random(seed)
    words = [w for node in nodes for w in (node.label + " " + node.text[:200]).split()]
    types = [node.type for node in nodes]
    out = []
    for i in range(n):
        label = " ".join(rng.choices(words, k=rng.randint(2, 5)))
        text = " ".join(rng.choices(words, k=rng.randint(6, 14)))
        out.append(IndexNode(f"urn:synthetic:{i}", rng.choice(types), label, text))
    return out


def bench_search(build_dir: Path, ontology_dir: Path, scale: int = 100_000, repeat: int = 5) -> dict:
    """Index build time, single-query latency and peak memory: the corpus, then ``scale`` nodes."""
    from dataclasses import replace

    from kg.index.dense import DenseIndex
    from kg.index.lexical import LexicalIndex, NgramIndex
    from kg.lang.korean import tokens_many
    from kg.search.open import open_searcher
    from kg.search import Searcher

    t0 = time.perf_counter()
    searcher = open_searcher(build_dir, ontology_dir)
    load_s = time.perf_counter() - t0
    out = {
        "embedder": searcher.embedder_name,
        "corpus": {"nodes": len(searcher.nodes), "load_s": round(load_s, 2), **_latency(searcher, QUERIES, repeat)},
    }
    if scale:
        extra = synthetic_nodes(searcher.nodes, scale - len(searcher.nodes))
        texts = [f"{n.label} {n.label} {n.text}" for n in searcher.nodes + extra]
        t0 = time.perf_counter()
        toks = tokens_many(texts[len(searcher.nodes):])
        nodes = searcher.nodes + [replace(n, index_tokens=tuple(sorted(set(t)))) for n, t in zip(extra, toks)]
        lexical = LexicalIndex.build(texts)
        ngrams = NgramIndex.build(texts)
        t_lex = time.perf_counter() - t0
        t0 = time.perf_counter()
        dense = DenseIndex.build(searcher.embedder.encode(texts))
        t_dense = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:  # the saved size, as a user would keep it
            lexical.save(Path(tmp) / "lexical")
            ngrams.save(Path(tmp) / "ngrams")
            dense.save(Path(tmp) / "dense")
            size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
        big = Searcher(replace(searcher.data, nodes=nodes), lexical, ngrams, dense=dense, embedder=searcher.embedder,
                       params=searcher.params)
        out["scaled"] = {
            "nodes": len(nodes),
            "build_lexical_s": round(t_lex, 1),
            "build_dense_s": round(t_dense, 1),
            "index_mib": round(size / 2**20, 1),
            **_latency(big, QUERIES, repeat),
        }
    out["peak_rss_mib"] = _peak_mib()
    return out


def main(build_dir: Path, ontology_dir: Path, scale: int, repeat: int) -> str:
    return json.dumps(bench_search(build_dir, ontology_dir, scale, repeat), ensure_ascii=False)
