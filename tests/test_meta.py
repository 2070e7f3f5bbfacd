"""Documents with metadata (kg.meta): issuer, bureau, year and kind read from each document or
given with `kg add --meta`, in the graph and the manifest; search, `kg ask` and the JSON API
keep to the documents of some issuers, years or kinds."""
from __future__ import annotations

import json
import shutil

import pytest
from rdflib import Graph, Literal

from kg import documents
from kg.cli import main
from kg.errors import InputError
from kg.integrity import read_manifest
from kg.meta import META_FILE, Issuers, MetaReader, Within, document_of, given_meta, parse_pairs
from kg.parse import parse_document
from kg.rdf.vocab import ID, KG
from kg.synth import write_corpus
from tests.conftest import ONTOLOGY, RAW
from tests.test_documents import AGRI

PLAN, BRIEF = "jeonbuk-2026-external-affairs-plan", "mofa-local-public-diplomacy-brief"


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_corpus_documents_say_what_they_are(built):
    metas = {d["doc_id"]: d["meta"] for d in read_manifest(built[0])["documents"]}
    assert metas[PLAN] == {"kind": "plan", "issuer": "전북특별자치도", "issuer_type": "government", "bureau": "대외국제소통국",
                           "year": 2026, "given": []}
    assert metas[BRIEF] == {"kind": "brief", "issuer": "외교부", "issuer_type": "ministry", "bureau": None, "year": 2018, "given": []}
    g = Graph().parse(built[0] / "graphs" / "doc" / f"{PLAN}.ttl")
    doc = ID[f"doc/{PLAN}"]
    assert g.value(doc, KG.issuer) == Literal("전북특별자치도") and g.value(doc, KG.documentYear) == Literal(2026)
    assert g.value(doc, KG.documentKind) == Literal("plan") and g.value(doc, KG.issuingBureau) == Literal("대외국제소통국")


def test_synthetic_documents_are_read_as_their_truth(tmp_path):
    truth = write_corpus(tmp_path, plans=30, briefs=8, seed=11)
    reader = MetaReader(Issuers.load(ONTOLOGY))
    for want in truth["documents"]:
        meta = parse_document(tmp_path / want["file"], meta=reader).meta
        assert (meta.kind, meta.issuer, meta.year, meta.bureau) == (
            want["kind"], want.get("province") or want["issuer"], want["year"], want.get("bureau")), want["file"]
        assert meta.issuer_type == ("government" if want["kind"] == "plan" else Issuers.load(ONTOLOGY).types[want["issuer"]])


def test_a_document_that_names_no_issuer_has_none(tmp_path):
    path = tmp_path / "memo.txt"
    path.write_text("회의 메모\n\n다음 회의에서 예산 편성 방향을 정한다.\n", encoding="utf-8")
    meta = parse_document(path, meta=MetaReader(Issuers.load(ONTOLOGY))).meta
    assert (meta.kind, meta.issuer, meta.issuer_type, meta.year, meta.bureau) == ("other", None, None, None, None)


@pytest.mark.parametrize("pairs, message", [
    (["colour=red"], "KEY one of"), (["year"], "KEY=VALUE"), (["year=20x4"], "four digits"), (["year=3024"], "not a year"),
    (["kind=report"], "the kinds are"), (["issuer_type=club"], "the types are"), (["issuer="], "KEY=VALUE"),
])
def test_bad_given_metadata_is_refused_in_one_line(pairs, message):
    with pytest.raises(InputError, match=message):
        parse_pairs(pairs)


def test_given_metadata_overrides_what_the_document_says_and_is_kept_and_dropped(built, tmp_path, capsys):
    raw, build = tmp_path / "raw", tmp_path / "build"
    shutil.copytree(RAW, raw)
    shutil.copytree(built[0], build)
    code, _, err = _run(capsys, "add", str(AGRI), "--raw", str(raw), "--build", str(build), "--meta", "issuer=전라남도",
                        "--meta", "year=2025")
    assert code == 0, err
    assert given_meta(raw) == {AGRI.name: {"issuer": "전라남도", "year": 2025}}
    meta = next(d["meta"] for d in read_manifest(build)["documents"] if d["source"] == AGRI.name)
    assert meta["issuer"] == "전라남도" and meta["year"] == 2025 and meta["given"] == ["issuer", "year"]
    assert meta["issuer_type"] == "government" and meta["kind"] == "plan"
    code, out, _ = _run(capsys, "documents", "--raw", str(raw), "--build", str(build))
    assert "전라남도*\t2025*" in out and "전북특별자치도\t2026\t대외국제소통국" in out
    # a later build reads it again; removing the document drops what was given for it
    doc_id = next(d["doc_id"] for d in read_manifest(build)["documents"] if d["source"] == AGRI.name)
    code, _, err = _run(capsys, "remove", doc_id, "--raw", str(raw), "--build", str(build))
    assert code == 0, err
    assert not (raw / META_FILE).exists()


