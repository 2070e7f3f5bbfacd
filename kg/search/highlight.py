"""Marks in a result's text where the question's words occur."""
from __future__ import annotations

import re

from kg.lang.korean import query_tokens
from kg.search.rank import QueryError, clean_query


def highlights(query: str, text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, matched) pairs, matched where a word of the question occurs:
    its content morphemes of two characters or more (국민외교를 → 국민, 외교), longest first."""
    try:
        q, _ = clean_query(query)
    except QueryError:
        return [(text, False)] if text else []
    words = sorted({t for t in query_tokens(q) if len(t) >= 2}, key=lambda w: (-len(w), w))
    if not words or not text:
        return [(text, False)] if text else []
    out, at = [], 0
    for m in re.finditer("|".join(map(re.escape, words)), text, flags=re.IGNORECASE):
        if m.start() > at:
            out.append((text[at : m.start()], False))
        if out and out[-1][1] and m.start() == at:  # 국민|외교 → one mark
            out[-1] = (out[-1][0] + m.group(0), True)
        else:
            out.append((m.group(0), True))
        at = m.end()
    if at < len(text):
        out.append((text[at:], False))
    return out
