"""Fallback for any UTF-8 text: a Document made of paragraph Passages."""
from __future__ import annotations

from kg.parse.text import SourceText, squash
from kg.records import Passage, Span


def parse_text(src: SourceText, doc_id: str) -> tuple[str, tuple[Passage, ...]]:
    """Paragraphs are runs of non-blank lines; the title is the first non-blank line."""
    passages: list[Passage] = []
    block: list[int] = []

    def flush() -> None:
        if block:
            text = squash(" ".join(src.line(i) for i in block))
            passages.append(Passage(len(passages) + 1, text, Span(doc_id, block[0], block[-1])))
            block.clear()

    for i, line in enumerate(src.lines, start=1):
        if line.strip():
            block.append(i)
        else:
            flush()
    flush()
    title = next((squash(x) for x in src.lines if x.strip()), src.path.stem)
    return title[:200], tuple(passages)
