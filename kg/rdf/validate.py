"""SHACL validation of a built graph against ``ontology/shapes.ttl``."""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph
from rdflib.namespace import SH


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    message: str
    severity: str

    def one_line(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.severity}: <{self.focus}>{where}: {self.message}"


def _message(report: Graph, result) -> str:
    """The result's message: the English one where the shape gives several (pyshacl reports every
    language's, in no fixed order), so the same graph always gets the same line."""
    messages = sorted(report.objects(result, SH.resultMessage), key=lambda m: (getattr(m, "language", None) != "en", str(m)))
    return str(messages[0]) if messages else "constraint violated"


def shacl_violations(data: Graph, shapes: Graph, ontology: Graph | None = None) -> list[Violation]:
    """All SHACL results of severity Violation or Warning, sorted for stable output."""
    import pyshacl

    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True, allow_warnings=True
    )
    out = []
    for result in report.subjects(SH.resultSeverity, None):
        sev = report.value(result, SH.resultSeverity)
        path = report.value(result, SH.resultPath)
        out.append(
            Violation(
                focus=str(report.value(result, SH.focusNode)),
                path=data.namespace_manager.normalizeUri(path) if path is not None else None,
                message=_message(report, result),
                severity=str(sev).rsplit("#", 1)[-1],
            )
        )
    return sorted(out, key=lambda v: (v.severity, v.focus, v.path or "", v.message))


# ---------------------------------------------------------------- a build's parts, each on its own

LINK_TARGETS = ((SH.targetClass, "Alignment"), (SH.targetSubjectsOf, "supports"), (SH.targetClass, "ProjectSeries"))
"""The targets of the cross-document shapes: what lives in the links graph (alignments and the
kg:supports edges), whose values are nodes of other documents' graphs."""

SHARED_CLASSES = ("Region", "Country", "ImplementingBody")
"""Nodes several documents may state (their IRIs come from names, not from a document): each
document's graph has its own triples about them; the union's are checked together."""


def shapes_for(shapes: Graph, targets) -> Graph:
    """The node shapes with one of ``targets`` ((target predicate, object) pairs), with
    everything they use: their property shapes, lists, and the shapes they name."""
    from rdflib import BNode

    aims = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
    todo = [s for p, o in targets for s in shapes.subjects(p, o)]
    out, seen = Graph(), set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in shapes.predicate_objects(node):
            out.add((node, p, o))
            if isinstance(o, BNode) or (p not in aims and (o, None, None) in shapes):
                todo.append(o)
    return out


def _with_types(part: Graph, union: Graph) -> Graph:
    """``part`` and the types the union gives the nodes it names; of a SKOS concept among them
    (one a document made, such as a new partnership type), all its triples."""
    from rdflib import RDF
    from rdflib.namespace import SKOS

    out = Graph()
    for t in part:
        out.add(t)
    for node in set(part.objects()) | set(part.subjects()):
        for cls in union.objects(node, RDF.type):
            out.add((node, RDF.type, cls))
            if cls == SKOS.Concept:
                for p, o in union.predicate_objects(node):
                    out.add((node, p, o))
    return out


PARALLEL_FROM = 12
"""Document graphs to check, from which they are checked by a pool of processes (one per core,
at most 4), ten graphs a call: a worker's start (importing pyshacl, reading the shapes) costs about
two seconds, pyshacl about 0.25 s per thousand triples, so a pool pays from about a dozen plans.
Set by those two costs, not fitted. The workers are plain processes, never forks (the app
builds from a thread, and forking a threaded process can deadlock)."""
BATCH = 10  # document graphs per pyshacl call in a worker: one call's fixed cost shared


