"""The documents of a build: list them, add some, remove some — each change one whole rebuild
that either succeeds or leaves the source folder and the build as they were (``kg documents``,
``kg add``, ``kg remove`` and the app's 문서 page).

A change keeps the previous build's model (``keep_model``): the vectors of every other node
stay, and so do the alignments of the plans that did not change; ``kg build`` makes the model
anew from the new texts.

Adding checks the file before it touches the source folder: its name (a plain file name of a
source kind), its size, and that it reads and parses (the container told by its content). The
new file is then placed under its name and the build remade; if the build fails, the file is
taken out again. Removing sets the file aside (a hidden name the build does not read), rebuilds,
and deletes it only when the build succeeded; otherwise it is put back.
"""
from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kg.errors import InputError
from kg.meta import KINDS

Progress = Callable[[str], None]




def listing(build_dir: Path, raw_dir: Path) -> list[dict]:
    """The build's documents, as its manifest names them: id, file name, format and kind (plan,
    brief, other), content hash, title, container (text encoding, or pdf/hwpx/hwp), size and
    when the file was last changed (the manifest's own keys ``doc_id`` and ``source`` too)."""
    from kg.integrity import read_manifest

    out = []
    for d in read_manifest(build_dir).get("documents", []):
        path = Path(raw_dir) / d.get("source", "")
        st = path.stat() if path.is_file() else None
        out.append({"id": d.get("doc_id"), "name": d.get("source"), "format": d.get("format"),
                    "kind": KINDS.get(d.get("format"), "other"), "sha256": d.get("sha256"), **d,
                    "bytes": st.st_size if st else None,
                    "modified": time.strftime("%Y-%m-%d %H:%M", time.localtime(st.st_mtime)) if st else None,
                    "present": st is not None})
    return out


def _plain_name(name: str) -> str:
    from kg.pipeline import SOURCE_SUFFIXES

    base = Path(str(name or "")).name
    if not base or base != str(name) or base.startswith(".") or "/" in base or "\\" in base or "\x00" in base:
        raise InputError(f"not a plain file name: {str(name)[:100]!r}")
    if Path(base).suffix.lower() not in SOURCE_SUFFIXES:
        raise InputError(f"{base}: not a document kind that can be read ({', '.join(sorted(SOURCE_SUFFIXES))})")
    return base


def add_document(name: str, data: bytes, raw_dir: Path, build_dir: Path, ontology_dir: Path, progress: Progress = lambda _: None,
                 **build_options) -> object:
    """Add the file ``name`` with content ``data`` to the source folder and rebuild. Returns the
    BuildResult. Raises InputError (ParseError, ValidationError) with nothing changed, also when
    the build already has the content."""
    result, skipped = add_documents([(name, data)], raw_dir, build_dir, ontology_dir, progress, **build_options)
    if result is None:
        raise InputError(skipped[0])
    return result


