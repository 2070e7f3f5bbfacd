"""Verified builds: each manifest lists its folder's files with their size and sha256, and a
reader checks them before using any, so a damaged, truncated or edited build is refused with
one line naming the file, never read into a traceback or a silently wrong answer.

The build's ``manifest.json`` covers every file of the build outside ``index/``;
``index/manifest.json`` covers the index (which can be rebuilt on its own).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kg.errors import BuildMissingError


class BuildDamagedError(BuildMissingError):
    """A build's files do not match its manifest."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_table(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, dict]:
    """``{relative path: {"bytes", "sha256"}}`` of every regular file under ``folder``, except
    the manifest itself and the top-level entries named in ``skip``."""
    folder = Path(folder)
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if rel.parts[0] in skip or rel.as_posix() == "manifest.json" or not p.is_file() or p.is_symlink():
            continue
        out[rel.as_posix()] = {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
    return out


def verify(folder: Path, table: dict | None, what: str = "build") -> None:
    """Check every file ``table`` lists under ``folder``.

    Raises:
        BuildDamagedError: naming the first file that is missing, of another size or content.
    """
    folder = Path(folder)
    if not isinstance(table, dict) or not table:
        raise BuildDamagedError(f"the {what} in {folder} has no file list (made by an older policy-kg, or damaged); "
                                "rebuild with kg build")
    for rel, want in table.items():
        path = folder / rel
        try:
            if not isinstance(want, dict) or path.is_symlink() or not path.is_file():
                raise FileNotFoundError
            ok = path.stat().st_size == want.get("bytes") and sha256_file(path) == want.get("sha256")
        except OSError:
            raise BuildDamagedError(f"{path}: missing from the {what}; rebuild with kg build") from None
        if not ok:
            raise BuildDamagedError(f"{path}: does not match the {what}'s manifest (changed or damaged); rebuild with kg build")


def read_manifest(folder: Path, what: str = "build") -> dict:
    """A folder's ``manifest.json``, or BuildDamagedError if it is unreadable."""
    path = Path(folder) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildMissingError(f"no {what} manifest in {folder}: run `kg build` first") from None
    except (OSError, ValueError):
        raise BuildDamagedError(f"{path}: unreadable; rebuild with kg build") from None
    if not isinstance(data, dict):
        raise BuildDamagedError(f"{path}: not a manifest; rebuild with kg build")
    return data


def verify_build(build_dir: Path) -> dict:
    """The build's manifest, after checking every file it lists (the index apart)."""
    manifest = read_manifest(build_dir)
    verify(build_dir, manifest.get("files"))
    return manifest