def validate_parts(documents: dict, links: Graph, union: Graph, concepts: Graph, shapes: Graph, ontology: Graph,
                   skip=frozenset(), progress=lambda _: None, turtle: dict | None = None, ontology_dir=None) -> list[Violation]:
    """SHACL over a build part by part, each part as small as its shapes allow:

    * each document's graph with the concept scheme, against every shape;
    * the shared nodes (``SHARED_CLASSES``) as the union has them, with the concept scheme;
    * the links graph with the types of the nodes it names, against the cross-document shapes.

    ``documents`` maps a name to its graph; the names in ``skip`` were validated before, with the
    same graph and the same shapes, and are left out (an incremental build). The results are
    those of the whole graph where the shapes look no further than a node's own document.
    With ``turtle`` (name → the graph's Turtle) and ``ontology_dir``, many documents are
    checked in parallel (``PARALLEL_FROM``)."""
    import os

    from rdflib import RDF

    from kg.rdf.vocab import KG

    out: list[Violation] = []
    todo = [(name, g) for name, g in documents.items() if name not in skip]
    progress(f"validate: SHACL, {len(todo):,} document graph(s) ({len(documents) - len(todo):,} unchanged, checked before)")
    workers = min(4, os.cpu_count() or 1)
    if turtle is not None and ontology_dir is not None and len(todo) >= PARALLEL_FROM and workers > 1:
        out += _in_parallel([turtle[name] for name, _ in todo], ontology_dir, workers)
    else:
        for _, g in todo:
            out += shacl_violations(g + concepts, shapes, ontology)
    shared = Graph()
    for cls in SHARED_CLASSES:
        for node in set(union.subjects(RDF.type, KG[cls])):
            for p, o in union.predicate_objects(node):
                shared.add((node, p, o))
    on_shared = shapes_for(shapes, [(SH.targetClass, KG[c]) for c in SHARED_CLASSES])
    out += shacl_violations(_with_types(shared, union) + concepts, on_shared, ontology)
    on_links = shapes_for(shapes, [(p, KG[name]) for p, name in LINK_TARGETS])
    out += shacl_violations(_with_types(links, union), on_links, ontology)
    return sorted(set(out), key=lambda v: (v.severity, v.focus, v.path or "", v.message))


def _in_parallel(turtles: list[bytes], ontology_dir, workers: int) -> list[Violation]:
    """The graphs checked by ``workers`` processes (``python -m kg.rdf.validate``), each given
    its share as Turtle files and answering JSON: plain processes, which neither fork this one
    nor run its main module again (as multiprocessing's spawn would, an app's script included)."""
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="kg-shacl-") as tmp:
        shares: list[list[str]] = [[] for _ in range(workers)]
        for i, data in enumerate(turtles):
            path = Path(tmp) / f"{i}.ttl"
            path.write_bytes(data)
            shares[i % workers].append(str(path))
        procs = [subprocess.Popen([sys.executable, "-m", "kg.rdf.validate", str(ontology_dir), *files],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for files in shares if files]
        out = []
        for proc in procs:
            answer, err = proc.communicate()
            if proc.returncode != 0:
                from kg.errors import ValidationError

                raise ValidationError("a SHACL worker failed: " + (err.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1])
            out += [Violation(**v) for v in json.loads(answer)]
    return out


def _worker(ontology_dir: str, files: list[str]) -> list[dict]:
    """Check the graphs of ``files``, ``BATCH`` a call, against the shapes of ``ontology_dir``."""
    from dataclasses import asdict
    from pathlib import Path

    from kg.rdf import io

    ontology, concepts, shapes = io.ontology(Path(ontology_dir))
    found = []
    for i in range(0, len(files), BATCH):
        g = Graph()
        for f in files[i:i + BATCH]:
            g.parse(f, format="turtle")
        found += shacl_violations(g + concepts, shapes, ontology)
    return [asdict(v) for v in found]


CHECKS = 1  # raise when what validate_parts checks changes: every part is then checked again


def shapes_key(ontology_dir) -> str:
    """What a part's SHACL result is a function of, besides its own triples: the shapes, the
    ontology and the concept scheme (their bytes), pyshacl's version and ``CHECKS``."""
    import hashlib
    from pathlib import Path

    import pyshacl

    h = hashlib.sha256(f"{CHECKS}|{pyshacl.__version__}".encode())
    for name in ("shapes.ttl", "kg.ttl", "concepts.ttl"):
        h.update(b"|" + (Path(ontology_dir) / name).read_bytes())
    return h.hexdigest()


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(_worker(sys.argv[1], sys.argv[2:]), ensure_ascii=False))
