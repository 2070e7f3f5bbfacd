"""Adding and removing a document (kg.documents, and the app's 문서 page): each change a whole
rebuild; a bad file or a failed build leaves the source folder and the build as they were."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kg import documents
from kg.errors import InputError
from kg.integrity import read_manifest
from tests.conftest import ONTOLOGY, RAW, ROOT
from tests.office import write_hwpx

AGRI = Path(__file__).parent / "fixtures" / "plan" / "agri_bureau_plan.txt"


@pytest.fixture
def workspace(built, tmp_path):
    raw, build = tmp_path / "raw", tmp_path / "build"
    shutil.copytree(RAW, raw)
    shutil.copytree(built[0], build)
    return raw, build


def _tree(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_plan_added_as_hwpx_is_in_the_build_and_can_be_removed(workspace, tmp_path):
    raw, build = workspace
    data = write_hwpx(AGRI.read_text(encoding="utf-8"), tmp_path / "agri.hwpx").read_bytes()
    said: list[str] = []
    result = documents.add_document("agri.hwpx", data, raw, build, ONTOLOGY, said.append)
    assert any("reads as business_plan (hwpx)" in m for m in said)
    rows = {r["source"]: r for r in documents.listing(build, raw)}
    assert set(rows) == {p.name for p in RAW.glob("*.txt")} | {"agri.hwpx"}
    assert rows["agri.hwpx"]["format"] == "business_plan" and rows["agri.hwpx"]["encoding"] == "hwpx" and rows["agri.hwpx"]["present"]
    assert result.stats["departments"] == 6  # 4 of the corpus and the added bureau's 2
    documents.remove_document("agri.hwpx", raw, build, ONTOLOGY)
    assert not (raw / "agri.hwpx").exists() and not list(raw.glob(".*"))
    assert {d["source"] for d in read_manifest(build)["documents"]} == {p.name for p in RAW.glob("*.txt")}


@pytest.mark.parametrize("name, data, message", [
    ("../outside.txt", b"x", "not a plain file name"),
    (".hidden.txt", b"x", "not a plain file name"),
    ("notes.docx", b"PK\x03\x04", "not a document kind"),
    ("scan.pdf", b"%PDF-1.4\n%%EOF", "damaged PDF"),
    ("empty.hwp", b"", "empty file"),
    ("jeonbuk_2026_external_affairs_plan.txt", b"x", "already in the build"),
])
def test_a_bad_upload_changes_nothing(workspace, name, data, message):
    raw, build = workspace
    before_raw, before_build = _tree(raw), _tree(build)
    with pytest.raises(InputError, match=message):
        documents.add_document(name, data, raw, build, ONTOLOGY)
    assert _tree(raw) == before_raw and _tree(build) == before_build


def test_a_failed_rebuild_takes_the_added_file_out_again(workspace, monkeypatch):
    import kg.pipeline

    raw, build = workspace
    before_raw, before_build = _tree(raw), _tree(build)

    def broken(*args, **kwargs):
        raise InputError("disk full (simulated)")

    monkeypatch.setattr(kg.pipeline, "build", broken)
    with pytest.raises(InputError, match="simulated"):
        documents.add_document("agri.txt", AGRI.read_bytes(), raw, build, ONTOLOGY)
    with pytest.raises(InputError, match="simulated"):
        documents.remove_document("mofa_local_public_diplomacy_brief.txt", raw, build, ONTOLOGY)
    assert _tree(raw) == before_raw and _tree(build) == before_build


def test_removing_refuses_what_is_not_there_and_the_last_document(workspace, tmp_path):
    raw, build = workspace
    with pytest.raises(InputError, match="no such document"):
        documents.remove_document("nothing.txt", raw, build, ONTOLOGY)
    lone = tmp_path / "lone"
    lone.mkdir()
    shutil.copy(AGRI, lone / "agri.txt")
    with pytest.raises(InputError, match="only document"):
        documents.remove_document("agri.txt", lone, build, ONTOLOGY)


def test_the_documents_page_lists_them_and_removes_one_after_confirmation(workspace, monkeypatch):
    raw, build = workspace
    monkeypatch.setenv("KG_BUILD", str(build))
    monkeypatch.setenv("KG_RAW", str(raw))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["page"] = "documents"
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert sorted(table["파일"]) == sorted(p.name for p in RAW.glob("*.txt"))
    assert set(table["종류"]) == {"업무계획", "정책브리프"}
    at.selectbox(key="remove-choice").set_value("mofa_local_public_diplomacy_brief.txt").run()
    assert at.button(key="remove-go").disabled  # not before the box is ticked
    at.checkbox(key="remove-sure").check().run()
    at.button(key="remove-go").click().run()
    assert not at.exception, at.exception
    assert not (raw / "mofa_local_public_diplomacy_brief.txt").exists()
    assert [d["source"] for d in read_manifest(build)["documents"]] == ["jeonbuk_2026_external_affairs_plan.txt"]
    assert any("뺐습니다" in s.value for s in at.success)
    assert list(at.dataframe[0].value["파일"]) == ["jeonbuk_2026_external_affairs_plan.txt"]


def _cli(capsys, *argv):
    from kg.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_kg_add_documents_and_remove_by_id(workspace, tmp_path, capsys):
    """`kg add FILE…` adds several documents in one rebuild; `kg documents --json` lists them
    by id with kind and hash; `kg remove DOC…` takes them out by that id; the graph is as before."""
    import json

    raw, build = workspace
    before = _cli(capsys, "stats", "--json", "--build", str(build))[1]
    hwpx = write_hwpx(AGRI.read_text(encoding="utf-8"), tmp_path / "agri.hwpx")
    other = tmp_path / "agri_copy_2027.txt"
    other.write_text(AGRI.read_text(encoding="utf-8").replace("2026", "2027"), encoding="utf-8")
    code, _, err = _cli(capsys, "add", str(hwpx), str(other), "--build", str(build), "--raw", str(raw))
    assert code == 0, err
    assert "built" in err and err.count("steps:") == 1 and err.count("check: ") >= 2  # one rebuild for both
    code, out, _ = _cli(capsys, "documents", "--json", "--build", str(build), "--raw", str(raw))
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0 and set(rows) == {p.name for p in RAW.iterdir() if p.is_file()} | {"agri.hwpx", other.name}
    assert rows["agri.hwpx"]["kind"] == "plan" and rows["agri.hwpx"]["encoding"] == "hwpx"
    assert rows["mofa_local_public_diplomacy_brief.txt"]["kind"] == "brief"
    assert all({"id", "name", "format", "kind", "sha256"} <= set(r) for r in rows.values())
    assert json.loads(_cli(capsys, "stats", "--json", "--build", str(build))[1]) != json.loads(before)
    code, out, _ = _cli(capsys, "documents", "--build", str(build), "--raw", str(raw))
    assert code == 0 and rows["agri.hwpx"]["id"] in out and "plan" in out
    code, _, err = _cli(capsys, "remove", rows["agri.hwpx"]["id"], other.name, "--build", str(build), "--raw", str(raw))
    assert code == 0, err
    assert json.loads(_cli(capsys, "stats", "--json", "--build", str(build))[1]) == json.loads(before)
    assert not (raw / "agri.hwpx").exists() and not (raw / other.name).exists()


def test_kg_add_of_content_the_build_has_changes_nothing(workspace, tmp_path, capsys):
    """The same content again, under its own or another name, is said and changes nothing."""
    raw, build = workspace
    copy = tmp_path / "brief_again.txt"
    shutil.copy(RAW / "mofa_local_public_diplomacy_brief.txt", copy)
    before_raw, before_build = _tree(raw), _tree(build)
    code, _, err = _cli(capsys, "add", str(copy), str(RAW / "mofa_local_public_diplomacy_brief.txt"),
                        "--build", str(build), "--raw", str(raw))
    assert code == 0 and err.count("already in the build") == 2 and "built" not in err
    assert _tree(raw) == before_raw and _tree(build) == before_build
    with pytest.raises(InputError, match="already in the build"):  # the app's single upload says so too
        documents.add_document(copy.name, copy.read_bytes(), raw, build, ONTOLOGY)


@pytest.mark.parametrize("argv, message", [
    (["add", "/nonexistent/plan.pdf"], "file not found"),
    (["remove", "no-such-document"], "no such document in the build"),
    (["add", "{bad}"], "binary file"),
])
def test_kg_add_and_remove_of_bad_input_is_one_line_and_changes_nothing(argv, message, workspace, tmp_path, capsys):
    raw, build = workspace
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(range(256)) * 8)
    argv = [a.replace("{bad}", str(bad)) for a in argv]
    before_raw, before_build = _tree(raw), _tree(build)
    code, _, err = _cli(capsys, *argv, "--build", str(build), "--raw", str(raw))
    assert code != 0 and message in err and "Traceback" not in err and len(err.strip().splitlines()) <= 2
    assert _tree(raw) == before_raw and _tree(build) == before_build
