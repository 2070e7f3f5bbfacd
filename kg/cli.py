"""``kg``: the command line. Subcommands mirror the pipeline; heavy imports stay inside them."""
from __future__ import annotations

import argparse
from contextlib import contextmanager
import json
import os
import sys
from pathlib import Path

from kg.config import MAX_ROWS_RANGE, ROOT, TIMEOUT_RANGE, Settings
from kg.errors import KgError


DEV_QUERIES = ROOT.parent / "shared" / "eval" / "dev_queries.jsonl"
DEV_LINKS = ROOT.parent / "shared" / "eval" / "links_dev.jsonl"


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def cmd_build(args, settings: Settings) -> int:
    from kg.pipeline import build

    out = Path(args.out or settings.build_dir)
    result = build(Path(args.raw or settings.raw_dir), out, settings.ontology_dir, force=args.force, **_build_options(settings))
    _built(result, out)
    return 0


def _build_options(settings: Settings) -> dict:
    """What every command that builds passes to the build: progress on stderr, the embedder, the source limits."""
    return dict(progress=lambda m: print(m, file=sys.stderr, flush=True), embedder=settings.embedder,
                limits=settings.source_limits())


def _built(result, out: Path) -> None:
    s = result.stats
    print(
        f"built {out}: {len(result.documents)} documents, {s['triples']:,} triples, {s['departments']} 부서, "
        f"{s['unit_projects']} 단위사업, {s['sub_projects']} 세부사업 in {result.seconds:.1f}s"
        + (f"; {len(result.findings)} budget consistency finding(s), see `kg validate`" if result.findings else ""),
        file=sys.stderr,
    )
    print("steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in result.steps.items()), file=sys.stderr)


def cmd_synth(args, settings: Settings) -> int:
    from kg.synth import TRUTH_FILE, write_corpus

    truth = write_corpus(Path(args.out), args.plans, args.briefs, seed=args.seed, noise=not args.no_noise)
    t = truth["totals"]
    print(f"wrote {args.plans:,} plan(s) and {args.briefs:,} brief(s) to {args.out} (seed {args.seed}): "
          f"{t['departments']:,} 부서, {t['unit_projects']:,} 단위사업, {t['sub_projects']:,} 세부사업, {t['strategies']:,} strategies; "
          f"the truth in {Path(args.out) / TRUTH_FILE}", file=sys.stderr)
    return 0


def cmd_documents(args, settings: Settings) -> int:
    from kg import documents

    rows = documents.listing(_build_dir(args, settings), Path(args.raw or settings.raw_dir))
    if args.json:
        _out(json.dumps(rows, ensure_ascii=False))
        return 0
    for r in rows:
        size = f"{r['bytes']:,} B" if r["bytes"] is not None else "file missing"
        meta = r.get("meta") or {}
        given = set(meta.get("given") or ())
        said = "\t".join(f"{meta.get(k) or '-'}{'*' if k in given else ''}" for k in ("issuer", "year", "bureau"))
        _out(f"{r['id']}\t{r['kind']}\t{r['encoding']}\t{size}\t{r['modified'] or '-'}\t{r['name']}\t{r['title']}\t{said}")
    return 0


def cmd_add(args, settings: Settings) -> int:
    from kg import documents
    from kg.parse.text import check_file

    files = []
    for name in args.files:
        path = Path(name)
        check_file(path, settings.source_limits())  # missing, a folder, empty or too large: one line
        files.append((path.name, path.read_bytes()))
    from kg.meta import parse_pairs

    given = parse_pairs(args.meta)  # checked before anything is read or placed
    out = _build_dir(args, settings)
    result, skipped = documents.add_documents(files, Path(args.raw or settings.raw_dir), out, settings.ontology_dir,
                                              meta=given, **_build_options(settings))
    for line in skipped:
        print(line, file=sys.stderr)
    if result is not None:
        _built(result, out)
    return 0


def cmd_remove(args, settings: Settings) -> int:
    from kg import documents

    out, raw = _build_dir(args, settings), Path(args.raw or settings.raw_dir)
    names = [documents.resolve(doc, out, raw) for doc in args.docs]
    _built(documents.remove_documents(names, raw, out, settings.ontology_dir, **_build_options(settings)), out)
    return 0


def cmd_series(args, settings: Settings) -> int:
    from kg.errors import BuildMissingError
    from kg.integrity import verify_build
    from kg.series import SERIES_FILE, iter_lines

    build_dir = _build_dir(args, settings)
    verify_build(build_dir)
    path = build_dir / SERIES_FILE
    if not path.is_file():
        raise BuildMissingError(f"{build_dir} has no {SERIES_FILE} (made by an older policy-kg); rebuild with kg build")
    report = json.loads(path.read_text(encoding="utf-8"))
    if args.unmatched:
        report = {**report, "series": []}
    if args.json:
        _out(json.dumps(report, ensure_ascii=False))
        return 0
    if not report["bureaus"]:
        _out("no bureau has plans of two or more years in this build")
        return 0
    for line in iter_lines(report):
        _out(line)
    return 0


def cmd_stats(args, settings: Settings) -> int:
    from kg.rdf.io import load_graph
    from kg.rdf.stats import stats

    numbers = stats(load_graph(_build_dir(args, settings)))
    if args.json:
        _out(json.dumps(numbers, ensure_ascii=False))
    else:
        width = max(map(len, numbers))
        _out("\n".join(f"{k:<{width}}  {v:,}" for k, v in numbers.items()))
    return 0


def cmd_validate(args, settings: Settings) -> int:
    from kg.pipeline import read_findings
    from kg.rdf.io import load_graph, ontology
    from kg.rdf.validate import shacl_violations

    build_dir = _build_dir(args, settings)
    graph = load_graph(build_dir)
    ont, _, shapes = ontology(settings.ontology_dir)
    violations = shacl_violations(graph, shapes, ont)
    findings = read_findings(build_dir)
    errors = [v for v in violations if v.severity == "Violation"]
    if args.json:
        _out(json.dumps({"conforms": not errors, "shacl": [v.__dict__ for v in violations], "consistency": findings}, ensure_ascii=False, indent=1))
    else:
        for v in violations:
            _out(v.one_line())
        _out(f"SHACL: {'conforms' if not errors else f'{len(errors)} violation(s)'} ({len(graph):,} triples)")
        for f in findings:
            _out("budget: " + f["message"])
        _out(f"budget consistency: {len(findings)} mismatch(es) beyond rounding")
    if errors:
        return 3
    return 4 if (args.strict and findings) else 0


def cmd_export(args, settings: Settings) -> int:
    from kg.rdf import dataset
    from kg.rdf.io import DATASET_FORMATS, load_graph, serialize

    if args.output:  # checked before the work: a wrong target costs nothing
        out = _output_file(Path(args.output))
    build_dir = _build_dir(args, settings)
    if args.format in DATASET_FORMATS:  # the named graphs, each as itself
        text = dataset.dataset_text(build_dir, dataset.select(build_dir, args.doc, _raw_dir(args, settings)), args.format)
    elif args.doc:  # the union of the documents' own graphs
        from kg.rdf.build import new_graph

        g = new_graph()
        for ng in dataset.select(build_dir, args.doc, _raw_dir(args, settings)):
            g += dataset.read(build_dir, ng)
        text = serialize(g, args.format)
    else:
        text = serialize(load_graph(build_dir), args.format)
    if args.output:
        import tempfile

        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, out)  # whole or not at all
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        print(f"wrote {out}", file=sys.stderr)
    else:
        _out(text)
    return 0


