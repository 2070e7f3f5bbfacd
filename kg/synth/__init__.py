"""A synthetic corpus (``kg synth``): business plans of many provinces, bureaus and years and
policy briefs of several issuers and topics, in the formats the parsers read and with the
export noise they tolerate, plus the truth they must be parsed into (``synth-truth.json``).

Plans come as series: each province's bureau has a plan for each of several years, the same
departments and mostly the same projects with moving budgets, so scale and change across
years can be measured and tested. Everything follows from the seed.
"""
from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

from kg.errors import InputError
from kg.synth import brief as _brief
from kg.synth import plan as _plan
from kg.synth import words as W
from kg.synth.noise import random_noise

TRUTH_FILE = "synth-truth.json"
FIRST_YEAR, YEARS = 2023, 4  # each bureau's series: 2023 … 2026
MAX_PLANS = len(W.PROVINCES) * len(W.BUREAUS) * YEARS


def _rng(seed: int, *parts) -> random.Random:
    return random.Random("/".join(map(str, (seed, *parts))))


def plan_specs(n: int, seed: int = 0) -> list[_plan.PlanSpec]:
    """``n`` plans: bureau after bureau (province by province), each bureau's years together."""
    if not 0 <= n <= MAX_PLANS:
        raise InputError(f"--plans must be 0–{MAX_PLANS:,} ({len(W.PROVINCES)} provinces × {len(W.BUREAUS)} bureaus × {YEARS} years)")
    out = []
    combos = [(p, b) for b in W.BUREAUS for p in W.PROVINCES]
    for province, bureau in combos:
        base = _plan.skeleton(province, bureau, _rng(seed, province[0], bureau[0]))
        for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
            if len(out) == n:
                return out
            out.append(_plan.of_year(base, year, _rng(seed, province[0], bureau[0], year), FIRST_YEAR))
    return out


def brief_specs(n: int, seed: int = 0) -> list[_brief.BriefSpec]:
    if not 0 <= n <= 10_000:
        raise InputError("--briefs must be 0–10,000")
    return [_brief.spec(f"brief{i + 1:04d}", _rng(seed, "brief", i), FIRST_YEAR + i // 12 % YEARS, 1 + i % 12) for i in range(n)]


def write_corpus(out: Path, plans: int, briefs: int, seed: int = 0, noise: bool = True) -> dict:
    """Write the corpus into ``out`` (new, empty, or an earlier synthetic corpus, which is
    replaced whole) and return its truth, also written to ``out/synth-truth.json``."""
    out = Path(out)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError("not a folder", path=str(out))
    if out.is_dir() and any(out.iterdir()) and not (out / TRUTH_FILE).is_file():
        raise InputError("holds files that are not a synthetic corpus; choose an empty or new folder", path=str(out))
    if plans + briefs == 0:
        raise InputError("nothing to write: give --plans or --briefs")
    p_specs, b_specs = plan_specs(plans, seed), brief_specs(briefs, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.synth-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        docs = []
        for spec, text, truth in ([(s, _plan.text(s), _plan.truth(s)) for s in p_specs]
                                  + [(s, _brief.text(s), _brief.truth(s)) for s in b_specs]):
            rng = _rng(seed, "noise", spec.file_name)
            if noise and rng.random() < 0.5:
                text = random_noise(text, rng)
            (tmp / spec.file_name).write_bytes(text.encode("utf-8"))
            docs.append(truth)
        truth = {"seed": seed, "plans": plans, "briefs": briefs, "noise": noise, "totals": totals(docs), "documents": docs}
        (tmp / TRUTH_FILE).write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return truth


def totals(docs: list[dict]) -> dict:
    """What ``kg stats --json`` of the corpus's build must say, where the truth decides it."""
    plans = [d for d in docs if d["kind"] == "plan"]
    briefs = [d for d in docs if d["kind"] == "brief"]
    return {
        "departments": sum(len(d["departments"]) for d in plans),
        "teams": sum(d["teams"] for d in plans),
        "unit_projects": sum(len(d["unit_projects"]) for d in plans),
        "sub_projects": sum(d["sub_projects"] for d in plans),
        "indicators": sum(d["indicators"] for d in plans),
        "regions": len({r for d in plans for r in d["regions"]}),
        "strategies": sum(d["strategies"] for d in briefs),
        "budget_2026_unit_projects_total": sum(d["budget_total"] for d in plans if d["year"] == 2026),
    }
