"""Bad input: a one-line error naming the file, a non-zero exit, the last build intact."""
from __future__ import annotations

import pytest

from kg.cli import main
from kg.errors import InputError, ParseError
from kg.parse import parse_document
from tests.conftest import PLAN


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        parse_document(tmp_path / "nope.txt")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_text("  \n\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty.txt: empty file"):
        parse_document(p)


def test_binary_file(tmp_path):
    p = tmp_path / "image.txt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match="image.txt: binary file"):
        parse_document(p)


def test_undecodable_file_names_the_line(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes("first line\nsecond line\n".encode() + b"caf\xe9 \xff\xfe\xfd\n")
    with pytest.raises(InputError) as info:
        parse_document(p)
    assert "latin.txt:3:" in str(info.value) and "not UTF-8" in str(info.value)


def test_euc_kr_plan_is_decoded(tmp_path, plan_doc):
    p = tmp_path / PLAN.name
    p.write_bytes(PLAN.read_text(encoding="utf-8").encode("cp949", errors="replace"))
    doc = parse_document(p)
    assert doc.encoding == "cp949"
    assert len([s for d in doc.plan.departments for u in d.unit_projects for s in u.sub_projects]) == 58


@pytest.mark.parametrize("cut_at", [140, 300, 560, 715, 1000])
def test_truncated_plan_is_an_error_with_file_and_line(tmp_path, cut_at):
    p = tmp_path / PLAN.name
    p.write_text("\n".join(PLAN.read_text(encoding="utf-8").split("\n")[:cut_at]), encoding="utf-8")
    with pytest.raises(ParseError, match=rf"{PLAN.name}(:\d+)?: truncated plan"):
        parse_document(p)


def test_plain_text_falls_back_to_passages(tmp_path):
    p = tmp_path / "memo.txt"
    p.write_text("회의 메모\n\n첫째 문단입니다.\n이어지는 줄.\n\n둘째 문단.\n", encoding="utf-8")
    doc = parse_document(p)
    assert doc.format == "text" and doc.title == "회의 메모"
    assert [x.text for x in doc.passages] == ["회의 메모", "첫째 문단입니다. 이어지는 줄.", "둘째 문단."]
    assert (doc.passages[1].span.start, doc.passages[1].span.end) == (3, 4)


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02binary\x00", "\n".join(PLAN.read_text(encoding="utf-8").split("\n")[:600]).encode()],
    ids=["empty", "binary", "truncated"],
)
def test_failed_build_leaves_last_build_intact(capsys, built, raw_copy, tmp_path, content):
    import shutil

    out = tmp_path / "build"
    shutil.copytree(built[0], out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (raw_copy / "zz_bad.txt").write_bytes(content)
    code, stdout, err = run(capsys, "build", "--raw", str(raw_copy), "--out", str(out))
    assert code != 0
    lines = [x for x in err.splitlines() if x.startswith("kg: error:")]
    assert len(lines) == 1 and "zz_bad.txt" in lines[0] and "Traceback" not in err
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".build")]


def test_reading_before_any_build(capsys, tmp_path):
    code, _, err = run(capsys, "stats", "--build", str(tmp_path / "none"))
    assert code != 0 and "run `kg build`" in err and "Traceback" not in err


def test_missing_raw_folder(capsys, tmp_path):
    code, _, err = run(capsys, "build", "--raw", str(tmp_path / "absent"), "--out", str(tmp_path / "b"))
    assert code != 0 and "absent: source folder not found" in err
