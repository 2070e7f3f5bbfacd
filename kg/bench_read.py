"""``kg bench read FILE…``: how long reading a document takes — the container told by its content
and read into text (``kg.parse.text.read_source``: a PDF's pages, an HWPX's paragraphs and
tables), then parsed (``kg.parse.parse_document``) — medians of ``repeat`` runs, as JSON."""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path


def _pages(path: Path, container: str) -> int | None:
    if container != "pdf":
        return None
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


def main(files: list[Path], repeat: int = 3) -> str:
    from kg.parse import parse_document
    from kg.parse.text import LIMITS, SourceLimits, read_source

    limits = SourceLimits(max_bytes=max(LIMITS.max_bytes, 200_000_000), max_chars=max(LIMITS.max_chars, 5_000_000))
    out = []
    for path in map(Path, files):
        reads, parses = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            src = read_source(path, limits)
            reads.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            doc = parse_document(path, limits)
            parses.append(time.perf_counter() - t0)
        out.append({"file": path.name, "container": src.encoding if src.encoding in ("pdf", "hwpx", "hwp") else "text",
                    "bytes": path.stat().st_size, "pages": _pages(path, src.encoding), "lines": len(src.lines),
                    "characters": len(src.raw), "format": doc.format,
                    "read_s": round(statistics.median(reads), 2), "read_and_parse_s": round(statistics.median(parses), 2),
                    "n": repeat})
    return json.dumps({"documents": out}, ensure_ascii=False)
