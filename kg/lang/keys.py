"""Comparison keys and longest-first name matching over text."""
from __future__ import annotations

import unicodedata


def key(text: str) -> str:
    """Comparison key: NFC, no white space, no middle-dot variants."""
    text = unicodedata.normalize("NFC", text)
    return "".join(text.split()).replace("ㆍ", "·").replace("･", "·")


def longest_matches(text: str, names, every: bool = True) -> list[tuple[int, str, object]]:
    """``(start, name, value)`` for the ``(name, value)`` pairs found in ``text``, taken in the
    order given (longest first, normally) so that no two overlap; with ``every=False`` only
    the first free occurrence of each name."""
    taken = bytearray(len(text))
    found = []
    for name, value in names:
        start = text.find(name)
        while start >= 0:
            if not any(taken[start : start + len(name)]):
                taken[start : start + len(name)] = b"\x01" * len(name)
                found.append((start, name, value))
                if not every:
                    break
            start = text.find(name, start + 1)
    return found
