"""kg bench corpus: a synthetic archive built, one plan added and one removed, then searched and
queried, locally and on a Virtuoso server — the figures are the README's; here, that each step
ran and says what it measured, and that Virtuoso gives the local store's rows."""
from __future__ import annotations

import json

from kg.cli import main


def test_bench_corpus_builds_adds_removes_and_measures(tmp_path, capsys):
    code = main(["bench", "corpus", "--plans", "2", "--briefs", "1", "--repeat", "1", "--work", str(tmp_path), "--virtuoso"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["truth_matches"] is True
    for step in ("build", "add_one", "remove_one"):
        assert report[step]["exit_code"] == 0 and report[step]["seconds"] > 0 and report[step]["peak_rss_mib"] > 0, step
        assert report[step]["steps"].startswith("steps: parse"), step
    assert "4 documents" in report["add_one"]["said"] and "3 documents" in report["remove_one"]["said"]
    assert report["stats"]["unit_projects"] > 0 and report["sizes_mib"]["graphs"] > 0
    assert report["search"]["n"] == 12 and report["search"]["p95_ms"] > 0
    saved = report["saved_queries"]["queries"]
    assert saved["department-budget-2026"]["rows"] > 0 and report["saved_queries"]["p95_ms"] > 0
    assert sorted(p.name for p in (tmp_path / "raw").glob("*.txt")) == sorted(d["file"] for d in json.loads(
        (tmp_path / "raw" / "synth-truth.json").read_text(encoding="utf-8"))["documents"])  # the added plan is gone again
    # the same queries on Virtuoso: every one answers, with the local store's rows
    on_virtuoso = report["virtuoso"]
    assert on_virtuoso["graphs"] == 3 + 2 + 1 and on_virtuoso["p95_ms"] > 0
    assert set(on_virtuoso["queries"]) == set(saved)
    assert {n: q.get("difference") for n, q in on_virtuoso["queries"].items() if not q["same_rows"]} == {}