def _output_file(out: Path) -> Path:
    """``out`` if a file may be written there: a new name or a regular file, in an existing folder."""
    from kg.errors import InputError

    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise InputError("not a regular file; give a file name to write", path=str(out))
    if not out.parent.is_dir():
        raise InputError("no such folder", path=str(out.parent))
    return out


def _searcher(args, settings: Settings):
    from kg.search.open import open_searcher

    return open_searcher(
        _build_dir(args, settings), settings.ontology_dir, settings.embedder,
        progress=lambda m: print(m, file=sys.stderr, flush=True), allow_download=settings.allow_download,
    )


def cmd_search(args, settings: Settings) -> int:
    from kg.api import search_row
    from kg.search import QueryError, clean_query

    within = _within(args, settings)
    if args.endpoint:
        return _search_remote(args, within)
    searcher = _searcher(args, settings)
    if args.queries:
        rows = list(_read_queries(Path(args.queries)))
        with _asker(args, settings, searcher) as asker:
            for qid, query in rows:
                try:
                    row = search_row(searcher, asker, query, args.k, embedder=False, within=within)
                except QueryError:
                    row = {"query": query, "results": [], "analysis": None}
                _out(json.dumps({"id": qid, **row}, ensure_ascii=False))
        return 0
    if args.query is None:
        raise QueryError("give a question, e.g. kg search \"국민외교를 지원하는 사업은?\", or --queries FILE.jsonl")
    cleaned, notes = clean_query(args.query)
    for note in notes:
        print(f"kg: note: {note}", file=sys.stderr)
    analysis = searcher.analyse(cleaned) if args.explain else None
    with _asker(args, settings, searcher) as asker:
        row = search_row(searcher, asker, args.query, args.k, within=within)
    if args.json:
        _out(json.dumps(row, ensure_ascii=False))
        return 0
    _print_search(row, analysis.explain() if analysis is not None else None)
    return 0


def _within(args, settings: Settings):
    """The documents ``--issuer``, ``--year`` and ``--kind`` keep a search or an answer to."""
    from kg.meta import Issuers, Within

    if not (args.issuer or args.year or args.kind):
        return None
    return Within.of(args.issuer, args.year, args.kind, known=Issuers.load(settings.ontology_dir))


def _search_remote(args, within=None) -> int:
    """``kg search --endpoint URL``: the same question asked of a running ``kg serve``."""
    from kg.api import remote_search
    from kg.errors import InputError

    if args.explain:
        raise InputError("--explain reads the question here; with --endpoint, use --json (its \"analysis\")")
    if args.queries:
        for qid, query in _read_queries(Path(args.queries)):
            row = remote_search(args.endpoint, query, args.k, within=within)
            row.pop("embedder", None)
            _out(json.dumps({"id": qid, **row}, ensure_ascii=False))
        return 0
    if args.query is None or not args.query.strip():
        raise InputError('give a question, e.g. kg search "국민외교를 지원하는 사업은?" --endpoint URL')
    row = remote_search(args.endpoint, args.query, args.k, within=within)
    if args.json:
        _out(json.dumps(row, ensure_ascii=False))
    else:
        _print_search(row)
    return 0


def _print_search(row: dict, explained: str | None = None) -> None:
    """A ``kg search --json`` object as text: the exact answer when there is one, then the results."""
    answer = row.get("answer")
    if answer is not None:
        _out(f"답: {answer['answer']}\n    읽은 방식: {answer['interpretation']} (kg ask로 표와 SPARQL)\n")
    if explained is not None:
        _out(explained or "no words to analyse")
        _out("")
    within = row.get("within")
    if within:
        _out("within: " + "; ".join(f"{k} {', '.join(map(str, v))}" for k, v in within.items() if v) + "\n")
    if not row["results"]:
        _out("no results")
    for i, r in enumerate(row["results"], start=1):
        _out(f"{i:>2}. [{r['type']}] {r['label']}  ({r['score']:.3f})\n    {r['text'][:160]}\n    why: {r['why']}")
    if row.get("embedder"):
        print(f"embedder: {row['embedder']}", file=sys.stderr)


