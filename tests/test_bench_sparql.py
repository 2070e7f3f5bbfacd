"""The SPARQL store benchmark runs on a small scale-up and both stores agree on every query.

Timings are only checked to be there and positive: the machine is shared and noisy.
"""
from __future__ import annotations

import json

import pytest

from kg.bench_sparql import QUERIES, write_synthetic


@pytest.fixture(scope="module")
def report(built):
    from kg.bench_sparql import main

    return json.loads(main(built[0], scale=20_000, repeat=2))


def test_shape(report):
    assert set(report) >= {"corpus", "scaled", "peak_rss_mib"}
    assert report["peak_rss_mib"] > 0
    for section in ("corpus", "scaled"):
        part = report[section]
        assert part["triples"] > 0
        assert set(part["load_s"]) == {"rdflib", "oxigraph"}
        assert set(part["queries"]) == set(QUERIES)
    assert report["scaled"]["triples"] > 3 * report["corpus"]["triples"]
    assert report["scaled"]["copies"] >= 3


@pytest.mark.parametrize("section", ["corpus", "scaled"])
def test_stores_agree_on_every_query(report, section):
    part = report[section]
    assert "triples_oxigraph" not in part  # both stores hold the same number of triples
    for name, q in part["queries"].items():
        assert q["rows"] > 0, name
        assert q["same_rows"], (name, q)
        assert q["same_values"], (name, q)


@pytest.mark.parametrize("section", ["corpus", "scaled"])
def test_timings_positive(report, section):
    part = report[section]
    assert all(v > 0 for v in part["load_s"].values())
    for name, q in part["queries"].items():
        for store in ("rdflib_ms", "oxigraph_ms"):
            assert 0 < q[store]["p50"] <= q[store]["p95"], (name, store)
        assert q["ratio_p50"] > 0


def test_scaled_rows_grow_with_copies(report):
    """Each copy repeats the instance data, so per-instance queries return more rows."""
    corpus, scaled = report["corpus"]["queries"], report["scaled"]["queries"]
    for name in ("dept_budget_2026", "subprojects_per_body", "subproject_unit_dept_budget", "supports_with_score"):
        assert scaled[name]["rows"] == report["scaled"]["copies"] * corpus[name]["rows"], name


def test_no_scale_no_scaled_section(built):
    from kg.bench_sparql import main

    assert "scaled" not in json.loads(main(built[0], scale=0, repeat=1))


def test_copies_rewrite_instance_iris_only(built, tmp_path):
    from rdflib import Graph, URIRef

    from kg.rdf.vocab import ID, KG, KGC

    out = tmp_path / "copies.ttl"
    assert write_synthetic(built[0] / "graph.ttl", out, 12_000) == 2
    g = Graph()
    g.parse(out, format="turtle")
    iris = {t for triple in g for t in triple if isinstance(t, URIRef)}
    copied = {i for i in iris if str(i).endswith("-c1")}
    assert copied and all(str(i).startswith(str(ID)) for i in copied)
    assert URIRef(str(copied.pop())[: -len("-c1")]) in iris  # the original is there too
    assert KG.Department in iris and KGC.Budget in iris
