"""The build: data/raw → parse → graph → link → SHACL check → index → data/build, all or nothing."""
from __future__ import annotations

import json
import os
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg import __version__
from kg.errors import InputError, ValidationError
from kg.integrity import file_table
from kg.parse import parse_document
from kg.parse.text import LIMITS, SourceLimits, check_file
from kg.rdf import io
from kg.link import align
from kg.rdf.build import add_alignments, document_graphs, new_graph, union
from kg.rdf.vocab import ID
from kg.rdf.consistency import check_documents
from kg.rdf.stats import stats
from kg.rdf.validate import shapes_key, validate_parts
from kg.records import Document

SOURCE_SUFFIXES = {".txt", ".md", ".text", ".pdf", ".hwpx", ".hwp"}  # the content decides how each is read
MANIFEST = "manifest.json"
CONSISTENCY = "consistency.json"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    documents: tuple[Document, ...]
    stats: dict
    findings: tuple
    seconds: float
    steps: dict = None  # step (parse, graph, embedder, link, validate, write, index) → seconds


class StepClock:
    """The progress callback of a build, timed: each message starts a step named by its first
    word (``parse``, ``embedder``, ``index`` …) and is shown with the seconds since the build
    began; ``steps`` sums the seconds per step."""

    def __init__(self, progress: Progress):
        self._progress = progress
        self._t0 = self._last = time.perf_counter()
        self._step: str | None = None
        self.steps: dict[str, float] = {}

    def __call__(self, message: str) -> None:
        self._close()
        self._step = message.split("]", 1)[-1].strip().split(":", 1)[0].split(" ", 1)[0] or "other"
        self._progress(f"{self._last - self._t0:6.1f}s  {message}")

    def _close(self) -> None:
        now = time.perf_counter()
        if self._step is not None:
            self.steps[self._step] = round(self.steps.get(self._step, 0.0) + now - self._last, 3)
        self._last = now

    def done(self) -> dict[str, float]:
        self._close()
        self._step = None
        return dict(self.steps)