def test_a_failed_add_leaves_the_metadata_as_it_was(built, tmp_path, monkeypatch):
    raw, build = tmp_path / "raw", tmp_path / "build"
    shutil.copytree(RAW, raw)
    shutil.copytree(built[0], build)
    (raw / META_FILE).write_text(json.dumps({"x.txt": {"year": 2020}}), encoding="utf-8")
    before = (raw / META_FILE).read_bytes()

    def broken(*args, **kwargs):
        raise InputError("the build failed")

    monkeypatch.setattr("kg.pipeline.build", broken)
    with pytest.raises(InputError, match="the build failed"):
        documents.add_documents([(AGRI.name, AGRI.read_bytes())], raw, build, ONTOLOGY, meta={"year": 2025})
    assert (raw / META_FILE).read_bytes() == before and not (raw / AGRI.name).exists()


def test_a_damaged_metadata_file_stops_the_build_in_one_line(tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    (raw / META_FILE).write_text("{not json", encoding="utf-8")
    code, _, err = _run(capsys, "build", "--raw", str(raw), "--out", str(tmp_path / "build"))
    assert code != 0 and "metadata.json" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------- keeping to some documents


def test_a_node_belongs_to_the_document_whose_id_it_is_under():
    docs = {PLAN, BRIEF}
    assert document_of(f"{ID}{PLAN}/dept/대외협력과", docs) == PLAN
    assert document_of(f"{ID}doc/{BRIEF}", docs) == BRIEF
    assert document_of(f"{ID}region/일본/가고시마현", docs) is None
    assert document_of("https://w3id.org/policy-kg/concept/theme-x", docs) is None


def test_within_names_issuers_by_any_of_their_names():
    known = Issuers.load(ONTOLOGY)
    w = Within.of(["전라북도"], ["2026"], ["plan"], known=known)
    assert w.issuers == {"전북특별자치도"} and w.years == {2026} and w.kinds == {"plan"}
    assert w.admits({"issuer": "전북특별자치도", "year": 2026, "kind": "plan"})
    assert not w.admits({"issuer": "전북특별자치도", "year": 2025, "kind": "plan"}) and not w.admits(None)
    assert not Within.of() and Within.of().admits(None)
    with pytest.raises(InputError):
        Within.of(years=["올해"])


def test_search_keeps_to_the_documents_asked_for(built, capsys):
    b = str(built[0])
    code, out, _ = _run(capsys, "search", "국제교류 협력 사업", "--build", b, "--json", "-k", "20", "--kind", "brief")
    row = json.loads(out)
    assert code == 0 and row["within"] == {"issuer": [], "year": [], "kind": ["brief"]} and row["results"]
    assert all(r["iri"].startswith((f"{ID}{BRIEF}/", f"{ID}doc/{BRIEF}")) for r in row["results"])
    briefs = [r["iri"] for r in row["results"]]
    _, out, _ = _run(capsys, "search", "국제교류 협력 사업", "--build", b, "--json", "-k", "100", "--issuer", "전북")
    found = [r["iri"] for r in json.loads(out)["results"]]
    assert found and all(r.startswith(f"{ID}{PLAN}/") for r in found) and not set(found) & set(briefs)
    _, out, _ = _run(capsys, "search", "국제교류 협력 사업", "--build", b, "--json", "--year", "2019")
    assert json.loads(out)["results"] == []
    # the plan's results in the order the whole search ranks them: the condition only leaves the others out
    _, everything, _ = _run(capsys, "search", "국제교류 협력 사업", "--build", b, "--json", "-k", "100")
    ranked = [r["iri"] for r in json.loads(everything)["results"]]
    assert [r for r in ranked if r.startswith(f"{ID}{PLAN}/")][:30] == found[:30]


def test_an_exact_answer_keeps_to_the_documents_asked_for(built, capsys):
    b = str(built[0])
    question = "대외협력과의 2026년 예산 합계는?"
    _, whole, _ = _run(capsys, "ask", question, "--build", b, "--json")
    _, same, _ = _run(capsys, "ask", question, "--build", b, "--json", "--issuer", "전북특별자치도")
    _, none, _ = _run(capsys, "ask", question, "--build", b, "--json", "--year", "2024")
    whole, same, none = json.loads(whole), json.loads(same), json.loads(none)
    assert whole["understood"] and same["rows"] == whole["rows"] and "발행 기관=전북특별자치도" in same["interpretation"]
    assert f"<{ID}doc/{PLAN}>" in same["sparql"] and "kg:sourceDocument" in same["sparql"]
    assert none["understood"] and none["rows"] != whole["rows"] and "문서 연도=2024" in none["interpretation"]


def test_the_api_takes_the_same_conditions(built):
    from kg.api import ApiError, Service
    from kg.ask import Asker
    from kg.search.open import open_searcher
    from kg.sparql import load_store

    searcher = open_searcher(built[0], ONTOLOGY)
    service = Service(searcher, Asker(searcher, load_store(built[0])))
    row = service.search("국제교류 협력 사업", "20", kind=["brief"])
    assert row["within"]["kind"] == ["brief"] and all(BRIEF in r["iri"] for r in row["results"])
    with pytest.raises(ApiError) as exc:
        service.search("국제교류", None, year=["next year"])
    assert exc.value.status == 400
