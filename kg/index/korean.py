"""Korean (and English) tokens for retrieval: content morphemes from Kiwi.

Kiwi is loaded once per process (it takes about a second). Particles and endings are
dropped; verb and adjective stems, nouns, roots, numbers and foreign words are kept.
English words are lower-cased and lose a plural ``s``.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

_KEEP = {"NNG", "NNP", "NR", "NP", "VV", "VA", "XR", "SL", "SN", "SH", "MAG", "XSN"}
_lock = threading.Lock()
_kiwi = None


def kiwi():
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


def _english(word: str) -> str:
    word = word.lower()
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("·", " ").replace("ㆍ", " ")


def _content(analysed) -> list[str]:
    out: list[str] = []
    for t in analysed:
        tag = t.tag.split("-")[0]
        if tag not in _KEEP:
            continue
        if tag == "XSN" and t.form != "들":
            # noun-deriving suffixes (-화, -성, -인) glue to their noun: keep the pair too
            if out:
                out.append(out[-1] + t.form)
            continue
        out.append(_english(t.form) if tag == "SL" else t.form)
    return out


def tokens(text: str) -> list[str]:
    """Content morphemes of ``text`` in order (duplicates kept, for term frequency)."""
    if not text or not text.strip():
        return []
    return _content(kiwi().tokenize(_normal(text)))


def tokens_many(texts: list[str]) -> list[list[str]]:
    """Tokens of many texts, using Kiwi's worker threads."""
    return [_content(a) for a in kiwi().tokenize([_normal(t or " ") for t in texts])]


@lru_cache(maxsize=4096)
def query_tokens(text: str) -> tuple[str, ...]:
    return tuple(tokens(text))


_WORD = re.compile(r"\w+")


def has_words(text: str) -> bool:
    """False for empty, punctuation-only or emoji-only input."""
    return bool(_WORD.search(text or ""))
