"""Korean (and English) tokens for retrieval: content morphemes from Kiwi.

Kiwi is loaded once per process (it takes about a second). Particles and endings are
dropped; verb and adjective stems, nouns, roots, numbers and foreign words are kept.
English words go through ``kg.lang.english`` (stems, no function words).
"""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

from kg.lang import english

# Nouns of public administration Kiwi would cut into meaningless pieces in some contexts
# (시군마다 → 시 + 군, 출향도민 → 출 + 향 + 도민). Only words whose pieces mean nothing on their
# own: a compound of real words (국민외교 → 국민 + 외교) is better cut, so its parts match.
USER_WORDS = ("시군", "출향", "애향", "인플루언서", "팸투어", "도민증", "답례품", "성인지")
# light verbs and auxiliaries Kiwi tags as content (있다, 하다, 되다, 보다, 주다 …): in a question
# they carry no topic ("…에 있는", "…해 주는", "본 적 있는"), so they are not index words
LIGHT = frozenset({"있", "없", "하", "되", "보", "주", "받", "같", "않", "대하", "위하", "통하", "따르", "관하", "이루", "가지"})
_KEEP = {"NNG", "NNP", "NR", "NP", "VV", "VA", "XR", "SL", "SN", "SH", "MAG", "XSN"}
_lock = threading.Lock()
_kiwi = None


def kiwi():
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                k = Kiwi()
                for word in USER_WORDS:
                    k.add_user_word(word, "NNG", 0.0)
                _kiwi = k
    return _kiwi


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
        if tag == "SL":
            w = english.word(t.form)
            if w:
                out.append(w)
            continue
        if tag in ("VV", "VA") and t.form in LIGHT:
            continue
        out.append(t.form)
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


def tagged(text: str) -> list[tuple[str, str]]:
    """(form, Kiwi's full tag) of the Korean content morphemes of ``text``."""
    if not text or not text.strip():
        return []
    out = []
    for t in kiwi().tokenize(_normal(text)):
        if t.tag.split("-")[0] in _KEEP and t.tag not in ("XSN", "SL"):
            out.append((t.form, t.tag))
    return out


@lru_cache(maxsize=8192)
def near_morphemes(form: str, tag: str, top_n: int = 20) -> tuple[tuple[str, float], ...]:
    """Kiwi's nearest morphemes to ``form/tag`` by its own morpheme embeddings (no download:
    they ship with the model), as (form, cosine); () for a morpheme it has no vector for."""
    k = kiwi()
    for spec in ((form, tag), (form, tag, 0), form):
        try:
            return tuple((m.form, float(m.score)) for m in k.most_similar_morphemes(spec, top_n=top_n))
        except (ValueError, KeyError, RuntimeError):
            continue
    return ()


def fingerprint() -> str:
    """What decides the tokens (kiwipiepy's version aside): an index records it."""
    import hashlib

    return hashlib.sha256(" ".join(sorted(_KEEP) + list(USER_WORDS) + sorted(LIGHT)).encode()).hexdigest()[:16]
