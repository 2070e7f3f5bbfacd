"""The synthetic corpus (kg synth): every document parses into the truth it was written from,
under export noise, and a build of a corpus says in ``kg stats`` what the truth totals say."""
from __future__ import annotations

import json

import pytest

from kg.cli import main
from kg.parse import parse_document
from kg.synth import TRUTH_FILE, write_corpus


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _plan_found(doc) -> dict:
    p = doc.plan
    units = [u for d in p.departments for u in d.unit_projects]
    return {
        "bureau": p.bureau.name, "year": p.year,
        "departments": [d.name for d in p.departments],
        "teams": sum(len(d.teams) for d in p.departments),
        "unit_projects": [u.name for u in units],
        "sub_projects": sum(len(u.sub_projects) for u in units),
        "indicators": sum(len(d.indicators) for d in p.departments),
        "unit_budgets": {u.name: [int(a.value) for a in u.amounts] for u in units},
        "budget_total": int(sum(a.value for u in units for a in u.amounts if a.year == p.year and a.kind == "budget")),
        "regions": sorted({f"{r.country} {r.name}" for u in units for g in u.region_groups for r in g.regions}),
    }


def _brief_found(doc) -> dict:
    b = doc.brief
    by_key = {s.key: s for s in b.strategies}
    tree = {s.name: sorted(x.name for x in b.strategies if x.parent == s.key)
            for s in b.strategies if s.parent is not None and by_key[s.parent].parent is None}
    return {"strategies": len(b.strategies), "tree": tree, "programmes": [p.name for p in b.programmes],
            "problems": len(b.problems), "phases": [p.name for p in b.phases]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "corpus"
    return out, write_corpus(out, plans=60, briefs=24, seed=7)


def test_every_document_parses_into_its_truth(corpus):
    out, truth = corpus
    assert len(truth["documents"]) == 84
    noisy = 0
    for want in truth["documents"]:
        raw = (out / want["file"]).read_bytes()
        noisy += raw.startswith(b"\xef\xbb\xbf") or b"\r\n" in raw or "\u00a0".encode() in raw or b"\xe2\x80\x8b" in raw
        doc = parse_document(out / want["file"])
        if want["kind"] == "plan":
            assert doc.format == "business_plan"
            found = _plan_found(doc)
        else:
            assert doc.format == "policy_brief"
            found = _brief_found(doc)
        assert found == {k: want[k] for k in found}, want["file"]
    assert noisy >= 20  # about half the documents carry export noise


def test_plans_come_as_series_across_years(corpus):
    _, truth = corpus
    plans = [d for d in truth["documents"] if d["kind"] == "plan"]
    series = {}
    for d in plans:
        series.setdefault((d["province"], d["bureau"]), []).append(d["year"])
    assert all(years == [2023, 2024, 2025, 2026] for years in series.values())
    first, last = plans[0], plans[3]
    kept = set(first["unit_projects"]) & set(last["unit_projects"])
    assert kept and first["unit_budgets"][next(iter(kept))] != last["unit_budgets"][next(iter(kept))]
    assert len({d["province"] for d in plans}) == 15 and len({d["bureau"] for d in plans}) == 1


def test_the_same_seed_writes_the_same_corpus(corpus, tmp_path):
    out, _ = corpus
    again = tmp_path / "again"
    write_corpus(again, plans=60, briefs=24, seed=7)
    assert {p.name: p.read_bytes() for p in again.iterdir()} == {p.name: p.read_bytes() for p in out.iterdir()}
    other = tmp_path / "other"
    write_corpus(other, plans=4, briefs=0, seed=8)
    assert (other / "seoul_2023_intl_plan.txt").read_bytes() != (out / "seoul_2023_intl_plan.txt").read_bytes()


def test_a_built_corpus_has_the_truth_in_its_stats(tmp_path, capsys):
    raw, build = tmp_path / "raw", tmp_path / "build"
    code, _, err = _run(capsys, "synth", "--plans", "5", "--briefs", "2", "--out", str(raw), "--seed", "3")
    assert code == 0 and "wrote 5 plan(s) and 2 brief(s)" in err
    truth = json.loads((raw / TRUTH_FILE).read_text(encoding="utf-8"))
    assert _run(capsys, "build", "--raw", str(raw), "--out", str(build))[0] == 0
    code, out, _ = _run(capsys, "stats", "--json", "--build", str(build))
    stats = json.loads(out)
    assert {k: stats[k] for k in truth["totals"]} == truth["totals"]
    assert stats["alignments"] > 0


def test_bad_synth_arguments_are_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["synth", "--plans", "5000", "--out", str(tmp_path / "c")])
    assert exc.value.code == 2 and "--plans" in capsys.readouterr().err
    code, _, err = _run(capsys, "synth", "--plans", "0", "--out", str(tmp_path / "c"))
    assert code == 2 and "nothing to write" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "c").exists()


def test_synth_never_writes_over_other_files(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _, err = _run(capsys, "synth", "--plans", "2", "--out", str(folder))
    assert code == 2 and "not a synthetic corpus" in err and len(err.strip().splitlines()) == 1
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]