def add_documents(files: list[tuple[str, bytes]], raw_dir: Path, build_dir: Path, ontology_dir: Path,
                  progress: Progress = lambda _: None, meta: dict | None = None, **build_options) -> tuple[object | None, list[str]]:
    """Add the files (name, content) to the source folder and rebuild once. A file whose content
    the build already has (under any name), or that comes twice, changes nothing and is said so.
    ``meta``: fields given for every file added (``kg add --meta``, checked by
    ``kg.meta.parse_pairs``), kept in the folder's ``metadata.json`` for later builds.
    Returns (the BuildResult, or None when nothing was new; what was skipped, one line each).
    Raises InputError (ParseError, ValidationError) with nothing changed: every file is checked
    before any is placed, and all are taken out again if the build fails."""
    import hashlib

    from kg.parse import parse_document
    from kg.parse.text import LIMITS
    from kg.pipeline import build

    limits = build_options.get("limits", LIMITS)
    raw_dir = Path(raw_dir)
    held = {d["sha256"]: d["name"] for d in _held(build_dir, raw_dir)}
    new: list[tuple[str, bytes]] = []
    skipped: list[str] = []
    for name, data in files:
        base = _plain_name(name)
        digest = hashlib.sha256(data).hexdigest()
        if digest in held:
            skipped.append(f"{base}: the same content as {held[digest]}, already in the build; nothing to add")
            continue
        target = raw_dir / base
        if target.exists() or target.is_symlink() or base in (n for n, _ in new):
            raise InputError(f"{base}: a document of that name is already in the build; remove it first, or rename the file")
        if len(data) > limits.max_bytes:
            raise InputError(f"{base}: {len(data) / 1e6:,.1f} MB; a source may be at most {limits.max_bytes / 1e6:,.1f} MB")
        with tempfile.TemporaryDirectory(prefix="kg-add-") as tmp:
            probe = Path(tmp) / base
            probe.write_bytes(data)
            progress(f"check: {base}")
            doc = parse_document(probe, limits)  # unreadable or broken: InputError / ParseError, nothing written
        progress(f"check: {base} reads as {doc.format} ({doc.encoding})")
        held[digest] = base
        new.append((base, data))
    if not new:
        return None, skipped
    from kg.meta import changing

    placed: list[Path] = []
    try:
        with changing(raw_dir, add={base: dict(meta) for base, _ in new} if meta else None):
            for base, data in new:
                staged = raw_dir / f".{base}.adding-{os.getpid()}"
                staged.write_bytes(data)
                os.replace(staged, raw_dir / base)
                placed.append(raw_dir / base)
            return build(raw_dir, Path(build_dir), ontology_dir, progress=progress, **{"keep_model": True, **build_options}), skipped
    except BaseException:
        for target in placed:
            target.unlink(missing_ok=True)
        raise


def _held(build_dir: Path, raw_dir: Path) -> list[dict]:
    """The documents of the build, or none when there is no build yet."""
    from kg.errors import KgError

    try:
        return listing(build_dir, raw_dir)
    except (KgError, OSError):
        return []


def resolve(doc: str, build_dir: Path, raw_dir: Path) -> str:
    """The source file name of a document given by its id (as ``kg documents`` shows it) or its
    file name. Raises InputError naming the build's documents otherwise."""
    rows = listing(build_dir, raw_dir)
    for row in rows:
        if doc in (row["id"], row["name"]):
            return row["name"]
    known = ", ".join(r["id"] for r in rows) or "none"
    raise InputError(f"{str(doc)[:100]}: no such document in the build (its documents: {known})")


def remove_document(name: str, raw_dir: Path, build_dir: Path, ontology_dir: Path, progress: Progress = lambda _: None,
                    **build_options) -> object:
    """Take the file ``name`` out of the source folder and rebuild; put it back if the build fails."""
    return remove_documents([name], raw_dir, build_dir, ontology_dir, progress, **build_options)


def remove_documents(names: list[str], raw_dir: Path, build_dir: Path, ontology_dir: Path,
                     progress: Progress = lambda _: None, **build_options) -> object:
    """Take the files ``names`` out of the source folder and rebuild once; put them all back if
    the build fails. Raises InputError with nothing changed for a name not in the folder, or
    when no document would be left."""
    from kg.pipeline import build, sources

    raw_dir = Path(raw_dir)
    bases = list(dict.fromkeys(_plain_name(n) for n in names))
    for base in bases:
        target = raw_dir / base
        if not target.is_file() or target.is_symlink():
            raise InputError(f"{base}: no such document in {raw_dir}")
    if not {p.name for p in sources(raw_dir)} - set(bases):
        raise InputError(f"{', '.join(bases)}: the build's only document(s); add another before removing them")
    from kg.meta import changing

    aside: list[tuple[Path, Path]] = []
    try:
        with changing(raw_dir, drop=bases):  # what was given for a removed file goes with it
            for base in bases:
                moved = raw_dir / f".{base}.removed-{os.getpid()}"
                os.replace(raw_dir / base, moved)
                aside.append((moved, raw_dir / base))
            result = build(raw_dir, Path(build_dir), ontology_dir, progress=progress, **{"keep_model": True, **build_options})
    except BaseException:
        for moved, target in aside:
            os.replace(moved, target)
        raise
    for moved, _ in aside:
        moved.unlink(missing_ok=True)
    return result
