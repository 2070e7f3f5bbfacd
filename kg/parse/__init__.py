"""Parsers: one per document format, chosen by detection, and a plain-text fallback."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from kg.parse.text import LIMITS, SourceLimits, read_source
from kg.records import Document

FORMATS = ("business_plan", "policy_brief", "text")


def doc_id_for(path: Path) -> str:
    """A stable, IRI-safe document id from the file name."""
    stem = unicodedata.normalize("NFC", Path(path).stem).lower()
    return re.sub(r"[^0-9a-z\uac00-\ud7a3]+", "-", stem).strip("-") or "document"


def detect(lines) -> str:
    from kg.parse.brief import looks_like_brief
    from kg.parse.plan import looks_like_plan

    if looks_like_plan(lines):
        return "business_plan"
    if looks_like_brief(lines):
        return "policy_brief"
    return "text"


def parse_document(path: Path, limits: SourceLimits = LIMITS, meta=None) -> Document:
    """Read, detect and parse one document; ``meta`` (a ``kg.meta.MetaReader``) reads what the
    document is (issuer, bureau, year, kind) as well.

    Raises:
        InputError: the file is missing, empty, binary or not decodable.
        ParseError: the file is in a known format but broken (e.g. truncated).
    """
    src = read_source(path, limits)
    doc_id = doc_id_for(src.path)
    fmt = detect(src.lines)
    common = dict(
        doc_id=doc_id,
        format=fmt,
        source_name=src.path.name,
        sha256=src.sha256,
        line_count=len(src.lines),
        encoding=src.encoding,
    )
    if fmt == "business_plan":
        from kg.parse.plan import parse_plan

        title, plan, passages = parse_plan(src, doc_id)
        doc = Document(title=title, passages=passages, plan=plan, **common)
    elif fmt == "policy_brief":
        from kg.parse.brief import parse_brief

        title, brief, passages = parse_brief(src, doc_id)
        doc = Document(title=title, passages=passages, brief=brief, **common)
    else:
        from kg.parse.generic import parse_text

        title, passages = parse_text(src, doc_id)
        doc = Document(title=title, passages=passages, **common)
    if meta is None:
        return doc
    import dataclasses

    return dataclasses.replace(doc, meta=meta.read(src.path.name, fmt, src.lines, doc.plan))
