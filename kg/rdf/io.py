"""Reading and writing graphs and the ontology files (rdflib is imported by the functions that
parse or write, so that a command needing only the file names and digests does not load it)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import BuildMissingError, InputError

if TYPE_CHECKING:
    from rdflib import Graph

GRAPH_FILE = "graph.ttl"
EXPORT_FORMATS = {"ttl": ("turtle", "ttl"), "jsonld": ("json-ld", "jsonld"), "nt": ("nt", "nt"), "graphml": (None, "graphml")}
DATASET_FORMATS = ("trig", "nq")  # formats of named graphs (``kg.rdf.dataset``)


def load_ttl(path: Path) -> Graph:
    from rdflib import Graph

    g = Graph()
    try:
        g.parse(path, format="turtle")
    except FileNotFoundError:
        raise InputError("ontology file not found", path=str(path)) from None
    return g


def ontology(ontology_dir: Path) -> tuple[Graph, Graph, Graph]:
    """(OWL ontology, SKOS concepts, SHACL shapes)."""
    return tuple(load_ttl(Path(ontology_dir) / f) for f in ("kg.ttl", "concepts.ttl", "shapes.ttl"))


GLOSSARY_FILE = "glossary.ttl"


def glossary(ontology_dir: Path) -> Graph:
    """The domain glossary (SKOS, Korean ↔ English public-administration terms); empty if absent."""
    from rdflib import Graph

    path = Path(ontology_dir) / GLOSSARY_FILE
    return load_ttl(path) if path.exists() else Graph()


def glossary_digest(ontology_dir: Path) -> str | None:
    """sha256 of the glossary file (None if absent): what an index records of the glossary it used,
    checked without parsing the file."""
    from kg.integrity import sha256_file

    path = Path(ontology_dir) / GLOSSARY_FILE
    return sha256_file(path) if path.exists() else None


def load_graph(build_dir: Path) -> Graph:
    """The build's graph, after checking the build against its manifest."""
    from rdflib import Graph

    from kg.integrity import BuildDamagedError, verify_build
    from kg.rdf.build import bind_prefixes

    path = Path(build_dir) / GRAPH_FILE
    if not path.exists():
        raise BuildMissingError(f"no graph in {build_dir}: run `kg build` first")
    verify_build(build_dir)
    g = Graph()
    bind_prefixes(g)
    try:
        g.parse(path, format="turtle")
    except Exception as exc:  # never the file's text in a traceback
        raise BuildDamagedError(f"{path}: not valid Turtle ({type(exc).__name__}); rebuild with kg build") from None
    return g


def serialize(g: Graph, fmt: str) -> str:
    """Serialise to ``ttl``, ``jsonld``, ``nt`` or ``graphml``."""
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "graphml":
        from kg.rdf.nx import to_graphml

        return to_graphml(g)
    return g.serialize(format=EXPORT_FORMATS[fmt][0])
