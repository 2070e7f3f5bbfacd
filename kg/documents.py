"""The documents of a build: list them, add one, remove one — each change a whole rebuild that
either succeeds or leaves the source folder and the build as they were.

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

Progress = Callable[[str], None]


def listing(build_dir: Path, raw_dir: Path) -> list[dict]:
    """The build's documents, as its manifest names them: file, title, kind (plan, brief, text),
    container (text encoding, or pdf/hwpx/hwp), size and when the file was last changed."""
    from kg.integrity import read_manifest

    out = []
    for d in read_manifest(build_dir).get("documents", []):
        path = Path(raw_dir) / d.get("source", "")
        st = path.stat() if path.is_file() else None
        out.append({**d, "bytes": st.st_size if st else None,
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
    BuildResult. Raises InputError (ParseError, ValidationError) with nothing changed."""
    from kg.parse import parse_document
    from kg.parse.text import LIMITS
    from kg.pipeline import build

    limits = build_options.get("limits", LIMITS)
    base = _plain_name(name)
    raw_dir = Path(raw_dir)
    target = raw_dir / base
    if target.exists() or target.is_symlink():
        raise InputError(f"{base}: a document of that name is already in the build; remove it first, or rename the file")
    if len(data) > limits.max_bytes:
        raise InputError(f"{base}: {len(data) / 1e6:,.1f} MB; a source may be at most {limits.max_bytes / 1e6:,.1f} MB")
    with tempfile.TemporaryDirectory(prefix="kg-add-") as tmp:
        probe = Path(tmp) / base
        probe.write_bytes(data)
        progress(f"check: {base}")
        doc = parse_document(probe, limits)  # unreadable or broken: InputError / ParseError, nothing written
    progress(f"check: {base} reads as {doc.format} ({doc.encoding})")
    staged = raw_dir / f".{base}.adding-{os.getpid()}"
    staged.write_bytes(data)
    os.replace(staged, target)
    try:
        return build(raw_dir, Path(build_dir), ontology_dir, progress=progress, **build_options)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def remove_document(name: str, raw_dir: Path, build_dir: Path, ontology_dir: Path, progress: Progress = lambda _: None,
                    **build_options) -> object:
    """Take the file ``name`` out of the source folder and rebuild; put it back if the build fails."""
    from kg.pipeline import build, sources

    base = _plain_name(name)
    raw_dir = Path(raw_dir)
    target = raw_dir / base
    if not target.is_file() or target.is_symlink():
        raise InputError(f"{base}: no such document in {raw_dir}")
    if [p.name for p in sources(raw_dir)] == [base]:
        raise InputError(f"{base} is the build's only document; add another before removing it")
    aside = raw_dir / f".{base}.removed-{os.getpid()}"
    os.replace(target, aside)
    try:
        result = build(raw_dir, Path(build_dir), ontology_dir, progress=progress, **build_options)
    except BaseException:
        os.replace(aside, target)
        raise
    aside.unlink(missing_ok=True)
    return result
