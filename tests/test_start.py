"""Fast start (issue 13): the built-in embedder without torch, heavy libraries only where they are
needed, and the index's reader apart from its writer. Speeds are measured by ``kg bench start``,
not here; these tests check what makes them possible."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from kg.index.embedder import StaticEncoder, load_embedder

HEAVY = ("torch", "sentence_transformers", "transformers", "faiss", "sklearn", "pandas", "streamlit")


def _imported(code: str) -> set[str]:
    """Top-level modules a fresh interpreter has imported after running ``code``."""
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_the_builtin_model_encodes_as_sentence_transformers_does(built):
    """numpy over the saved folder gives SentenceTransformer.encode's vectors (≤ 1e-6) on every
    node text of the corpus, questions, and texts with no known token or none at all."""
    from sentence_transformers import SentenceTransformer

    folder = built[0] / "embedder"
    assert StaticEncoder.handles(folder)
    texts = [json.loads(x)["text"] for x in (built[0] / "index" / "nodes.jsonl").read_text(encoding="utf-8").splitlines()]
    texts += ["국민외교를 지원하는 사업은?", "Which projects support public diplomacy?", "", "   ", "😀", "ㅋㅋㅋ", "x" * 5000]
    ours = load_embedder("builtin", built[0]).encode(texts)
    reference = SentenceTransformer(str(folder), device="cpu").encode(
        texts, batch_size=256, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
    assert ours.shape == reference.shape and len(texts) > 200
    assert float(np.abs(ours - reference).max()) <= 1e-6
    assert not ours[texts.index("")].any()  # no tokens: the zero vector, as there


def test_a_folder_that_is_not_one_static_module_goes_to_sentence_transformers(tmp_path):
    (tmp_path / "modules.json").write_text(json.dumps([{"idx": 0, "name": "0", "path": "0_Transformer",
                                                        "type": "sentence_transformers.models.Transformer"}]))
    assert not StaticEncoder.handles(tmp_path)
    assert not StaticEncoder.handles(tmp_path / "missing")
    (tmp_path / "modules.json").write_text("not json")
    assert not StaticEncoder.handles(tmp_path)


def test_a_damaged_static_model_is_a_clear_error(built, tmp_path):
    import shutil

    from kg.index.embedder import EmbedderError

    build = tmp_path / "b"
    shutil.copytree(built[0] / "embedder", build / "embedder")
    (build / "embedder" / "model.safetensors").write_bytes(b"\0" * 64)
    with pytest.raises(EmbedderError, match="cannot load embedding model"):
        load_embedder("builtin", build)


def test_search_imports_no_torch_faiss_or_build_pipeline(built):
    """A search with the built-in embedder (dense weight 0) reads the index and the static table:
    none of torch, sentence-transformers, faiss, nor the parsers and SHACL."""
    mods = _imported(
        "import io, contextlib\nfrom kg.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main(['search', '국민외교를 지원하는 사업은?', '--build', {str(built[0])!r}])"
    )
    assert "kiwipiepy" in mods and "bm25s" in mods  # the probe did search
    assert not mods & set(HEAVY + ("pyshacl",)), mods & set(HEAVY + ("pyshacl",))


@pytest.mark.parametrize("argv", [["--help"], ["stats"]])
def test_light_commands_import_no_heavy_library(built, argv):
    extra = [] if argv == ["--help"] else ["--build", str(built[0])]
    mods = _imported(
        "import io, contextlib\nfrom kg.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    try:\n        main({argv + extra!r})\n    except SystemExit:\n        pass"
    )
    assert "kg" in mods
    assert not mods & set(HEAVY + ("kiwipiepy", "bm25s", "scipy")), mods & set(HEAVY + ("kiwipiepy", "bm25s", "scipy"))


def test_the_index_reader_does_not_import_the_writer():
    mods = _imported("import kg.index.store, kg.search, kg.search.open")
    assert "rdflib" not in mods and "faiss" not in mods


def test_a_rebuild_of_the_same_texts_takes_the_previous_model_and_a_change_makes_it_anew(built, tmp_path):
    """The built-in model is a function of its texts (kg-source.json keys them): a rebuild whose
    texts are the same copies the previous build's model; a changed source, or a previous model
    whose files no longer match that build's manifest, makes it anew. Each step is timed."""
    import shutil

    from kg.pipeline import build
    from tests.conftest import ONTOLOGY, RAW

    out = tmp_path / "build"
    shutil.copytree(built[0], out)
    said: list[str] = []
    result = build(RAW, out, ONTOLOGY, progress=said.append)
    assert any("the previous build's model" in m for m in said), said
    assert (out / "embedder" / "model.safetensors").read_bytes() == (built[0] / "embedder" / "model.safetensors").read_bytes()
    assert set(result.steps) >= {"parse", "graph", "embedder", "link", "validate", "write", "index"}
    assert all(v >= 0 for v in result.steps.values()) and all(m[:8].strip().endswith("s") for m in said)

    with open(out / "embedder" / "model.safetensors", "r+b") as f:  # the previous model damaged
        f.seek(200)
        f.write(b"\x7f\x7f\x7f\x7f")
    said.clear()
    build(RAW, out, ONTOLOGY, progress=said.append)
    assert any("built-in static model from the corpus" in m for m in said), said

    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    plan = next(raw.glob("*plan*.txt"))
    plan.write_text(plan.read_text(encoding="utf-8").replace("외국인 오피니언리더 초청", "외국인 여론 주도층 초청", 1), encoding="utf-8")
    said.clear()
    build(raw, out, ONTOLOGY, progress=said.append)
    assert any("built-in static model from the corpus" in m for m in said), said


