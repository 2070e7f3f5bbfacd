"""Scoring search on graded questions, by kind and in two folds, and fitting a parameter.

The scorer is the evaluation set's own ``score.py`` (its ``judge``: nDCG@k of one question),
loaded from beside the questions, so figures here are the figures it prints. Questions are
split by the number in their id: odd-numbered and even-numbered. ``sweep`` fits one
``SearchParams`` field two-fold: the value best on the odd questions is reported on the even
ones and the other way round. Two figures say how much a value fits strings rather than
questions: ``gap``, the odd/even difference at a fitted value, and ``transfer_loss``, what a
fold loses by taking the other fold's value instead of its own best.
"""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from statistics import mean

from kg.errors import InputError


def load_judge(scorer: Path):
    spec = importlib.util.spec_from_file_location("kg_eval_scorer", scorer)
    if spec is None or spec.loader is None:
        raise InputError("cannot load the scorer", path=str(scorer))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.judge


def read_gold(path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            row["query"], row["gold"]  # noqa: B018 - shape check
        except (json.JSONDecodeError, KeyError, TypeError):
            raise InputError('expected {"id", "query", "kind", "gold"}', path=str(path), line=n) from None
        digits = re.findall(r"\d+", str(row.get("id", "")))
        row["_number"] = int(digits[-1]) if digits else n
        out.append(row)
    return out


def score(searcher, gold: list[dict], judge, k: int = 10) -> dict:
    """nDCG@k overall, by kind and by fold (odd / even question numbers), and per question."""
    per = {}
    for q in gold:
        results = [r.to_json() for r in searcher.search(q["query"], k)]
        per[q.get("id", q["_number"])] = (q, judge(q["gold"], results, k)[0])
    by_kind: dict[str, list[float]] = {}
    for q, v in per.values():
        by_kind.setdefault(q.get("kind", "-"), []).append(v)
    odd = [v for q, v in per.values() if q["_number"] % 2]
    even = [v for q, v in per.values() if not q["_number"] % 2]
    return {
        "ndcg": round(mean(v for _, v in per.values()), 4),
        "odd": round(mean(odd), 4) if odd else None,
        "even": round(mean(even), 4) if even else None,
        "by_kind": {kd: round(mean(v), 4) for kd, v in sorted(by_kind.items())},
        "per_query": {qid: round(v, 3) for qid, (_, v) in per.items()},
    }


def sweep(searcher, gold: list[dict], judge, field: str, values: list[float], k: int = 10) -> dict:
    """Fit ``field`` two-fold over ``values``; see the module's docstring."""
    rows = []
    for v in values:
        params = searcher.params.with_values(**{field: type(getattr(searcher.params, field))(v)})
        s = score(searcher.with_params(params), gold, judge, k)
        rows.append({"value": v, "ndcg": s["ndcg"], "odd": s["odd"], "even": s["even"], "by_kind": s["by_kind"]})
    best_odd = max(rows, key=lambda r: (r["odd"], -abs(r["value"] - getattr(searcher.params, field))))
    best_even = max(rows, key=lambda r: (r["even"], -abs(r["value"] - getattr(searcher.params, field))))
    return {
        "field": field,
        "current": getattr(searcher.params, field),
        "rows": rows,
        "fit_on_odd": {"value": best_odd["value"], "odd": best_odd["odd"], "held_out_even": best_odd["even"]},
        "fit_on_even": {"value": best_even["value"], "even": best_even["even"], "held_out_odd": best_even["odd"]},
        # the odd/even difference at each fitted value (the folds also differ in difficulty) …
        "gap": round(max(abs(best_odd["odd"] - best_odd["even"]), abs(best_even["even"] - best_even["odd"])), 4),
        # … and what a fold loses by taking the value fitted on the other one instead of its own best
        "transfer_loss": round(max(best_even["even"] - best_odd["even"], best_odd["odd"] - best_even["odd"]), 4),
    }


class _OneSignal:
    """A searcher that ranks by one signal alone (``kg eval --signals``)."""

    def __init__(self, searcher, name: str):
        self.searcher, self.name = searcher, name

    def search(self, query: str, k: int = 10):
        from kg.search.rank import Result, _top, clean_query

        q, _ = clean_query(query)
        scores = self.searcher.signals(q, self.searcher.analyse(q)).get(self.name)
        if scores is None or not scores.any():
            return []
        nodes = self.searcher.nodes
        return [Result(nodes[i].iri, nodes[i].type, nodes[i].label, nodes[i].text, float(scores[i]), self.name)
                for i in _top(scores, k)]


def signals(searcher, gold: list[dict], judge, k: int = 10) -> dict:
    """nDCG of each retrieval signal alone, by kind, beside the full ranking."""
    out = {"full": score(searcher, gold, judge, k)}
    for name in ("lexical", "ngrams", "dense"):
        out[name] = score(_OneSignal(searcher, name), gold, judge, k)
    return {name: {key: v for key, v in s.items() if key != "per_query"} for name, s in out.items()}
