"""One named graph per document (kg.rdf.dataset): the build's graph is their union with the
links and the concept scheme; a document's graph is what that document states and does not
change with the other documents; export and push work per graph or for all."""
from __future__ import annotations

import json
import shutil

import pytest
from rdflib import Dataset, Graph, URIRef

from kg import documents
from kg.cli import main
from kg.rdf import dataset
from kg.rdf.vocab import ID, KG
from tests.conftest import ONTOLOGY, RAW
from tests.test_documents import AGRI

PLAN, BRIEF = "jeonbuk-2026-external-affairs-plan", "mofa-local-public-diplomacy-brief"


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_graph_is_the_union_of_the_named_graphs(built):
    build = built[0]
    graphs = dataset.listed(build)
    assert [g.name for g in graphs] == ["concepts", "links", PLAN, BRIEF]
    union = Graph()
    for ng in graphs:
        part = dataset.read(build, ng)
        assert len(part) == ng.triples > 0
        union += part
    whole = Graph().parse(build / "graph.ttl")
    assert set(union) == set(whole)
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    hashes = {d["doc_id"]: d["sha256"] for d in manifest["documents"]}
    assert {g.doc_id: g.source_sha256 for g in graphs if g.doc_id} == hashes


def test_a_document_graph_holds_that_document_and_the_links_graph_the_alignments(built):
    build = built[0]
    by_name = {g.name: g for g in dataset.listed(build)}
    plan = dataset.read(build, by_name[PLAN])
    docs_named = set(plan.objects(None, KG.sourceDocument))
    assert docs_named == {ID[f"doc/{PLAN}"]}
    assert not list(plan.subjects(None, KG.Alignment)) and not list(plan.triples((None, KG.supports, None)))
    links = dataset.read(build, by_name["links"])
    n = len(set(links.subjects(predicate=None, object=KG.Alignment)))
    assert n > 0 and len(set(links.triples((None, KG.supports, None)))) <= n
    strategy_docs = {str(s).split("/strategy/")[0] for s in links.objects(None, KG.alignedStrategy)}
    assert strategy_docs == {str(ID[BRIEF])}


def test_a_document_graph_does_not_depend_on_the_other_documents(built, tmp_path):
    """Adding a plan leaves the corpus documents' graphs byte for byte; removing it takes its
    graph, its triples, its index entries and its links away."""
    raw, build = tmp_path / "raw", tmp_path / "build"
    shutil.copytree(RAW, raw)
    shutil.copytree(built[0], build)
    before = {g.name: g for g in dataset.listed(build)}
    documents.add_documents([(AGRI.name, AGRI.read_bytes())], raw, build, ONTOLOGY)
    after = {g.name: g for g in dataset.listed(build)}
    agri = "agri-bureau-plan"
    assert set(after) == set(before) | {agri}
    for name in (PLAN, BRIEF, "concepts"):
        assert after[name].sha256 == before[name].sha256
    agri_iri = str(ID[agri])
    agri_nodes = {s for s in dataset.read(build, after[agri]).subjects() if str(s).startswith(agri_iri + "/")}
    assert agri_nodes
    documents.remove_documents(["agri_bureau_plan.txt"], raw, build, ONTOLOGY)
    assert {g.name for g in dataset.listed(build)} == set(before)
    assert not (build / after[agri].file).exists()
    text = (build / "graph.ttl").read_text(encoding="utf-8")
    assert agri not in text
    listed = [p for p in (build / "index").rglob("*") if p.suffix in (".json", ".jsonl")]
    assert any(p.name == "nodes.jsonl" for p in listed)
    for path in listed:  # the index's node list, entities, links …
        assert agri not in path.read_text(encoding="utf-8"), path


def test_export_of_named_graphs_as_trig_and_nquads(built, capsys, tmp_path):
    b = str(built[0])
    code, out, _ = _run(capsys, "export", "--build", b, "--format", "trig")
    assert code == 0
    ds = Dataset()
    ds.parse(data=out, format="trig")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert names == {g.iri for g in dataset.listed(built[0])}
    code, out, _ = _run(capsys, "export", "--build", b, "--format", "nq", "--doc", BRIEF)
    assert code == 0 and out
    assert {line.rsplit(" ", 2)[-2] for line in out.splitlines() if line} == {f"<{ID}graph/doc/{BRIEF}>"}


def test_export_of_one_document_by_id_or_file_name(built, capsys):
    b = str(built[0])
    code, by_id, _ = _run(capsys, "export", "--build", b, "--format", "nt", "--doc", PLAN)
    code2, by_name, _ = _run(capsys, "export", "--build", b, "--format", "nt", "--doc", "jeonbuk_2026_external_affairs_plan.txt",
                             "--raw", str(RAW))
    assert code == code2 == 0 and by_id == by_name
    g = Graph().parse(data=by_id, format="nt")
    assert len(g) == {x.name: x for x in dataset.listed(built[0])}[PLAN].triples
    assert (None, KG.sourceDocument, ID[f"doc/{BRIEF}"]) not in g