def test_the_builtin_model_is_the_same_for_the_same_texts(tmp_path):
    """Made twice from the same texts in different orders of the graph (fresh processes: hash
    seeds differ), the model and its key are the same bytes."""
    code = ("import sys; from pathlib import Path; from kg.pipeline import build; from tests.conftest import RAW, ONTOLOGY; "
            "build(RAW, Path(sys.argv[1]), ONTOLOGY)")
    for name, seed in (("a", "1"), ("b", "2")):
        subprocess.run([sys.executable, "-c", code, str(tmp_path / name)], check=True, timeout=300,
                       env={**__import__("os").environ, "PYTHONHASHSEED": seed}, capture_output=True)
    for f in ("model.safetensors", "kg-source.json", "tokenizer.json"):
        assert (tmp_path / "a" / "embedder" / f).read_bytes() == (tmp_path / "b" / "embedder" / f).read_bytes(), f


def test_bench_start_prints_whole_process_figures(built, capsys):
    from kg.cli import main

    code = main(["bench", "start", "--repeat", "1", "--no-app", "--build", str(built[0])])
    figures = json.loads(capsys.readouterr().out)
    assert code == 0
    for name in ("help", "stats", "search", "ask", "sparql", "build_cold", "build_warm", "search_endpoint"):
        assert figures[name]["exit_codes"] == [0] and figures[name]["median_s"] > 0 and figures[name]["peak_rss_mib"] > 0, name
    assert figures["app"] == {"skipped": "--no-app"}
    assert figures["kiwi"]["chosen"]["options"]["load_multi_dict"] is False and figures["kiwi"]["defaults"]["options"] == {}


def test_a_question_that_is_not_structured_never_loads_the_graph(built):
    """The build keeps what reading a question needs of the graph (graph_facts.json, in the
    manifest): a search whose question is no structured one opens no SPARQL store; one that is
    still gets its exact answer."""
    from kg.integrity import read_manifest

    assert "graph_facts.json" in read_manifest(built[0])["files"]
    probe = ("import io, contextlib\nfrom kg.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()) as out: main(['search', {q!r}, '--json', '--build', {b!r}])\n"
             "import json; print(json.dumps('answer' in json.loads(out.getvalue())))")
    lookup = probe.format(q="국민외교를 지원하는 사업은?", b=str(built[0]))
    mods = _imported(lookup)
    assert "kiwipiepy" in mods and "pyoxigraph" not in mods, "the graph was loaded for a lookup"
    structured = probe.format(q="대외협력과의 2026년 예산 합계는?", b=str(built[0]))
    out = subprocess.run([sys.executable, "-c", structured], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.strip().splitlines()[-1] == "true"


def test_facts_read_from_the_build_equal_the_stores(built):
    from kg.ask.facts import graph_facts, read_facts
    from kg.sparql import load_store

    assert read_facts(built[0]) == graph_facts(load_store(built[0]))


def test_the_model_written_by_the_ready_child_is_the_one_written_here(tmp_path):
    """A cold build hands the model to a child that imported sentence-transformers meanwhile; the
    folder is the same bytes as one written in the process itself, and a writer whose child is
    gone leaves the writing to the process."""
    from kg.index.static_model import ModelWriter, build_static_model

    from tests.conftest import RAW

    texts = [line for line in (RAW / "jeonbuk_2026_external_affairs_plan.txt").read_text(encoding="utf-8").splitlines() if line.strip()][:300]
    writer = ModelWriter()
    try:
        build_static_model(texts, tmp_path / "child", writer=writer)
    finally:
        writer.close()
    build_static_model(texts, tmp_path / "here")
    gone = ModelWriter()
    gone.close()
    build_static_model(texts, tmp_path / "fallback", writer=gone)
    for f in ("model.safetensors", "tokenizer.json", "modules.json", "kg-source.json"):
        assert (tmp_path / "child" / f).read_bytes() == (tmp_path / "here" / f).read_bytes() == (tmp_path / "fallback" / f).read_bytes(), f


def test_a_large_corpus_gets_the_truncated_svd_of_the_same_subspace():
    """Past EXACT_SVD_RANK the LSA table comes from ARPACK on the sparse matrix: the same
    leading singular values and vectors (up to sign) as numpy's exact SVD."""
    import numpy as np

    from kg.index import static_model as sm

    rng = np.random.default_rng(0)
    n_tok, n_txt = 1500, 900
    rows, cols = [], []
    for j in range(n_txt):
        picked = rng.choice(n_tok, 10, replace=False)
        rows += [int(t) for t in picked]
        cols += [j] * len(picked)
    vals = 1.0 + rng.random(len(rows))
    x = np.zeros((n_tok, n_txt))
    x[rows, cols] = vals
    x /= np.linalg.norm(x, axis=0, keepdims=True) + 1e-12
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    u2, s2 = sm._truncated_svd(rows, cols, vals, (n_tok, n_txt), 32)
    assert np.allclose(s[:32], s2, rtol=1e-6)
    assert np.allclose(np.abs(np.sum(u[:, :32] * u2, axis=0)), 1.0, atol=1e-6)
    again = sm._truncated_svd(rows, cols, vals, (n_tok, n_txt), 32)
    assert np.array_equal(again[0], u2)  # the same every time
