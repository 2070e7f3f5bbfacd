"""Search: embedder loading, index manifest, hybrid ranking with the graph, bad queries."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from kg.cli import main
from kg.index.embedder import EmbedderError, load_embedder
from kg.index.store import read_manifest, stale_reason
from kg.search.open import open_searcher
from kg.rdf.io import glossary_digest
from tests.conftest import ONTOLOGY, ROOT

SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def searcher(built):
    return open_searcher(built[0], ONTOLOGY)


def top(searcher, query, k=5):
    return [(r.type, r.label) for r in searcher.search(query, k)]


def test_tiny_sentence_transformers_model_loads_through_the_real_path(tmp_path):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import StaticEmbedding
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    vocab = {"[UNK]": 0, "국제": 1, "교류": 2, "보험": 3}
    tok = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = Whitespace()
    weights = np.eye(4, 8, dtype=np.float32) + 0.1
    SentenceTransformer(modules=[StaticEmbedding(tok, embedding_weights=weights)]).save(str(tmp_path / "tiny"))
    emb = load_embedder(str(tmp_path / "tiny"))
    vecs = emb.encode(["국제 교류", "보험"])
    assert emb.dimension == 8 and vecs.shape == (2, 8) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert emb.name == str(tmp_path / "tiny")


def test_unknown_model_fails_fast_and_offline(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    t0 = time.perf_counter()
    with pytest.raises(EmbedderError, match="local model folder"):
        load_embedder("no-such-org/no-such-model")
    assert time.perf_counter() - t0 < 30
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_builtin_embedder_knows_synonyms(built):
    emb = load_embedder("builtin", built[0])
    a, b, c = emb.encode(["전광판 광고", "홍보 매체", "자원봉사자 보험"])
    assert a @ b > a @ c


def test_manifest_and_stale_index_is_rebuilt(built, tmp_path):
    import shutil

    build = tmp_path / "b"
    shutil.copytree(built[0], build)
    m = read_manifest(build)
    assert m["count"] > 200 and m["dense"]["dimension"] > 0 and m["versions"]["bm25s"]
    emb = load_embedder("builtin", build)
    gloss = glossary_digest(ONTOLOGY)
    assert stale_reason(build, emb, gloss) is None
    assert stale_reason(build, None, gloss) == "embedder changed"
    assert stale_reason(build, emb, None) == "glossary changed"
    index_manifest = build / "index" / "manifest.json"
    older = json.loads(index_manifest.read_text(encoding="utf-8"))
    index_manifest.write_text(json.dumps({**older, "format": 2}), encoding="utf-8")  # an index of an older version
    assert stale_reason(build, emb, gloss) == "index format changed"
    messages = []
    open_searcher(build, ONTOLOGY, progress=messages.append)
    assert any("rebuilding" in m for m in messages)
    assert stale_reason(build, emb, gloss) is None
    # a graph edited by hand is not "stale", it no longer matches the build: refused, not indexed
    with open(build / "graph.ttl", "a", encoding="utf-8") as f:
        f.write('\n<https://w3id.org/policy-kg/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "새 노드"@ko .\n')
    from kg.integrity import BuildDamagedError

    with pytest.raises(BuildDamagedError, match="graph.ttl"):
        open_searcher(build, ONTOLOGY)


def test_one_entity_once_with_real_labels(searcher):
    results = searcher.search("국제교류 사업", 10)
    assert len({r.iri for r in results}) == len(results) == 10
    assert all(r.label and r.why for r in results)
    assert results[0].score == 1.0 and all(0 < r.score <= 1.0 for r in results)


@pytest.mark.parametrize(
    "query,expected",
    [
        ("일본의 우호협력 지역", {("Region", "가고시마현"), ("Region", "이시카와현")}),
        ("러시아 교류 지역", {("Region", "연해주")}),
        ("전북국제협력진흥원이 시행하는 사업", {("SubProject", "전북국제협력진흥원 운영")}),
        ("14개 시군이 시행하는 사업", {("SubProject", "새마을지도자 자녀 장학금 지원")}),
    ],
)
def test_entities_in_the_question_pull_in_linked_nodes(searcher, query, expected):
    k = 5 if len(expected) == 1 else len(expected)
    assert expected <= set(top(searcher, query, k))


def test_structured_question_prefers_the_asked_type(searcher):
    results = searcher.search("14개 시군이 시행하는 사업", 6)
    assert all(r.type in ("SubProject", "UnitProject") for r in results[:4])


def test_english_question(searcher):
    labels = {label for _, label in top(searcher, "friendship regions in Vietnam", 4)}
    assert {"닥락성", "까마우성"} <= labels


@pytest.mark.parametrize("query", ["!!! ???", "🙂🙂", "…"])
def test_punctuation_or_emoji_gives_no_results(searcher, query):
    assert searcher.search(query) == []


@pytest.mark.parametrize(
    "query",
    ["' OR 1=1; DROP TABLE nodes; --", "<script>alert(1)</script> 해외사무소", "SNS 홍보 online 채널", "국제교류" * 1250],
)
def test_odd_queries_do_not_fail(searcher, query):
    results = searcher.search(query, 5)
    assert isinstance(results, list) and len(results) <= 5


def test_cli_search_json_contract(capsys, built):
    code, out, _ = run(capsys, "search", "해외사무소", "--json", "-k", "3", "--build", str(built[0]))
    data = json.loads(out)
    assert code == 0 and set(data) == {"query", "embedder", "results", "analysis"} and data["embedder"].startswith("builtin")
    assert set(data["analysis"]) >= {"intents", "answer_types", "terms", "mentions", "relations", "years"}
    assert set(data["results"][0]) == {"iri", "type", "label", "text", "score", "why"}
    assert data["results"][0]["label"] == "전북특별자치도 중국 해외사무소 운영"


def test_cli_search_queries_file(capsys, built, tmp_path):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text('{"id": "a", "query": "해외사무소"}\n{"id": "b", "query": "  "}\n', encoding="utf-8")
    code, out, _ = run(capsys, "search", "--queries", str(qfile), "-k", "2", "--json", "--build", str(built[0]))
    rows = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [r["id"] for r in rows] == ["a", "b"] and rows[1]["results"] == []
    assert len(rows[0]["results"]) == 2


@pytest.mark.parametrize("argv,message", [(["search", "   "], "empty query"), (["search"], "give a question")])
def test_cli_bad_queries(capsys, built, argv, message):
    code, out, err = run(capsys, *argv, "--build", str(built[0]))
    assert code != 0 and message in err and "Traceback" not in err


def test_cli_bad_queries_file(capsys, built, tmp_path):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text('{"id": "a", "query": "해외사무소"}\nnot json\n', encoding="utf-8")
    code, _, err = run(capsys, "search", "--queries", str(qfile), "--build", str(built[0]))
    assert code != 0 and "q.jsonl:2:" in err


def test_search_before_any_build(capsys, tmp_path):
    code, _, err = run(capsys, "search", "해외사무소", "--build", str(tmp_path / "nothing"))
    assert code != 0 and "run `kg build`" in err and "Traceback" not in err


@pytest.mark.skipif(not (SHARED_EVAL / "dev_queries.jsonl").exists(), reason="../shared/eval is not beside the repo")
def test_development_set_quality(capsys, built):
    code, out, _ = run(capsys, "eval", "--json", "--build", str(built[0]), "--queries", str(SHARED_EVAL / "dev_queries.jsonl"))
    figures = json.loads(out)
    assert code == 0 and figures["missing"] == []
    # Regression floors, not goals: the figures of the development set (103 questions by other
    # readers) at issue 11's latest step, less 0.03.
    assert figures["ndcg@10"] >= 0.88  # measured 0.910; char n-gram TF-IDF over the same nodes: 0.62
    floors = {"brief": 0.85, "english": 0.89, "entity": 0.96, "headline": 0.77, "lookup": 0.92, "noisy": 0.95,
              "paraphrase": 0.80, "structured": 0.90}
    got = {kind: d["ndcg@10"] for kind, d in figures["by_kind"].items()}
    assert {k: v for k, v in got.items() if v < floors.get(k, 0.0)} == {}, got


def test_benchmark_prints_figures(capsys, built):
    code, out, _ = run(capsys, "bench", "search", "--scale", "1500", "--repeat", "1", "--build", str(built[0]))
    figures = json.loads(out)
    assert code == 0 and figures["corpus"]["queries"] == 15 and figures["scaled"]["nodes"] == 1500
    assert 0 < figures["corpus"]["p50_ms"] <= figures["corpus"]["p95_ms"] and figures["peak_rss_mib"] > 0


def test_cli_long_query_is_cut_with_a_note(capsys, built):
    code, out, err = run(capsys, "search", "해외사무소 " * 1000, "--json", "-k", "3", "--build", str(built[0]))
    assert code == 0 and "cut to its first 1000 characters" in err
    assert json.loads(out)["results"][0]["label"] == "전북특별자치도 중국 해외사무소 운영"


# ---------------------------------------------------------------- questions about what supports a strategy


@pytest.fixture(scope="module")
def supporting(graph):
    from kg import alignments as al

    best: dict[str, float] = {}
    for r in al.links(graph, ROOT / "queries"):
        best[r["project"]] = max(best.get(r["project"], 0.0), r["score"])
    return best


@pytest.mark.parametrize("query", ["국민외교를 지원하는 사업은?", "공공외교에 기여하는 사업", "국민외교 전략과 연계된 사업"])
def test_headline_question_lists_supporting_projects_first(searcher, supporting, query):
    results = searcher.search(query, k=len(supporting))
    listed = {r.label for r in results}
    # every result supports a strategy, with its evidence; only a unit found through its own
    # sub-projects may give way to something else
    assert all(r.type in ("SubProject", "UnitProject") and "supports " in r.why for r in results[: len(supporting) - 2])
    assert len(listed & set(supporting)) >= len(supporting) - 1
    # central work first: the top five are projects whose own words are mostly about abroad-facing work
    centrality = {a.project: a.centrality for a in searcher.data.alignments}
    assert all(centrality[r.iri] >= 0.7 for r in results[:5]), [(r.label, centrality[r.iri]) for r in results[:5]]
    # a unit whose own sub-projects carry the strategy comes after them, not above them
    unit_of = searcher._unit_of
    for i, r in enumerate(results):
        if r.type == "UnitProject" and any(unit_of.get(x.iri) == r.iri for x in results):
            assert any(unit_of.get(x.iri) == r.iri for x in results[:i]), r.label


def test_a_question_naming_one_strategy_gets_its_projects(searcher, graph, supporting):
    from kg import alignments as al

    rows = al.links(graph, ROOT / "queries")
    want = {r["project"] for r in rows if r["strategy"] == "중앙부처-지자체 협업조직 활용"}
    results = searcher.search("중앙부처-지자체 협업조직을 활용하는 사업", k=len(want))
    assert want and {r.label for r in results} == want
    assert all("supports 중앙부처-지자체 협업조직 활용" in r.why for r in results)


def test_a_branch_named_in_a_question_brings_the_projects_of_its_items(searcher, graph):
    from kg import alignments as al

    rows = al.filter_strategy(graph, al.links(graph, ROOT / "queries"), "국민외교센터 운영활성화")
    top = searcher.search("국민외교센터 운영 활성화와 관련된 사업", k=5)
    assert {r.label for r in top} <= {r["project"] for r in rows}


def test_support_questions_leave_other_questions_alone(searcher):
    """No project pull when the question asks for another type (a problem, a passage)."""
    results = searcher.search("국민외교의 문제점", k=5)
    assert results[0].type == "Problem" and not any("supports " in r.why for r in results)