@pytest.mark.parametrize("doc, message", [("nope", "no such graph in the build"), ("../graph.ttl", "no such graph")])
def test_export_of_an_unknown_graph_is_one_line(built, capsys, doc, message):
    code, out, err = _run(capsys, "export", "--build", str(built[0]), "--format", "ttl", "--doc", doc)
    assert code == 2 and not out and message in err and len(err.strip().splitlines()) == 1


def test_a_changed_graph_file_is_refused(built, capsys, tmp_path):
    build = tmp_path / "build"
    shutil.copytree(built[0], build)
    path = build / "graphs" / "doc" / f"{BRIEF}.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\n<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    code, out, err = _run(capsys, "export", "--build", str(build), "--format", "ttl", "--doc", BRIEF)
    assert code != 0 and not out and "does not match" in err


def test_push_sends_each_named_graph_under_its_iri(built, oxigraph_server, capsys):
    from kg.rdf.quads import store_graphs
    from kg.sparql.remote import query

    b = str(built[0])
    code, _, err = _run(capsys, "push", "--build", b, "--endpoint", oxigraph_server + "/store")
    assert code == 0 and "pushed 5 named graph(s)" in err  # and the shared nodes' graph
    rows = query(oxigraph_server + "/query", "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows
    remote = {str(g): int(n) for g, n in rows}
    sent = {g.iri: g.triples for g in store_graphs(built[0], dataset.listed(built[0]))}
    assert {k: v for k, v in remote.items() if k in sent} == sent
    assert {g.iri for g in dataset.listed(built[0])} < set(sent)
    # one document again: only its graph (and the shared nodes') is replaced
    code, _, err = _run(capsys, "push", "--build", b, "--endpoint", oxigraph_server + "/store", "--doc", BRIEF)
    assert code == 0 and "pushed 2 named graph(s)" in err
    rows = query(oxigraph_server + "/query", "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows
    assert {str(g): int(n) for g, n in rows if str(g) in sent} == sent
    union = query(oxigraph_server + "/query", "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
                                               f"FILTER(STRSTARTS(STR(?g), '{ID}graph/')) }} }}").rows
    assert int(union[0][0]) == len(Graph().parse(built[0] / "graph.ttl")) == sum(sent.values())
    assert URIRef(f"{ID}graph/links") in {g for g, _ in rows}


# ---------------------------------------------------------------- SHACL part by part


@pytest.fixture(scope="module")
def parts(built):
    from kg.rdf.io import load_graph, ontology

    graphs = {g.name: dataset.read(built[0], g) for g in dataset.listed(built[0])}
    links = graphs.pop("links")
    graphs.pop("concepts")
    return graphs, links, load_graph(built[0]), ontology(ONTOLOGY)


def test_part_by_part_validation_finds_what_the_whole_graph_check_finds(parts):
    from rdflib import RDF, RDFS, Literal

    from kg.rdf.validate import shacl_violations, validate_parts

    graphs, links, union, (onto, concepts, shapes) = parts
    assert validate_parts(graphs, links, union, concepts, shapes, onto) == shacl_violations(union, shapes, onto) == []
    # an alignment without its strategy: the cross-document shapes, with every document graph skipped
    broken = Graph()
    alignment = next(links.subjects(RDF.type, KG.Alignment))
    for t in links:
        if t[:2] != (alignment, KG.alignedStrategy):
            broken.add(t)
    found = validate_parts(graphs, broken, union, concepts, shapes, onto, skip=frozenset(graphs))
    assert [v.focus for v in found] == [str(alignment)] and "kg:alignedStrategy" in found[0].message
    # two documents naming one region differently: only the union shows it
    region = next(union.subjects(RDF.type, KG.Region))
    conflicting = Graph()
    for t in union:
        conflicting.add(t)
    conflicting.add((region, RDFS.label, Literal("다른 이름", lang="ko")))
    found = validate_parts(graphs, links, conflicting, concepts, shapes, onto, skip=frozenset(graphs))
    assert [v.focus for v in found] == [str(region)] == [v.focus for v in shacl_violations(conflicting, shapes, onto)]


def test_a_document_graph_is_validated_once(built, tmp_path):
    """A rebuild checks only the document graphs whose Turtle changed (or all, when the shapes,
    the ontology or the concept scheme did)."""
    from kg.pipeline import build

    raw, build_dir = tmp_path / "raw", tmp_path / "build"
    shutil.copytree(RAW, raw)
    shutil.copytree(built[0], build_dir)
    said: list[str] = []
    build(raw, build_dir, ONTOLOGY, progress=said.append)
    assert [m.split("validate: ")[1] for m in said if "document graph(s)" in m] == [
        "SHACL, 0 document graph(s) (2 unchanged, checked before)"]
    shutil.copy(AGRI, raw / AGRI.name)
    said.clear()
    build(raw, build_dir, ONTOLOGY, progress=said.append)
    assert [m.split("validate: ")[1] for m in said if "document graph(s)" in m] == [
        "SHACL, 1 document graph(s) (2 unchanged, checked before)"]
    key = {g.shacl for g in dataset.listed(build_dir)}
    assert len(key) == 1 and None not in key


# ---------------------------------------------------------------- links, plan by plan


def test_a_plan_is_scored_on_its_own(built, plan_doc, brief_doc):
    """A plan's alignments do not move when another plan joins the build: its projects are
    scored against its own plan's averages and the briefs, never against other plans'."""
    from kg.index.embedder import load_embedder
    from kg.link import candidates
    from kg.parse import parse_document
    from kg.rdf.build import build_graph
    from kg.rdf.io import ontology

    concepts = ontology(ONTOLOGY)[1]
    model = load_embedder("builtin", built[0])
    agri = parse_document(AGRI)
    alone = candidates(build_graph([plan_doc, brief_doc], concepts), model)
    together = build_graph([plan_doc, brief_doc, agri], concepts)
    plan_iri = str(ID[f"doc/{plan_doc.doc_id}"])
    mine = lambda alignments: [(a.entity, a.strategy, a.score, a.evidence) for a in alignments  # noqa: E731
                               if str(a.entity).startswith(str(ID[plan_doc.doc_id]) + "/")]
    assert mine(candidates(together, model)) == mine(alone) == mine(candidates(together, model, plans={plan_iri}))
    assert not mine(candidates(together, model, plans={str(ID[f"doc/{agri.doc_id}"])}))


def test_adding_a_plan_keeps_the_model_and_the_other_plans_links(built, tmp_path):
    raw, build = tmp_path / "raw", tmp_path / "build"
    shutil.copytree(RAW, raw)
    shutil.copytree(built[0], build)
    model = {p.name: p.read_bytes() for p in (build / "embedder").iterdir()}
    links_before = set(dataset.read(build, {g.name: g for g in dataset.listed(build)}["links"]))
    said: list[str] = []
    documents.add_documents([(AGRI.name, AGRI.read_bytes())], raw, build, ONTOLOGY, said.append)
    assert any("1 plan(s) to score, 1 kept" in m for m in said) and any("model, kept" in m for m in said)
    assert {p.name: p.read_bytes() for p in (build / "embedder").iterdir()} == model
    links_after = set(dataset.read(build, {g.name: g for g in dataset.listed(build)}["links"]))
    plan_prefix = str(ID[PLAN]) + "/"
    assert {t for t in links_after if str(t[0]).startswith(plan_prefix)} == links_before
    said.clear()
    documents.remove_documents(["agri_bureau_plan.txt"], raw, build, ONTOLOGY, said.append)
    assert any("0 plan(s) to score, 1 kept" in m for m in said)
    assert set(dataset.read(build, {g.name: g for g in dataset.listed(build)}["links"])) == links_before


def test_a_damaged_links_file_is_scored_again_not_kept(built, tmp_path):
    from kg.pipeline import build

    build_dir = tmp_path / "build"
    shutil.copytree(built[0], build_dir)
    links = build_dir / "graphs" / "links.ttl"
    links.write_bytes(links.read_bytes().replace(b"kg:score", b"kg:scorf", 1))
    said: list[str] = []
    build(RAW, build_dir, ONTOLOGY, progress=said.append)
    assert any("1 plan(s) to score, 0 kept" in m for m in said)
    assert b"kg:scorf" not in links.read_bytes()


def test_many_document_graphs_are_checked_in_parallel_with_the_same_results(parts, monkeypatch):
    """Past PARALLEL_FROM documents, spawned workers check them ten a call: a document whose
    department lost its name is found as it is found in this process."""
    from rdflib import RDF, RDFS

    from kg.rdf import validate

    graphs, links, union, (onto, concepts, shapes) = parts
    broken = Graph()
    dept = next(graphs[PLAN].subjects(RDF.type, KG.Department))
    for t in graphs[PLAN]:
        if t[:2] != (dept, RDFS.label):
            broken.add(t)
    docs = {**graphs, PLAN: broken}
    turtle = {name: dataset.turtle(g) for name, g in docs.items()}
    serial = validate.validate_parts(docs, links, union, concepts, shapes, onto)
    monkeypatch.setattr(validate, "PARALLEL_FROM", 1)
    parallel = validate.validate_parts(docs, links, union, concepts, shapes, onto, turtle=turtle, ontology_dir=ONTOLOGY)
    assert parallel == serial and str(dept) in {v.focus for v in serial}