def sources(raw_dir: Path, limits: SourceLimits = LIMITS) -> list[Path]:
    """The source documents of a folder: its own regular files with a source suffix. A link or a
    special file among them, or one past the size limit, stops the build with its name: the
    folder is a boundary, nothing outside it is read."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError("source folder not found", path=str(raw_dir))
    files = sorted(p for p in raw_dir.iterdir() if p.suffix.lower() in SOURCE_SUFFIXES and not p.name.startswith("."))
    for path in files:
        check_file(path, limits)
    if not files:
        raise InputError(f"no source documents ({', '.join(sorted(SOURCE_SUFFIXES))}) found", path=str(raw_dir))
    return files


def build(raw_dir: Path, out_dir: Path, ontology_dir: Path, progress: Progress = lambda _: None, embedder: str = "builtin",
          limits: SourceLimits = LIMITS, force: bool = False, keep_model: bool = False) -> BuildResult:
    """Parse every source, build and validate the graph, then replace ``out_dir`` whole.

    Nothing is written to ``out_dir`` unless every step succeeds. ``out_dir`` must be a previous
    build, empty or new (``force``: any folder), and never the source folder or around it.
    ``keep_model``: take the previous build's built-in model as it is, even if the texts changed
    (documents added or removed: every other node keeps its vector, and the alignments of the
    plans that did not change are kept); ``kg build`` makes the model anew from new texts.

    Raises:
        InputError, ParseError: a source cannot be read or parsed (named in the message).
        ValidationError: the graph violates the SHACL shapes.
    """
    t0 = time.perf_counter()
    progress = StepClock(progress)
    check_out_dir(Path(raw_dir), Path(out_dir), force)
    writer = None
    if embedder == "builtin" and not (Path(out_dir) / "embedder" / "kg-source.json").is_file():
        from kg.index.static_model import ModelWriter

        writer = ModelWriter()  # no previous model to reuse: the model's writer gets ready meanwhile
    try:
        docs, numbers, findings = _build(Path(raw_dir), Path(out_dir), Path(ontology_dir), progress, embedder, limits, writer,
                                         keep_model)
    finally:  # whatever step failed: the writer's process is not left behind
        if writer is not None:
            writer.close()
    return BuildResult(Path(out_dir), tuple(docs), numbers, tuple(findings), time.perf_counter() - t0, progress.done())


def _build(raw_dir: Path, out_dir: Path, ontology_dir: Path, progress: StepClock, embedder: str, limits: SourceLimits,
           writer, keep_model: bool) -> tuple[list[Document], dict, list]:
    from kg.meta import Issuers, MetaReader, given_meta

    files = sources(raw_dir, limits)
    ontology, concepts, shapes = io.ontology(ontology_dir)
    reader = MetaReader(Issuers.load(ontology_dir), given_meta(raw_dir))
    docs = []
    for i, path in enumerate(files, start=1):
        progress(f"[{i}/{len(files)}] parse {path.name}")
        docs.append(parse_document(path, limits, meta=reader))
    ids = [d.doc_id for d in docs]
    if len(set(ids)) != len(ids):
        dup = next(x for x in ids if ids.count(x) > 1)
        raise InputError(f"two sources give the same document id {dup!r}; rename one", path=str(raw_dir))
    progress("graph: records → RDF, one named graph per document")
    parts = document_graphs(docs, concepts)
    graph = union(concepts, parts.values())
    findings = check_documents(docs)
    numbers: dict = {}

    def stage(tmp: Path) -> None:
        from kg.index.build import build_index
        from kg.index.texts import node_docs

        gloss = io.glossary(ontology_dir)
        node_texts = node_docs(graph, ontology, gloss)
        previous = Path(out_dir) if is_build(Path(out_dir)) else None
        model = _embedder(tmp, node_texts, concepts + gloss, embedder, progress, previous=previous, writer=writer,
                          keep=keep_model)
        from kg.rdf import dataset

        progress("write: the named graphs as Turtle")
        made = dataset.parts(concepts, parts, docs)
        before = _previous_graphs(previous)
        key = links_key(tmp, made)
        kept, todo, kept_triples = _kept_links(previous, before, key, made)
        progress(f"link: plan projects ↔ brief strategies ({len(todo):,} plan(s) to score, {len(kept):,} kept)")
        links = new_graph()
        n = add_alignments(links, align(graph, model, plans={str(ID[f"doc/{d}"]) for d in todo}))
        for t in kept_triples:
            links.add(t)
        from kg.series import SERIES_FILE, add_series, series

        joined = series(parts)  # each bureau's plans across years, project by project
        add_series(links, joined)
        for t in links:
            graph.add(t)
        progress(f"link: {n} new alignment(s) above the threshold, {len(joined.series):,} project series across years "
                 f"({len(joined.unmatched):,} not matched), {len(links):,} triples of links")
        made.insert(1, dataset.links_part(links, key))
        shacl_key = shapes_key(ontology_dir)
        checked = {g.name: g.sha256 for g in before if g.doc_id and g.shacl == shacl_key}  # the same bytes need no second check
        progress(f"validate: SHACL over {len(graph):,} triples, document by document")
        violations = [v for v in validate_parts({p.name: p.graph for p in made if p.doc_id}, links, graph, concepts, shapes,
                                                ontology, skip={p.name for p in made if checked.get(p.name) == p.sha256},
                                                progress=progress, turtle={p.name: p.data for p in made if p.doc_id},
                                                ontology_dir=ontology_dir)
                      if v.severity == "Violation"]
        if violations:
            raise ValidationError(f"{len(violations)} SHACL violation(s); first: {violations[0].one_line()}")
        numbers.update(stats(graph))
        progress(f"write: {out_dir}")
        named = dataset.write(tmp, made, validated=shacl_key)
        dataset.write_union(tmp / io.GRAPH_FILE, made)
        from kg.ask.facts import write_facts
        from kg.sparql.engine import Engine

        write_facts(tmp, Engine.load(tmp / io.GRAPH_FILE))  # what reading a question needs of the graph
        (tmp / CONSISTENCY).write_text(json.dumps([f.to_json() for f in findings], ensure_ascii=False, indent=1), encoding="utf-8")
        (tmp / SERIES_FILE).write_text(json.dumps(joined.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        build_index(tmp, graph, ontology, embedder=model, progress=progress, docs=node_texts, glossary=gloss,
                    glossary_digest=io.glossary_digest(ontology_dir))
        from kg.index.store import INDEX_DIR

        manifest = {**_manifest(docs, numbers), "graphs": [g.to_json() for g in named],
                    "files": file_table(tmp, skip=(INDEX_DIR, dataset.GRAPHS_DIR))}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")

    _replace_whole(out_dir, stage)
    return docs, numbers, findings


def links_key(build_dir: Path, made) -> str:
    """What a plan's alignments are a function of besides the plan's own graph: the model, the
    briefs (every document graph that is not a plan's), the concept scheme and the linking code."""
    import hashlib

    from kg.index.embedder import BUILTIN_DIR

    h = hashlib.sha256(b"links|1")
    model = Path(build_dir) / BUILTIN_DIR
    for p in sorted(model.glob("*")) if model.is_dir() else ():
        if p.is_file():
            h.update(p.name.encode() + b"|" + hashlib.sha256(p.read_bytes()).digest())
    for part in made:
        if not part.plan:
            h.update(f"|{part.name}|{part.sha256}".encode())
    code = Path(__file__).parent
    for rel in ("link.py", "rdf/themes.py", "lang/keys.py", "lang/korean.py"):
        h.update(hashlib.sha256((code / rel).read_bytes()).digest())
    return h.hexdigest()


def _previous_graphs(previous: Path | None) -> list:
    """The named graphs the previous build's manifest lists (none if there is no readable one)."""
    from kg.rdf.dataset import NamedGraph

    try:
        return [NamedGraph.from_json(e) for e in json.loads((previous / MANIFEST).read_text(encoding="utf-8")).get("graphs") or []]
    except (OSError, ValueError, TypeError, AttributeError):
        return []


def _kept_links(previous: Path | None, entries: list, key: str, made) -> tuple[list[str], list[str], list]:
    """(plans whose alignments the previous build has and may keep, plans to score, the kept
    alignments' triples): a plan is kept when the previous build's links were made under the
    same key and its graph is the same. A previous links file that does not match its manifest
    entry keeps nothing (every plan is scored)."""
    from kg.errors import BuildMissingError
    from kg.rdf import dataset

    plans = [p.doc_id for p in made if p.plan]
    links = next((e for e in entries if e.name == dataset.LINKS and e.doc_id is None and e.key == key), None)
    if links is None:
        return [], plans, []
    before = {e.doc_id: e.sha256 for e in entries if e.doc_id}
    now = {p.doc_id: p.sha256 for p in made if p.plan}
    kept = [d for d in plans if before.get(d) == now[d]]
    if not kept:
        return [], plans, []
    try:
        triples = dataset.read(previous, links)
    except (BuildMissingError, OSError):
        return [], plans, []
    prefixes = tuple(f"{ID}{d}/" for d in kept)
    return kept, [d for d in plans if d not in set(kept)], [t for t in triples if str(t[0]).startswith(prefixes)]


def _embedder(build_dir: Path, node_texts, concepts, spec: str, progress: Progress, previous: Path | None = None,
              writer=None, keep: bool = False):
    """The embedder of a build; the built-in one is made from the corpus into ``build_dir`` first,
    or copied from the ``previous`` build when it was made from the same texts (and its files
    still match that build's manifest)."""
    from kg.index.embedder import BUILTIN, BUILTIN_DIR, load_embedder
    from kg.index.texts import concept_texts

    if spec == BUILTIN:
        from kg.index import static_model

        texts = [d.index_text for d in node_texts] + concept_texts(concepts)
        old = previous / BUILTIN_DIR if previous is not None else None
        if old is not None and keep and (old / static_model.SOURCE_FILE).is_file() and _intact(previous, BUILTIN_DIR):
            progress("embedder: the previous build's model, kept while documents are added or removed (kg build makes it anew)")
            shutil.copytree(old, build_dir / BUILTIN_DIR)
        elif old is not None and static_model.reusable(old, static_model.source_key(texts)) and _intact(previous, BUILTIN_DIR):
            progress("embedder: the previous build's model (the same texts)")
            shutil.copytree(old, build_dir / BUILTIN_DIR)
        else:
            progress("embedder: built-in static model from the corpus")
            static_model.build_static_model(texts, build_dir / BUILTIN_DIR, writer=writer)
    return load_embedder(spec, build_dir)


def _intact(build: Path, folder: str) -> bool:
    """Whether the files under ``build/folder`` are those the build's manifest lists."""
    from kg.integrity import BuildMissingError, read_manifest, verify

    try:
        files = read_manifest(build).get("files") or {}
        listed = {k: v for k, v in files.items() if k.startswith(folder + "/")}
        on_disk = {p.relative_to(build).as_posix() for p in (build / folder).rglob("*") if p.is_file()}
        if not listed or set(listed) != on_disk:
            return False
        verify(build, listed)
    except (BuildMissingError, OSError, AttributeError):
        return False
    return True


def is_build(folder: Path) -> bool:
    """Whether ``folder`` holds a build this program wrote: its manifest says so, or — a damaged
    build, which a rebuild must be able to replace — it has a manifest beside a graph or index."""
    folder = Path(folder)
    try:
        return "policy_kg" in json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return (folder / MANIFEST).is_file() and ((folder / io.GRAPH_FILE).is_file() or (folder / "index").is_dir())


def check_out_dir(raw_dir: Path, out_dir: Path, force: bool = False) -> None:
    """Refuse a build folder whose replacement would delete what is not a build.

    Raises:
        InputError: ``out_dir`` is, holds or sits inside the source folder; is a file; or holds
            files that are not a previous build (unless ``force``).
    """
    if Path(out_dir).is_symlink():
        raise InputError("the build folder is a symbolic link; give the folder it points to", path=str(out_dir))
    raw, out = Path(raw_dir).resolve(), Path(out_dir).resolve()
    if out == raw or raw.is_relative_to(out):
        raise InputError("the build folder would replace the source folder; choose another --out", path=str(out_dir))
    if out.is_relative_to(raw):
        raise InputError("the build folder is inside the source folder; choose another --out", path=str(out_dir))
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir():
        raise InputError("the build folder exists and is not a folder", path=str(out_dir))
    if force or is_build(out):
        return
    first = next(iter(sorted(p.name for p in out.iterdir())), None)
    if first is not None:
        raise InputError(f"holds files that are not a kg build ({first!r} …), which a build would delete; "
                         "choose an empty folder, or pass --force", path=str(out_dir))


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _stamp() -> str:
    """This process, as staging folders name it: host and pid (a folder shared between machines
    or containers is only cleared of its own host's leftovers)."""
    import re
    import socket

    return f"{re.sub(r'[^A-Za-z0-9]+', '_', socket.gethostname())[:40]}-{os.getpid()}"


def _clear_leftovers(out_dir: Path) -> None:
    """Remove the staging folders that this host's killed builds left (their process is gone),
    and those of earlier versions, named by pid alone."""
    import re

    host = re.escape(_stamp().rpartition("-")[0])
    ours = re.compile(rf"\.{re.escape(out_dir.name)}\.(?:tmp|old)-(?:{host}-)?(\d+)")
    for p in out_dir.parent.glob(f".{out_dir.name}.*-*"):
        m = ours.fullmatch(p.name)
        if not m or p.is_symlink():
            continue
        try:
            os.kill(int(m.group(1)), 0)
            continue  # a build running now
        except ProcessLookupError:
            shutil.rmtree(p, ignore_errors=True)
        except (PermissionError, OverflowError):
            continue


def _replace_whole(out_dir: Path, stage: Callable[[Path], None]) -> None:
    """Run ``stage`` on an empty sibling directory, then swap it in for ``out_dir``.

    If ``stage`` raises, ``out_dir`` is untouched and the partial directory is removed. The swap
    exchanges the two folders in one step, so a build is in place at every instant, even if the
    process is killed (where the kernel cannot exchange, the old build is moved aside first).
    """
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(out_dir)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{_stamp()}"
    old = out_dir.parent / f".{out_dir.name}.old-{_stamp()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        stage(tmp)
        if not out_dir.exists():
            os.replace(tmp, out_dir)
        elif not _exchange(tmp, out_dir):  # the old build is moved aside, never deleted before the new one is in place
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # after an exchange: the previous build
        shutil.rmtree(old, ignore_errors=True)


def _manifest(docs, numbers) -> dict:
    import rdflib

    return {
        "policy_kg": __version__,
        "python": platform.python_version(),
        "rdflib": rdflib.__version__,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "documents": [
            {"doc_id": d.doc_id, "source": d.source_name, "format": d.format, "sha256": d.sha256, "encoding": d.encoding, "title": d.title,
             **({"meta": d.meta.to_json()} if d.meta is not None else {})}
            for d in docs
        ],
        "stats": numbers,
    }


def read_findings(build_dir: Path) -> list[dict]:
    path = Path(build_dir) / CONSISTENCY
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
