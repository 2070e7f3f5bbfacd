"""Korean (and English) tokens for retrieval: content morphemes from Kiwi.

Kiwi is loaded once per process (it takes about a second). Particles and endings are
dropped; verb and adjective stems, nouns, roots, numbers and foreign words are kept.
English words go through ``kg.lang.english`` (stems, no function words).
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from kg.lang import english

# Nouns of public administration Kiwi would cut into meaningless pieces in some contexts
# (시군마다 → 시 + 군, 출향도민 → 출 + 향 + 도민). Only words whose pieces mean nothing on their
# own: a compound of real words (국민외교 → 국민 + 외교) is better cut, so its parts match.
USER_WORDS = ("시군", "출향", "애향", "인플루언서", "팸투어", "도민증", "답례품", "성인지")
# light verbs and auxiliaries Kiwi tags as content (있다, 하다, 되다, 보다, 주다 …): in a question
# they carry no topic ("…에 있는", "…해 주는", "본 적 있는"), so they are not index words
# verbs of coming and going too (전북에 와서, 찾아가는): the place is the topic, not the motion
LIGHT = frozenset({"있", "없", "하", "되", "보", "주", "받", "같", "않", "대하", "위하", "통하", "따르", "관하", "이루", "가지",
                   "오", "가"})
# verbs that ask rather than describe when a wish or a request follows them (알고 싶다, 찾고
# 싶은, 알려 주세요): the question is what is asked, so they are not its words
ASKING = frozenset({"알", "알리", "찾", "묻", "가르치"})


@dataclass(frozen=True)
class KiwiOptions:
    """The options Kiwi is constructed with, chosen by measurement: speed and memory with
    ``kg bench start`` (its ``kiwi`` figures, these options beside Kiwi's defaults), quality by
    rebuilding with each and ``kg eval --folds``."""

    load_multi_dict: bool = False
    """Kiwi's multi-word dictionary (proper nouns from WikiData spanning several words). Off: it
    costs 0.9 s of construction and first analysis and 190 MB of memory (medians of 5: 0.45 +
    0.53 s and 333 MB without, 0.74 + 1.63 s and 520 MB with), and the corpus's index tokens are
    the same either way (220 of 220 nodes), as are the development figures (0.910, every kind
    alike) and ``kg ask``'s (32/32)."""

    load_typo_dict: bool = True
    """Kiwi's dictionary of common variant endings (informal spellings of 어미). Kept: it costs no
    measurable time beside the multi-word one, and users type such endings."""

    model_type: str = "cong"
    """The language model. CoNg is the only one Kiwi 0.24 ships, and the only one with morpheme
    embeddings (``morpheme_similarity``: near words, the built-in embedder)."""


KIWI = KiwiOptions()
_KEEP = {"NNG", "NNP", "NR", "NP", "VV", "VA", "XR", "SL", "SN", "SH", "MAG", "XSN"}
_lock = threading.Lock()
_kiwi = None


def kiwi():
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                k = Kiwi(load_multi_dict=KIWI.load_multi_dict, load_typo_dict=KIWI.load_typo_dict, model_type=KIWI.model_type)
                for word in USER_WORDS:
                    k.add_user_word(word, "NNG", 0.0)
                _kiwi = k
    return _kiwi


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("·", " ").replace("ㆍ", " ")


def _asks(analysed, i: int) -> bool:
    """Whether the verb at ``i`` asks (알고 싶다, 알려 주세요) rather than says what is sought."""
    if analysed[i].form not in ASKING or i + 2 >= len(analysed) or analysed[i + 1].tag != "EC":
        return False
    aux = analysed[i + 2]
    if aux.tag != "VX":
        return False
    # 싶다 is a wish; 주다 a request only when the sentence ends there (알려 주세요, not 알려 주는)
    return aux.form == "싶" or (aux.form == "주" and i + 3 < len(analysed) and analysed[i + 3].tag.startswith("EF"))


def _content(analysed) -> list[str]:
    out: list[str] = []
    for i, t in enumerate(analysed):
        tag = t.tag.split("-")[0]
        if tag not in _KEEP:
            continue
        if tag == "XSN":
            # noun-deriving suffixes (-화, -성, -인) glue to their noun: keep the pair too; the
            # plural 들 (공무원들) adds nothing
            if out and t.form != "들":
                out.append(out[-1] + t.form)
            continue
        if tag == "SL":
            w = english.word(t.form)
            if w:
                out.append(w)
            continue
        if tag in ("VV", "VA") and (t.form in LIGHT or _asks(analysed, i)):
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


_MEANING_TAGS = ("NNG", "NNP", "VV", "VA", "XR")


def content_morphemes(text: str) -> list[tuple[str, int]]:
    """(form, Kiwi morpheme id) of the nouns, verbs, adjectives and roots of ``text``."""
    if not text or not text.strip():
        return []
    return [(t.form, t.id) for t in kiwi().tokenize(_normal(text))
            if t.tag.startswith(_MEANING_TAGS) and t.form not in LIGHT]


def morpheme_id(word: str) -> int | None:
    """Kiwi's id of ``word`` when Kiwi reads it as one noun, verb, adjective or root."""
    found = kiwi().tokenize(_normal(word))
    if len(found) == 1 and found[0].form == word and found[0].tag.startswith(_MEANING_TAGS):
        return found[0].id
    return None


def similarities(of: int, to: list[int]) -> list[float]:
    """Cosines of morpheme ``of`` to each of ``to`` by Kiwi's own morpheme embeddings (they ship
    with its model: nothing is downloaded); -1 where Kiwi has no vector (words added by us)."""
    k = kiwi()
    out = []
    for other in to:
        try:
            v = k.morpheme_similarity(of, other)
        except (ValueError, KeyError, RuntimeError):
            v = -1.0
        out.append(v if v == v else -1.0)  # NaN: no vector
    return out


def fingerprint() -> str:
    """What decides the tokens (kiwipiepy's version aside): an index records it."""
    import hashlib

    return hashlib.sha256(" ".join(sorted(_KEEP) + list(USER_WORDS) + sorted(LIGHT) + [repr(KIWI)]).encode()).hexdigest()[:16]
