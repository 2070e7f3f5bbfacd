"""The build's named graphs on disk: one Turtle file per document, one for the links between
documents and one for the concept scheme, under ``graphs/``, listed in the manifest.

``graph.ttl`` is their union and is what every query reads; these files are what a document
contributed, for ``kg export --doc``, ``kg push`` (each graph to its own IRI in a Graph Store)
and a rebuild that keeps what did not change. The manifest lists each graph with its IRI, its
file's size and sha256 and, for a document, the document's id and content hash; a graph's file
is checked against that entry whenever it is read (the build's own check leaves this folder to
the readers that use it, as it does the index).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import InputError

if TYPE_CHECKING:
    from rdflib import Graph

GRAPHS_DIR = "graphs"
LINKS, CONCEPTS = "links", "concepts"  # the two graphs that are not one document's


@dataclass(frozen=True)
class NamedGraph:
    """One named graph of a build, as the manifest lists it."""

    iri: str
    file: str  # relative to the build folder
    triples: int
    bytes: int
    sha256: str  # of the file
    doc_id: str | None = None  # the document whose graph it is (None: links, concepts)
    source_sha256: str | None = None  # the document's content hash
    shacl: str | None = None  # the key of the shapes it passed (``kg.rdf.validate.shapes_key``)
    key: str | None = None  # of the links: what they were made from (``kg.pipeline.links_key``)

    @property
    def name(self) -> str:
        """What ``--doc`` calls it: the document's id, or ``links`` / ``concepts``."""
        return self.doc_id or Path(self.file).stem

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, d: dict) -> "NamedGraph":
        return cls(**{k: d.get(k) for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Part:
    """A named graph of a build being made: its graph and its Turtle."""

    iri: str
    file: str  # relative to the build folder
    graph: Graph
    data: bytes
    doc_id: str | None = None
    source_sha256: str | None = None
    plan: bool = False  # a business plan's graph (its projects are what the links align)
    key: str | None = None  # of the links: what they were made from

    @property
    def name(self) -> str:
        return self.doc_id or Path(self.file).stem

    @property
    def sha256(self) -> str:
        import hashlib

        return hashlib.sha256(self.data).hexdigest()


def parts(concepts: Graph, documents: dict, docs) -> list[Part]:
    """The named graphs of a build but the links, each as Turtle: the concept scheme, then each
    document's graph (``documents``: document id → graph; ``docs``: the Document records, for
    their content hashes and formats); the links go second (``links_part``), the order of
    ``graph.ttl``."""
    from kg.rdf.build import CONCEPTS_GRAPH, document_graph_iri

    by_id = {d.doc_id: d for d in docs}
    out = [Part(str(CONCEPTS_GRAPH), f"{GRAPHS_DIR}/{CONCEPTS}.ttl", concepts, turtle(concepts))]
    out += [Part(str(document_graph_iri(i)), f"{GRAPHS_DIR}/doc/{i}.ttl", g, turtle(g), i, by_id[i].sha256,
                 by_id[i].plan is not None) for i, g in sorted(documents.items())]
    return out


def links_part(links: Graph, key: str) -> Part:
    from kg.rdf.build import LINKS_GRAPH

    return Part(str(LINKS_GRAPH), f"{GRAPHS_DIR}/{LINKS}.ttl", links, turtle(links), key=key)


def turtle(g: Graph) -> bytes:
    """``g`` as Turtle, the same bytes for the same triples: rdflib writes N-Triples, sorted,
    and Oxigraph turns them into Turtle with the build's prefixes (rdflib's own Turtle writer
    took 8 s for 50,000 triples; this, under one). The build's graphs have no blank nodes, so
    the Turtle of several graphs can be concatenated into their union (``write_union``)."""
    import re

    from pyoxigraph import RdfFormat, parse, serialize

    from kg.rdf.build import prefix_map

    lines = sorted({x for x in g.serialize(format="nt", encoding="utf-8").split(b"\n") if x.strip()})
    if any(re.match(rb"_:|.*\s_:\S+\s*\.\s*$", x) for x in lines):
        raise ValueError("a build graph holds a blank node; its Turtle could not be joined to others")
    return serialize(parse(b"\n".join(lines) + b"\n", format=RdfFormat.N_TRIPLES), format=RdfFormat.TURTLE,
                     prefixes=prefix_map()) or b""


def write(build_dir: Path, made: list[Part], validated: str | None = None) -> list[NamedGraph]:
    """Write each part's file and return the manifest's entries (``validated``: the key of the
    shapes every part has passed, ``kg.rdf.validate.shapes_key``)."""
    out = []
    for part in made:
        path = Path(build_dir) / part.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(part.data)
        out.append(NamedGraph(part.iri, part.file, len(part.graph), len(part.data), part.sha256, part.doc_id,
                              part.source_sha256, validated, part.key))
    return out


def write_union(path: Path, made: list[Part]) -> None:
    """The build's graph file: the parts' Turtle one after another (a triple that several parts
    state is read once)."""
    with open(path, "wb") as f:
        for part in made:
            f.write(part.data)
            f.write(b"\n")


def listed(build_dir: Path) -> list[NamedGraph]:
    """The build's named graphs, as its manifest lists them (after the build's own check)."""
    from kg.integrity import BuildDamagedError, verify_build

    entries = verify_build(build_dir).get("graphs")
    if not isinstance(entries, list) or not entries:
        raise BuildDamagedError(f"the build in {build_dir} lists no named graphs (made by an older policy-kg); rebuild with kg build")
    try:
        return [NamedGraph.from_json(e) for e in entries]
    except (TypeError, AttributeError):
        raise BuildDamagedError(f"the build in {build_dir} has a damaged list of named graphs; rebuild with kg build") from None


def select(build_dir: Path, names: list[str] | None, raw_dir: Path | None = None) -> list[NamedGraph]:
    """The named graphs ``names`` call for — document ids, their file names, ``links`` or
    ``concepts`` — or all of them. Raises InputError naming what the build has."""
    graphs = listed(build_dir)
    if not names:
        return graphs
    by_name = {g.name: g for g in graphs}
    files = {}
    if raw_dir is not None:
        from kg.documents import listing

        files = {row["name"]: row["id"] for row in listing(build_dir, raw_dir)}
    out = []
    for n in names:
        g = by_name.get(n) or by_name.get(files.get(n, ""))
        if g is None:
            known = ", ".join(g.name for g in graphs)
            raise InputError(f"{str(n)[:100]}: no such graph in the build (its graphs: {known})")
        if g not in out:
            out.append(g)
    return out


def path_of(build_dir: Path, graph: NamedGraph) -> Path:
    """The file of ``graph``, after checking it is the one the manifest lists."""
    from kg.integrity import verify

    verify(build_dir, {graph.file: {"bytes": graph.bytes, "sha256": graph.sha256}})
    return Path(build_dir) / graph.file


def read(build_dir: Path, graph: NamedGraph) -> Graph:
    """The triples of one named graph."""
    from kg.rdf.build import new_graph

    g = new_graph()
    g.parse(path_of(build_dir, graph), format="turtle")
    return g


def dataset_text(build_dir: Path, graphs: list[NamedGraph], fmt: str) -> str:
    """``graphs`` as one TriG (``trig``) or N-Quads (``nq``) text, each in its named graph."""
    from rdflib import Dataset, URIRef

    from kg.rdf.build import bind_prefixes

    ds = Dataset()
    bind_prefixes(ds)
    for ng in graphs:
        target = ds.graph(URIRef(ng.iri))
        for t in read(build_dir, ng):
            target.add(t)
    return ds.serialize(format={"trig": "trig", "nq": "nquads"}[fmt])
