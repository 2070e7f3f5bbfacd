"""The corpus folder and the build folder are boundaries.

Each case failed before: a link in data/raw to /etc/passwd was indexed, `--out` equal to the raw
folder deleted the sources, a stray document in `--out` was deleted, a 50 MB file ran 13 minutes
to 15.5 GB, a doctored `kg:sourceName "../…"` made `kg show` read outside the raw folder, and a
kill between the two renames of the final swap left no build in place.
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from kg.cli import main
from kg.errors import InputError
from kg.pipeline import _clear_leftovers, _exchange, build, check_out_dir, sources
from tests.conftest import ONTOLOGY, RAW


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its sha256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def previous_build(tmp_path):
    """A folder that looks like a previous build (its manifest says so)."""
    out = tmp_path / "build"
    out.mkdir()
    (out / "manifest.json").write_text('{"policy_kg": "0.1.0", "documents": []}', encoding="utf-8")
    (out / "graph.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    return out


def refused(capsys, *argv) -> str:
    code = main(list(argv))
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("kg: error:")]
    assert code == 2 and "Traceback" not in err and len(errors) == 1, err  # progress lines may come before
    return errors[0]


def test_a_link_in_the_corpus_folder_is_never_read(capsys, raw_copy, previous_build, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("비밀 문서 내용\n" * 20, encoding="utf-8")
    (raw_copy / "linked.txt").symlink_to(secret)
    before = tree(previous_build)
    err = refused(capsys, "build", "--raw", str(raw_copy), "--out", str(previous_build))
    assert "linked.txt" in err and "symbolic link" in err
    assert tree(previous_build) == before


def test_a_pipe_in_the_corpus_folder_stops_the_build_at_once(capsys, raw_copy, previous_build):
    os.mkfifo(raw_copy / "pipe.txt")  # reading it would block forever
    t0 = time.perf_counter()
    err = refused(capsys, "build", "--raw", str(raw_copy), "--out", str(previous_build))
    assert "pipe.txt" in err and "not a regular file" in err and time.perf_counter() - t0 < 5


def test_a_50_mb_source_ends_the_build_in_seconds_with_its_name(capsys, raw_copy, previous_build):
    with open(raw_copy / "huge.txt", "wb") as f:
        f.write("가나다라마바사 아자차카타파하\n".encode("utf-8") * 1_400_000)  # ~50 MB of text
    assert (raw_copy / "huge.txt").stat().st_size > 49_000_000
    before = tree(previous_build)
    t0 = time.perf_counter()
    err = refused(capsys, "build", "--raw", str(raw_copy), "--out", str(previous_build))
    assert time.perf_counter() - t0 < 10
    assert "huge.txt" in err and "KG_MAX_SOURCE_MB" in err
    assert tree(previous_build) == before


def test_too_many_characters_is_refused_after_decoding(capsys, raw_copy, previous_build, monkeypatch):
    monkeypatch.setenv("KG_MAX_DOCUMENT_CHARS", "30000")  # the plan has 21,601; this one 40,000+
    (raw_copy / "long.txt").write_text("국민외교 추진 계획\n" * 4_000, encoding="utf-8")
    err = refused(capsys, "build", "--raw", str(raw_copy), "--out", str(previous_build))
    assert "long.txt" in err and "KG_MAX_DOCUMENT_CHARS" in err


def test_out_equal_to_or_around_the_sources_is_refused(capsys, raw_copy):
    before = tree(raw_copy)
    err = refused(capsys, "build", "--raw", str(raw_copy), "--out", str(raw_copy))
    assert "source folder" in err
    refused(capsys, "build", "--raw", str(raw_copy), "--out", str(raw_copy.parent))  # holds the sources
    refused(capsys, "build", "--raw", str(raw_copy), "--out", str(raw_copy / "build"))  # inside them
    assert tree(raw_copy) == before


def test_out_holding_other_files_is_refused_unless_forced(capsys, tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "보고서.txt").write_text("분석가의 문서", encoding="utf-8")
    err = refused(capsys, "build", "--raw", str(RAW), "--out", str(out))
    assert "not a kg build" in err and "--force" in err and "보고서.txt" in err
    assert (out / "보고서.txt").read_text(encoding="utf-8") == "분석가의 문서"
    assert main(["build", "--raw", str(RAW), "--out", str(out), "--force"]) == 0
    assert (out / "manifest.json").exists() and not (out / "보고서.txt").exists()


def test_check_out_dir_accepts_builds_empty_and_new_folders(tmp_path, previous_build):
    check_out_dir(RAW, previous_build)
    (tmp_path / "empty").mkdir()
    check_out_dir(RAW, tmp_path / "empty")
    check_out_dir(RAW, tmp_path / "new" / "build")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="not a folder"):
        check_out_dir(RAW, tmp_path / "file")


def test_the_swap_exchanges_in_one_step_and_leftovers_are_cleared(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "new").write_text("new", encoding="utf-8")
    (b / "old").write_text("old", encoding="utf-8")
    assert _exchange(a, b)  # Linux: renameat2(RENAME_EXCHANGE)
    assert (b / "new").exists() and (a / "old").exists()
    from kg.pipeline import _stamp

    host = _stamp().rpartition("-")[0]
    dead = tmp_path / f".build.tmp-{host}-999999999"  # a killed build's staging folder
    dead.mkdir()
    live = tmp_path / f".build.tmp-{_stamp()}"
    live.mkdir()
    other_host = tmp_path / ".build.tmp-otherhost-999999999"  # another machine's, on a shared volume
    other_host.mkdir()
    legacy = tmp_path / ".build.old-999999998"  # named by an earlier version: pid alone
    legacy.mkdir()
    _clear_leftovers(tmp_path / "build")
    assert not dead.exists() and not legacy.exists() and live.exists() and other_host.exists()


def test_sources_lists_only_regular_files_of_the_folder(raw_copy):
    (raw_copy / ".hidden.txt").write_text("x", encoding="utf-8")
    (raw_copy / "notes.docx").write_bytes(b"PK\x03\x04")  # not a source kind
    (raw_copy / "notes.pdf").write_bytes(b"%PDF-1.4")  # a source: read by its content when built
    assert [p.name for p in sources(raw_copy)] == sorted([*(p.name for p in RAW.glob("*.txt")), "notes.pdf"])


def test_provenance_never_leads_out_of_the_corpus_folder(tmp_path, raw_copy):
    from kg import explore
    from kg.rdf.vocab import KG

    outside = tmp_path / "outside.txt"
    outside.write_text("밖의 비밀\n" * 5, encoding="utf-8")
    (raw_copy / "link.txt").symlink_to(outside)
    for name in ["../outside.txt", str(outside), "link.txt", "..", "", "sub/../../outside.txt"]:
        g = Graph()
        node, doc = URIRef("urn:node"), URIRef("urn:doc")
        g.add((node, KG.sourceDocument, doc))
        g.add((node, KG.startLine, Literal(1)))
        g.add((node, KG.endLine, Literal(3)))
        g.add((doc, KG.sourceName, Literal(name)))
        assert explore.source(g, node, raw_copy)["excerpt"] == "", name
    plan = next(p.name for p in raw_copy.glob("*plan*.txt"))
    assert explore.inside(raw_copy, plan) == raw_copy / plan


def test_a_build_failing_while_staging_leaves_the_previous_build_and_no_staging_folder(previous_build, monkeypatch):
    import kg.index.build

    def broken(*args, **kwargs):
        assert list(previous_build.parent.glob(".build.tmp-*")), "the staging folder exists while staging"
        raise InputError("disk full (simulated)")

    monkeypatch.setattr(kg.index.build, "build_index", broken)
    before = tree(previous_build)
    with pytest.raises(InputError, match="simulated"):
        build(RAW, previous_build, ONTOLOGY)
    assert tree(previous_build) == before and not list(previous_build.parent.glob(".build.*"))


def test_a_damaged_build_can_be_rebuilt_and_a_linked_out_is_refused(capsys, tmp_path, previous_build):
    (previous_build / "manifest.json").write_text("]]", encoding="utf-8")  # damaged: still a build
    check_out_dir(RAW, previous_build)
    link = tmp_path / "linked-build"
    link.symlink_to(previous_build)
    err = refused(capsys, "build", "--raw", str(RAW), "--out", str(link))
    assert "symbolic link" in err


@pytest.mark.parametrize("target", ["folder", "device", "link", "missing-folder"])
def test_export_writes_only_regular_files(capsys, built, tmp_path, target):
    path = {"folder": tmp_path, "device": Path("/dev/null"), "link": tmp_path / "link.ttl",
            "missing-folder": tmp_path / "nope" / "g.ttl"}[target]
    if target == "link":
        (tmp_path / "real.ttl").write_text("keep", encoding="utf-8")
        path.symlink_to(tmp_path / "real.ttl")
    err = refused(capsys, "export", "--format", "nt", "-o", str(path), "--build", str(built[0]))
    assert str(path) in err or str(path.parent) in err
    if target == "link":
        assert (tmp_path / "real.ttl").read_text(encoding="utf-8") == "keep"
    assert Path("/dev/null").is_char_device()


def test_export_replaces_a_file_whole(capsys, built, tmp_path):
    out = tmp_path / "graph.nt"
    out.write_text("old", encoding="utf-8")
    assert main(["export", "--format", "nt", "-o", str(out), "--build", str(built[0])]) == 0
    assert out.read_text(encoding="utf-8").count(" .\n") > 5000 and not list(tmp_path.glob(".graph.nt.*"))
