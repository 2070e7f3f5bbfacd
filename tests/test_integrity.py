"""A damaged build is refused with one line naming the file: never a traceback, never the file's
text on the terminal, never a silently wrong answer (shuffled nodes.jsonl lines gave wrong
results with exit 0 before the manifests listed their files)."""
from __future__ import annotations

import json
import random
import shutil

import pytest

from kg.cli import main


@pytest.fixture
def copy(built, tmp_path):
    dst = tmp_path / "build"
    shutil.copytree(built[0], dst)
    return dst


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _shuffle_lines(path):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    random.Random(7).shuffle(lines)
    path.write_text("".join(lines), encoding="utf-8")


DAMAGE = {
    # (file under the build, how it is damaged, the command that reads it)
    "graph truncated": ("graph.ttl", _truncate, ["stats"]),
    "graph one byte changed": ("graph.ttl", _flip_byte, ["sparql", "ASK { ?s ?p ?o }"]),
    "consistency edited": ("consistency.json", lambda p: p.write_text("[]", encoding="utf-8"), ["validate"]),
    "embedder weights damaged": ("embedder/model.safetensors", _flip_byte, ["search", "해외사무소"]),
    "nodes shuffled": ("index/nodes.jsonl", _shuffle_lines, ["search", "해외사무소"]),
    "nodes truncated": ("index/nodes.jsonl", _truncate, ["search", "해외사무소"]),
    "entities garbage": ("index/entities.json", lambda p: p.write_text("{not json", encoding="utf-8"), ["search", "베트남"]),
    "types emptied": ("index/types.json", lambda p: p.write_text("", encoding="utf-8"), ["search", "사업"]),
    "lexical file removed": ("index/lexical", lambda p: next(x for x in sorted(p.iterdir()) if x.is_file()).unlink(), ["search", "사업"]),
    "dense index truncated": ("index/dense", lambda p: _truncate(next(x for x in sorted(p.iterdir()) if x.is_file())), ["search", "사업"]),
    "manifest removed": ("manifest.json", lambda p: p.unlink(), ["show", "국제관계대사 운영"]),
    "manifest garbage": ("manifest.json", lambda p: p.write_text("]]", encoding="utf-8"), ["stats"]),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_build_is_refused_in_one_line(capsys, copy, case):
    rel, damage, command = DAMAGE[case]
    damage(copy / rel)
    code = main([*command, "--build", str(copy)])
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("kg: error:")]
    assert code != 0 and len(errors) == 1, captured.err
    assert "Traceback" not in captured.err and "@prefix" not in captured.err and len(captured.err) < 2000
    assert "kg build" in errors[0]
    named = rel.split("/")[0] if rel.startswith(("index/lexical", "index/dense")) else rel
    assert named.split("/")[-1] in errors[0] or "manifest" in errors[0], errors[0]
    assert captured.out == ""  # no answer from a damaged build


def test_an_intact_copy_answers_and_lists_every_file(copy, capsys):
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    index = json.loads((copy / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert {"graph.ttl", "consistency.json", "embedder/model.safetensors"} <= set(manifest["files"])
    assert not any(name.startswith("index/") for name in manifest["files"])
    assert {"nodes.jsonl", "entities.json", "types.json", "links.json"} <= set(index["files"])
    assert main(["search", "해외사무소", "--build", str(copy), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"]