@contextmanager
def _asker(args, settings: Settings, searcher):
    """Exact answers over the searcher's build (``kg ask``, and beside a search). The question is
    read with the build's facts (``kg.ask.facts``); the graph is loaded (the searcher has verified
    the build) and one SPARQL worker forked on the first question understood, once for all."""
    from kg.ask import Asker
    from kg.ask.facts import read_facts
    from kg.sparql import Pool, load_store

    build = _build_dir(args, settings)
    facts = read_facts(build)
    engine = None if facts is not None else load_store(build, verified=True)  # a build without facts: read from the store
    opened: list = []  # the pool, once a question needs it

    def run(q):
        if not opened:
            opened.append(Pool(engine if engine is not None else load_store(build, verified=True), workers=1))
        return opened[0].run(q, timeout=5.0, max_rows=1000)

    try:
        yield Asker(searcher, engine, run=run, facts=facts)
    finally:
        for pool in opened:
            pool.close()


def _read_queries(path: Path, fields: tuple[str, ...] = ("query",)):
    """(id, text) of each line of a JSONL file: the text is the first of ``fields`` a line has."""
    from kg.errors import InputError

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError("queries file not found", path=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("queries file is not UTF-8", path=str(path)) from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = next(row[f] for f in fields if f in row)
            if not isinstance(text, str):
                raise TypeError
            yield row.get("id", str(n)), text
        except (json.JSONDecodeError, StopIteration, TypeError, AttributeError):
            raise InputError(f'expected a JSON object with "{fields[0]}" (and "id")', path=str(path), line=n) from None


def cmd_ask(args, settings: Settings) -> int:
    from kg.errors import InputError

    if not args.queries and args.question is None:
        raise InputError('give a question, e.g. kg ask "대외협력과의 2026년 예산 합계는?", or --queries FILE.jsonl')
    within = _within(args, settings)
    if args.endpoint:
        from kg.api import remote_ask

        return _answer_all(args, lambda question: remote_ask(args.endpoint, question, within=within))
    searcher = _searcher(args, settings)
    with _asker(args, settings, searcher) as asker:
        return _answer_all(args, lambda question: asker.ask(question, within=within).to_json())


def _answer_all(args, ask) -> int:
    """``kg ask``'s output for one question or a file of them; ``ask`` gives the JSON object."""
    if args.queries:
        for qid, question in _read_queries(Path(args.queries), fields=("question", "query")):
            _out(json.dumps({"id": qid, **ask(question)}, ensure_ascii=False))
        return 0
    answer = ask(args.question)
    if args.json:
        _out(json.dumps(answer, ensure_ascii=False))
        return 0 if answer["understood"] else 1
    _out(answer["answer"])
    if not answer["understood"]:
        return 1
    _out(f"읽은 방식: {answer['interpretation']}")
    columns, rows = answer["columns"], answer["rows"]
    if rows and not (len(rows) == 1 and len(columns) <= 2 and columns[0] in ("개수", "합계", "평균")):
        _out("")
        _out("\t".join(columns))
        for r in rows[:50]:
            _out("\t".join("" if c is None else (f"{c:,}" if isinstance(c, (int, float)) else str(c)) for c in r))
    _out("")
    _out(answer["sparql"])
    return 0


def cmd_eval(args, settings: Settings) -> int:
    import subprocess
    import tempfile

    from kg.errors import InputError

    gold = Path(args.queries)
    scorer = Path(args.scorer) if args.scorer else gold.with_name("score.py")
    for p in (gold, scorer):
        if not p.exists():
            raise InputError("not found (the development set lives in ../shared/eval)", path=str(p))
    searcher = _searcher(args, settings)
    if args.folds or args.sweep or args.signals:
        return _eval_folds(args, searcher, gold, scorer)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for qid, query in _read_queries(gold):
            f.write(json.dumps({"id": qid, "query": query, "results": [r.to_json() for r in searcher.search(query, args.k)]}, ensure_ascii=False) + "\n")
    try:
        cmd = [sys.executable, str(scorer), str(gold), f.name, "--k", str(args.k)] + (["--json"] if args.json else [])
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    finally:
        Path(f.name).unlink(missing_ok=True)
    sys.stdout.write(done.stdout)
    if done.returncode:
        sys.stderr.write(done.stderr)
    print(f"embedder: {searcher.embedder_name}", file=sys.stderr)
    return done.returncode


def _eval_folds(args, searcher, gold: Path, scorer: Path) -> int:
    """``kg eval --folds``: figures by kind and fold; ``--sweep FIELD=v1,v2``: a two-fold fit."""
    from kg.errors import InputError
    from kg.search import evaluate

    judge = evaluate.load_judge(scorer)
    questions = evaluate.read_gold(gold)
    if args.signals:
        report = evaluate.signals(searcher, questions, judge, args.k)
        if args.json:
            _out(json.dumps(report, ensure_ascii=False))
            return 0
        for name, s in report.items():
            kinds = " ".join(f"{kd} {v:.2f}" for kd, v in s["by_kind"].items())
            print(f"{name:8} all {s['ndcg']:.4f}  odd {s['odd']:.4f}  even {s['even']:.4f}  | {kinds}")
        return 0
    if args.sweep:
        name, _, values = args.sweep.partition("=")
        try:
            numbers = [float(v) for v in values.split(",") if v.strip()]
            searcher.params.with_values(**{name: getattr(searcher.params, name, 0)})
        except (ValueError, TypeError) as exc:
            raise InputError(f"--sweep: {exc}; give FIELD=v1,v2,… with a field of SearchParams") from None
        if not numbers:
            raise InputError("--sweep: give FIELD=v1,v2,… (numbers)")
        report = evaluate.sweep(searcher, questions, judge, name, numbers, args.k)
        if args.json:
            _out(json.dumps(report, ensure_ascii=False))
            return 0
        for r in report["rows"]:
            kinds = " ".join(f"{kd} {v:.2f}" for kd, v in r["by_kind"].items())
            print(f"{name}={r['value']:<8g} all {r['ndcg']:.4f}  odd {r['odd']:.4f}  even {r['even']:.4f}  | {kinds}")
        fo, fe = report["fit_on_odd"], report["fit_on_even"]
        print(f"fit on odd: {name}={fo['value']:g} (odd {fo['odd']:.4f}) → even {fo['held_out_even']:.4f}; "
              f"fit on even: {name}={fe['value']:g} (even {fe['even']:.4f}) → odd {fe['held_out_odd']:.4f}; "
              f"gap {report['gap']:.4f}, transfer loss {report['transfer_loss']:.4f} (current {report['current']:g})")
        return 0
    s = evaluate.score(searcher, questions, judge, args.k)
    if args.json:
        _out(json.dumps(s, ensure_ascii=False))
        return 0
    for qid, v in s["per_query"].items():
        if v < 1:
            print(f"{qid}\t{v:.3f}")
    for kd, v in s["by_kind"].items():
        print(f"kind {kd}: ndcg@{args.k} {v:.3f}")
    print(f"ndcg@{args.k} {s['ndcg']:.4f}  odd {s['odd']:.4f}  even {s['even']:.4f}  gap {abs(s['odd'] - s['even']):.4f}")
    return 0


def cmd_show(args, settings: Settings) -> int:
    """One entity as the app's entity page shows it: by IRI, exact name or part of a name."""
    from kg import explore
    from kg.rdf.io import load_graph, ontology

    g = load_graph(_build_dir(args, settings))
    found = explore.find(g, args.entity)
    if not found:
        raise explore.UnknownEntityError(f"no entity named {args.entity!r}; try part of its name")
    if len(found) > 1 and found[0]["label"] != " ".join(args.entity.split()) and not args.entity.startswith("http"):
        names = "; ".join(f"{f['label']} ({f['type']})" for f in found[:8])
        raise explore.UnknownEntityError(f"{len(found)} entities match {args.entity!r}: {names} — name one")
    e = explore.entity(g, found[0]["iri"], explore.names(ontology(settings.ontology_dir)[0]), settings.raw_dir)
    if args.json:
        _out(json.dumps(e, ensure_ascii=False))
        return 0
    lines = [f"{e['label']}  [{e['type_name']}]", e["iri"]]
    lines += [f"  {f['property']}: {f['value']}" for f in e["facts"]]
    if e["budgets"]:
        lines.append("  예산(백만원): " + ", ".join(f"{b['label']} {b['amount']:,.0f}" for b in e["budgets"]))
    if e.get("series"):
        years = ", ".join(f"{r['year']} " + ("-" if r["amount"] is None else f"{r['amount']:,.0f}") for r in e["series"])
        lines.append(f"  연도별 예산(백만원, 그해 계획): {years}")
    for i in e["indicators"]:
        lines.append(f"  성과지표: {i['label']} ({i['unit']}) 목표 " + ", ".join(f"{y} {v}" for y, v in i["targets"].items()))
    for a in e["alignments"]:
        lines.append(f"  {'지원 사업' if e['type'] == 'Strategy' else '지원 전략'}: {a['label']} ({a['score']:.2f})")
    for n in e["neighbours"]:
        lines.append(f"  {'→' if n['direction'] == 'out' else '←'} {n['property']}: {n['label']} [{n['type']}]")
    if e["source"]:
        src = e["source"]
        lines.append(f"  출처: {src['file']} {explore.line_range(src)}")
    _out("\n".join(lines))
    return 0


def cmd_links(args, settings: Settings) -> int:
    from kg import alignments as al
    from kg.rdf.io import load_graph

    build_dir = _build_dir(args, settings)
    g = load_graph(build_dir)
    if args.eval:
        return _links_eval(args, settings, g, build_dir)
    if args.gaps:
        gaps, cover = al.gaps(g, settings.queries_dir), al.coverage(g, al.links(g, settings.queries_dir))
        if args.json:
            _out(json.dumps({"gaps": gaps, "coverage": cover}, ensure_ascii=False, indent=1))
            return 0
        for c in cover:
            _out(f"{c['branch']}: {len(c['items_covered'])}/{c['items']} 세부 전략에 사업 있음; 사업 {len(c['projects'])}개")
            for name in c["items_uncovered"]:
                _out(f"   - 사업 없음: {name}")
        _out(f"사업이 없는 전략 {len(gaps)}개 (strategies with no project)")
        return 0
    rows = al.links(g, settings.queries_dir)
    if args.strategy:
        rows = al.filter_strategy(g, rows, args.strategy)
    if args.project:
        rows = al.filter_project(rows, args.project)
        for r in rows:
            r["why"] = al.why(g, r["project_iri"], r["strategy_iri"])
    if args.json:
        keys = ("project_iri", "project", "strategy_iri", "strategy", "score", "method", "evidence")
        _out(json.dumps([r if args.full or args.project else {k: r[k] for k in keys} for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        _out("no alignments" + (" for this filter" if args.strategy or args.project else ""))
    for r in rows:
        _out(f"{r['score']:.2f}  {r['project']}  →  {r['strategy']}  [{r['method']}]")
        _out(f"      업무계획: {r['plan_evidence']}\n      정책브리프: {r['brief_evidence']}")
        for reason in r.get("why", []):
            _out(f"      · {reason}")
    return 0


def _links_eval(args, settings: Settings, g, build_dir: Path) -> int:
    """Precision / recall of "supports 국민외교" on labelled projects, and a threshold sweep."""
    from kg import alignments as al
    from kg.index.embedder import load_embedder
    from kg.link import THRESHOLD, candidates

    labels = al.read_labels(Path(args.eval))
    best: dict[str, float] = {}
    for a in candidates(g, load_embedder(settings.embedder, build_dir, settings.allow_download)):
        best[a.entity_label] = max(best.get(a.entity_label, 0.0), a.score)
    report = al.evaluate(best, labels, THRESHOLD)
    sweep = [{k: v for k, v in al.evaluate(best, labels, t / 20).items() if k in ("threshold", "precision", "recall")} for t in range(1, 20)]
    if args.json:
        _out(json.dumps({**report, "sweep": sweep}, ensure_ascii=False, indent=1))
        return 0
    _out(f"threshold {report['threshold']}: precision {report['precision']}, recall {report['recall']} on {report['examples']} labelled projects")
    _out(f"lowest positive score {report['lowest_positive']}, highest negative {report['highest_negative']}")
    for r in report["rows"]:
        mark = "ok " if r["label"] == r["predicted"] else "ERR"
        _out(f"  {mark} {r['score']:.2f} {'supports' if r['predicted'] else 'no      '} (label: {'supports' if r['label'] else 'no'})  {r['project']}")
    for name in report["not_in_plan"]:
        _out(f"  not in the plan: {name}")
    return 0


def cmd_sparql(args, settings: Settings) -> int:
    from kg import sparql as sp

    if args.list:
        for q in sp.saved_queries(settings.queries_dir):
            _out(f"{q.name}\n    {q.title}\n    {q.description}")
        return 0
    if args.compare:
        return _compare(args, settings)
    if not args.query:
        raise sp.SparqlError("give a query, a .rq file or a saved query name (kg sparql --list shows them)")
    text = sp.resolve(args.query, settings.queries_dir)
    if args.endpoint:
        from kg.sparql.remote import query as remote_query

        result = remote_query(args.endpoint, text, timeout=args.timeout, max_rows=args.max_rows)
    else:
        limits = sp.WorkerLimits(memory_mb=settings.sparql_worker_memory_mb)
        result = sp.run(sp.load_store(_build_dir(args, settings)), text, timeout=args.timeout, max_rows=args.max_rows, limits=limits)
    _out(result.serialize(args.format))
    if result.truncated:
        print(f"kg: note: result cut at {args.max_rows:,} rows (--max-rows)", file=sys.stderr)
    return 0


def _compare(args, settings: Settings) -> int:
    """``kg sparql --compare --endpoint URL [NAME]``: the saved queries (or one) on the build and on
    the endpoint, row for row; exit 1 when any differs."""
    from kg import sparql as sp
    from kg.errors import InputError
    from kg.sparql.compare import compare
    from kg.sparql.remote import query as remote_query

    if not args.endpoint:
        raise InputError("--compare runs the saved queries here and on --endpoint URL (a store the build was pushed to)")
    saved = sp.saved_queries(settings.queries_dir)
    if args.query:
        saved = [q for q in saved if q.name == args.query]
        if not saved:
            raise InputError(f"no saved query {args.query!r}; kg sparql --list shows them")
    limits = sp.WorkerLimits(memory_mb=settings.sparql_worker_memory_mb)
    engine = sp.load_store(_build_dir(args, settings))
    with sp.Pool(engine, workers=1, limits=limits) as pool:
        found = [compare(q.name, q.text, lambda t: pool.run(t, timeout=args.timeout, max_rows=args.max_rows),
                         lambda t: remote_query(args.endpoint, t, timeout=args.timeout, max_rows=args.max_rows))
                 for q in saved]
    if args.format == "json":
        _out(json.dumps({"endpoint": args.endpoint, "queries": [c.to_json() for c in found]}, ensure_ascii=False, indent=1))
    else:
        for c in found:
            verdict = ("same rows, same order" if c.same_order else "same rows, ties in another order") if c.same_rows else "DIFFERENT"
            _out(f"{c.name:42} {c.local_rows:6} {c.remote_rows:6}  {c.local_ms:8.1f} ms {c.remote_ms:8.1f} ms  {verdict}"
                 + (f"\n    {c.difference}" if c.difference else ""))
    differ = [c.name for c in found if not c.same_rows]
    if differ:
        print(f"kg: {len(differ)} of {len(found)} saved queries answer differently on {args.endpoint}: {', '.join(differ)}", file=sys.stderr)
        return 1
    print(f"kg: all {len(found)} saved queries give the same rows on {args.endpoint}", file=sys.stderr)
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from kg import sparql as sp
    from kg.sparql.serve import EndpointLimits, serve

    limits = sp.WorkerLimits(memory_mb=settings.sparql_worker_memory_mb)
    engine = sp.load_store(_build_dir(args, settings))

    def api(pool):
        """The JSON API over the same build: the searcher is loaded after the workers are forked."""
        from kg.api import Service
        from kg.ask import Asker

        searcher = _searcher(args, settings)
        return Service(searcher, Asker(searcher, engine, run=lambda q: pool.run(q, timeout=args.timeout, max_rows=1000)))

    try:
        serve(engine, args.host, args.port, args.timeout, args.max_rows, args.workers, limits,
              EndpointLimits(per_client=args.per_client, cors_origin=args.cors_origin), api=None if args.sparql_only else api)
    except OSError as exc:
        raise sp.SparqlError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return 0


def cmd_push(args, settings: Settings) -> int:
    from kg.errors import InputError
    from kg.rdf import dataset
    from kg.rdf.build import document_graph_iri
    from kg.rdf.io import GRAPH_FILE, load_graph
    from kg.sparql import remote

    build_dir = _build_dir(args, settings)
    if not (build_dir / GRAPH_FILE).exists():
        load_graph(build_dir)  # raises the "run kg build first" error
    auth = None
    if args.user:
        password = os.environ.get("KG_STORE_PASSWORD")
        if password is None:
            raise InputError("--user needs its password in the environment variable KG_STORE_PASSWORD (never on the command line)")
        auth = remote.StoreAuth(args.user, password)
    if args.prune and (args.graph or not args.sparql):
        raise InputError("--prune drops the document graphs the build no longer has: it needs --sparql URL (the store's "
                         "query endpoint, to list them) and cannot go with --graph")
    if args.graph:  # the union, into one named graph
        from kg.integrity import verify_build

        verify_build(build_dir)
        status = remote.push(args.endpoint, build_dir / GRAPH_FILE, args.graph, auth=auth)
        print(f"pushed {build_dir / GRAPH_FILE} to {args.endpoint} as graph <{args.graph}> (HTTP {status})", file=sys.stderr)
        return 0
    from kg.rdf.quads import store_graphs, store_iris

    graphs = store_graphs(build_dir, dataset.select(build_dir, args.doc, _raw_dir(args, settings)))  # each file checked
    for sg in graphs:
        status = remote.put(args.endpoint, sg.data, sg.iri, auth=auth)
        print(f"pushed {sg.name} ({sg.triples:,} triples) as graph <{sg.iri}> (HTTP {status})", file=sys.stderr)
    print(f"pushed {len(graphs)} named graph(s) to {args.endpoint}", file=sys.stderr)
    if args.prune:
        have = store_iris(build_dir)
        gone = [g for g in remote.graphs(args.sparql, str(document_graph_iri(""))) if g not in have]
        for iri in gone:
            remote.delete(args.endpoint, iri, auth=auth)
            print(f"dropped <{iri}>: the build no longer has that document", file=sys.stderr)
        print(f"dropped {len(gone)} document graph(s) the build no longer has", file=sys.stderr)
    return 0


def cmd_bench(args, settings: Settings) -> int:
    build_dir = _build_dir(args, settings)
    if args.what == "sparql":
        from kg.bench_sparql import main as bench_sparql

        _out(bench_sparql(build_dir, args.scale if args.scale_given else 1_000_000, args.repeat))
    elif args.what == "serve":
        from kg.bench_serve import main as bench_serve

        _out(bench_serve(build_dir, settings.queries_dir, args.clients, args.seconds, args.heavy_every))
    elif args.what == "ask":
        from kg.bench_ask import main as bench_ask

        _out(bench_ask(build_dir, settings.ontology_dir, args.repeat))
    elif args.what == "app":
        from kg.bench_app import main as bench_app

        _out(bench_app(build_dir, args.repeat))
    elif args.what == "read":
        from kg.bench_read import main as bench_read
        from kg.errors import InputError

        if not args.files:
            raise InputError("give the documents to read, e.g. kg bench read plan.pdf plan.hwpx")
        _out(bench_read([Path(f) for f in args.files], args.repeat))
    elif args.what == "corpus":
        from kg.bench_corpus import main as bench_corpus

        _out(bench_corpus(args.plans, args.briefs, args.seed, args.repeat, Path(args.work) if args.work else None, args.virtuoso))
    elif args.what == "start":
        from kg.bench_start import main as bench_start

        _out(bench_start(build_dir, settings.raw_dir, args.repeat, app=not args.no_app))
    else:
        from kg.bench import main as bench_main

        _out(bench_main(build_dir, settings.ontology_dir, args.scale if args.scale_given else 100_000, args.repeat))
    return 0


def _build_dir(args, settings: Settings) -> Path:
    return Path(args.build) if getattr(args, "build", None) else settings.build_dir


def _raw_dir(args, settings: Settings) -> Path:
    return Path(args.raw) if getattr(args, "raw", None) else settings.raw_dir


def settings_default(name: str):
    return getattr(Settings(), name)


def bounded(name: str, low: float, high: float, integer: bool = False):
    """An argparse type: a number in [low, high], else argparse's one-line usage error."""
    from kg.config import number

    def parse(text: str):
        try:
            return number(text, name, low, high, integer)
        except KgError as exc:
            raise argparse.ArgumentTypeError(exc.one_line()) from None

    return parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kg", description="Knowledge graph and Korean search over policy documents.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="parse data/raw and build the graph into data/build")
    b.add_argument("--raw", help="source folder (default data/raw)")
    b.add_argument("--out", help="build folder (default data/build): a previous build, an empty or a new folder")
    b.add_argument("--force", action="store_true", help="let --out replace a folder that is not a previous build")
    b.set_defaults(func=cmd_build)

    def reading(name: str, help: str, func):
        r = sub.add_parser(name, help=help)
        r.add_argument("--build", help="build folder to read (default data/build)")
        r.set_defaults(func=func)
        return r

    sy = sub.add_parser("synth", help="write a synthetic corpus of plans and briefs (with the truth they parse into), to measure and test at scale")
    sy.add_argument("--plans", type=bounded("--plans", 0, 1020, integer=True), default=0, help="business plans (provinces × bureaus × years 2023–2026)")
    sy.add_argument("--briefs", type=bounded("--briefs", 0, 10_000, integer=True), default=0, help="policy briefs")
    sy.add_argument("--out", required=True, help="folder to write: new, empty, or an earlier synthetic corpus (replaced)")
    sy.add_argument("--seed", type=int, default=0, help="the same seed writes the same corpus (default 0)")
    sy.add_argument("--no-noise", action="store_true", help="leave out the export noise (CRLF, BOM, no-break spaces, heading marks …)")
    sy.set_defaults(func=cmd_synth)
    dc = reading("documents", "the documents of the build: id, kind, container, size, when changed, file, title", cmd_documents)
    dc.add_argument("--json", action="store_true", help='print JSON: [{"id", "name", "format", "kind", "sha256", …}]')
    dc.add_argument("--raw", help="source folder of the build (default data/raw)")
    ad = reading("add", "add documents (PDF, HWPX, HWP, text) to the build's source folder and rebuild; "
                        "content the build already has changes nothing", cmd_add)
    ad.add_argument("files", nargs="+", metavar="FILE")
    ad.add_argument("--meta", action="append", metavar="KEY=VALUE",
                    help="what the documents are, where they do not say it: issuer=서울특별시, year=2024, bureau=…, kind=plan|brief|other, "
                         "issuer_type=government|ministry|institute|other; repeatable; kept in the source folder's metadata.json")
    ad.add_argument("--raw", help="source folder of the build (default data/raw)")
    rm = reading("remove", "remove documents (by the id `kg documents` shows, or file name) and rebuild", cmd_remove)
    rm.add_argument("docs", nargs="+", metavar="DOC")
    rm.add_argument("--raw", help="source folder of the build (default data/raw)")
    se = reading("series", "each bureau's plans across years: the projects' budgets year by year, and what could not be matched",
                 cmd_series)
    se.add_argument("--json", action="store_true", help="print JSON (the build's series.json)")
    se.add_argument("--unmatched", action="store_true", help="only the projects new, ended or renamed between two years")
    s = reading("stats", "counts of the built graph", cmd_stats)
    s.add_argument("--json", action="store_true", help="print JSON")
    v = reading("validate", "SHACL shapes and budget consistency of the build", cmd_validate)
    v.add_argument("--json", action="store_true", help="print JSON")
    v.add_argument("--strict", action="store_true", help="exit 4 when budget figures do not add up")
    q = reading("search", "hybrid Korean search over the graph", cmd_search)
    q.add_argument("query", nargs="?", help="the question, e.g. 국민외교를 지원하는 사업은?")
    q.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.add_argument("--queries", help='JSONL file of {"id", "query"}: one JSON line of results per query')
    q.add_argument("--explain", action="store_true", help="print how the question was read (intents, answer types, words, mentions) first")
    q.add_argument("--endpoint", help="ask a running kg serve (its /api/search) instead of opening the build, e.g. http://127.0.0.1:7070")
    ak = reading("ask", "exact answers to structured questions (sums, rankings, changes, counts) with the SPARQL run", cmd_ask)
    ak.add_argument("question", nargs="?", help="the question, e.g. 대외협력과의 2026년 예산 합계는?")
    ak.add_argument("--json", action="store_true", help="print JSON")
    ak.add_argument("--queries", help='JSONL file of {"id", "question"}: one JSON answer line each')
    ak.add_argument("--endpoint", help="ask a running kg serve (its /api/ask) instead of opening the build")
    for parser in (q, ak):
        parser.add_argument("--issuer", action="append", metavar="NAME", help="only documents of this issuer (any of its names in "
                                                                              "ontology/issuers.ttl, e.g. 전북특별자치도); repeatable")
        parser.add_argument("--year", action="append", metavar="YEAR", help="only documents of this year (a plan's fiscal year); repeatable")
        parser.add_argument("--kind", action="append", choices=["plan", "brief", "other"], help="only documents of this kind; repeatable")
    ev = reading("eval", "score search on the development set with its scorer", cmd_eval)
    ev.add_argument("--queries", default=str(DEV_QUERIES), help="graded queries (default ../shared/eval/dev_queries.jsonl)")
    ev.add_argument("--scorer", help="score.py (default: beside the queries)")
    ev.add_argument("-k", type=int, default=10)
    ev.add_argument("--json", action="store_true", help="print the scorer's JSON")
    ev.add_argument("--folds", action="store_true", help="in-process: nDCG by kind and for the odd- and even-numbered questions")
    ev.add_argument("--sweep", metavar="FIELD=V1,V2,…", help="fit one SearchParams field two-fold (best on odd → even, and back)")
    ev.add_argument("--signals", action="store_true", help="in-process: each retrieval signal alone (lexical, n-grams, dense) by kind")
    sh = reading("show", "one entity: facts, budgets, indicators, linked strategies, neighbours, source", cmd_show)
    sh.add_argument("entity", help="IRI, exact name or part of a name")
    sh.add_argument("--json", action="store_true", help="print JSON (what the app's entity page shows)")
    lk = reading("links", "plan projects aligned with the brief's strategies, with score and evidence", cmd_links)
    lk.add_argument("--json", action="store_true", help="print JSON")
    lk.add_argument("--strategy", help="only this strategy (name or part of it) and the strategies under it")
    lk.add_argument("--project", help="explain one project (name or part of it): its strategies and why")
    lk.add_argument("--gaps", action="store_true", help="strategies no project carries out, and coverage per branch")
    lk.add_argument("--full", action="store_true", help="with --json: department, branch, relevance and both evidence quotes too")
    lk.add_argument("--eval", nargs="?", const=str(DEV_LINKS), metavar="FILE",
                    help="precision/recall on labelled projects (default ../shared/eval/links_dev.jsonl)")
    sq = reading("sparql", "run a read-only SPARQL query (text, .rq file or saved query name)", cmd_sparql)
    sq.add_argument("query", nargs="?", help="SPARQL text, a .rq file, or a saved query name from --list")
    sq.add_argument("--format", default="table", choices=["json", "csv", "tsv", "xml", "table"], help="result format (default table)")
    sq.add_argument("--timeout", type=bounded("--timeout", *TIMEOUT_RANGE), default=settings_default("sparql_timeout"),
                    help="seconds before the query is stopped")
    sq.add_argument("--max-rows", type=bounded("--max-rows", *MAX_ROWS_RANGE, integer=True),
                    default=settings_default("sparql_max_rows"), help="row cap; a cut result says so")
    sq.add_argument("--list", action="store_true", help="list the saved queries with their titles")
    sq.add_argument("--endpoint", help="query a remote SPARQL 1.1 endpoint URL instead of the build")
    sq.add_argument("--compare", action="store_true", help="with --endpoint: run the saved queries (or the one named) on the "
                                                          "build and on the endpoint and compare their rows (exit 1 if any differs)")
    sv = reading("serve", "SPARQL 1.1 Protocol endpoint and JSON search API (/api/search, /api/ask) over the build", cmd_serve)
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    sv.add_argument("--port", type=int, default=7070, help="port (default 7070)")
    sv.add_argument("--timeout", type=bounded("--timeout", *TIMEOUT_RANGE), default=settings_default("sparql_timeout"),
                    help="seconds per query")
    sv.add_argument("--max-rows", type=bounded("--max-rows", *MAX_ROWS_RANGE, integer=True),
                    default=settings_default("sparql_max_rows"), help="row cap per result")
    sv.add_argument("--workers", type=bounded("--workers", 1, 256, integer=True), help="queries evaluated at once (default: one per core)")
    sv.add_argument("--per-client", type=bounded("--per-client", 1, 1000, integer=True), default=4,
                    help="queries one client address may have in flight (default 4; more get 429)")
    sv.add_argument("--sparql-only", action="store_true", help="serve /sparql alone, without the search API (no Korean analyser loaded)")
    sv.add_argument("--cors-origin", default="", help="Access-Control-Allow-Origin to send (default none; e.g. a YASGUI page's origin)")
    ps = reading("push", "replace the build's named graphs in an external triple store (Graph Store Protocol): "
                         "each document's graph, the links, the concept scheme and the nodes several documents name "
                         "(regions, countries, bodies: one graph, so that each triple is in one graph) under their own IRIs", cmd_push)
    ps.add_argument("--endpoint", required=True, help="Graph Store URL, e.g. http://127.0.0.1:7878/store (Oxigraph), http://host:3030/ds/data (Fuseki), "
                                               "http://host:8890/sparql-graph-crud-auth (Virtuoso, with --user dba)")
    ps.add_argument("--doc", action="append", metavar="DOC", help="only this document's graph (its id or file name; links, concepts); repeatable")
    ps.add_argument("--graph", metavar="IRI", help="instead: the whole graph (the union) into this one named graph")
    ps.add_argument("--raw", help="source folder of the build, for --doc by file name (default data/raw)")
    ps.add_argument("--user", help="log in to the store as USER when it asks (digest or basic; Virtuoso: "
                                   "/sparql-graph-crud-auth); the password is read from KG_STORE_PASSWORD")
    ps.add_argument("--prune", action="store_true", help="then drop the store's document graphs that the build no longer has "
                                                        "(documents removed since the last push); needs --sparql")
    ps.add_argument("--sparql", metavar="URL", help="the store's SPARQL query endpoint, for --prune, e.g. "
                                                     "http://127.0.0.1:7878/query (Oxigraph), http://host:8890/sparql (Virtuoso)")
    bn = reading("bench", "benchmarks printing JSON: search, sparql (rdflib vs Oxigraph), serve (endpoint load), app (page answers), "
                          "ask, start (whole-process start-up of each command and the app's first paint), "
                          "corpus (a synthetic archive: build, add one, remove one, sizes, search and saved queries)", cmd_bench)
    bn.add_argument("what", choices=["search", "sparql", "serve", "app", "ask", "start", "read", "corpus"], help="what to measure")
    bn.add_argument("files", nargs="*", help="read: the documents (PDF, HWPX, HWP, text) to read and parse")
    bn.add_argument("--no-app", action="store_true", help="start: leave out the app in Chromium")
    bn.add_argument("--plans", type=bounded("--plans", 1, 1019, integer=True), default=1000,
                    help="corpus: synthetic plans to build (default 1000), then one added and one removed")
    bn.add_argument("--briefs", type=bounded("--briefs", 0, 10_000, integer=True), default=20, help="corpus: synthetic briefs (default 20)")
    bn.add_argument("--seed", type=int, default=0, help="corpus: the synthetic corpus's seed")
    bn.add_argument("--work", help="corpus: folder for the corpus and its build, kept afterwards (default a temporary one)")
    bn.add_argument("--virtuoso", action="store_true", help="corpus: also push the build to a Virtuoso server of its own "
                                                           "(Debian's virtuoso-opensource) and run the saved queries there, beside the local store")
    bn.add_argument("--scale", type=int, help="synthetic size: nodes for search (default 100000), triples for sparql (default 1000000); 0: corpus only")
    bn.add_argument("--repeat", type=int, default=5, help="passes over the benchmark questions/queries")
    bn.add_argument("--clients", type=int, default=20, help="serve: concurrent clients (default 20)")
    bn.add_argument("--heavy-every", type=int, default=5, help="serve: every Nth client sends a query that runs to the timeout (default 5; 0: none)")
    bn.add_argument("--seconds", type=float, default=30.0, help="serve: how long (default 30)")
    e = reading("export", "write the graph as Turtle, JSON-LD, N-Triples or GraphML, or its named graphs as TriG or N-Quads", cmd_export)
    e.add_argument("--format", required=True, choices=["ttl", "jsonld", "nt", "graphml", "trig", "nq"],
                   help="trig, nq: each document's graph, the links and the concept scheme as named graphs")
    e.add_argument("--doc", action="append", metavar="DOC", help="only this document's graph (its id or file name; links, concepts); repeatable")
    e.add_argument("--raw", help="source folder of the build, for --doc by file name (default data/raw)")
    e.add_argument("-o", "--output", help="file to write (default standard output)")
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        cli = parser()  # its defaults come from the settings, which check their environment variables
    except KgError as exc:
        print(f"kg: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    args = cli.parse_args(argv)
    if getattr(args, "command", None) == "bench":
        args.scale_given = args.scale is not None
    try:
        return args.func(args, Settings())
    except KgError as exc:
        print(f"kg: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("kg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
