"""English words for retrieval: lower case, British -ise spellings as -ize, Snowball stems,
and no function words. The same function serves index texts and questions, so a question's
"subsidises" meets a gloss's "subsidy"."""
from __future__ import annotations

import re
from functools import lru_cache

# function words and question words: they carry no content for search
STOPWORDS = frozenset("""
a about above after again all also am an and any are as at be been being below between both but by
can could did do does doing down during each few for from further had has have having he her here
hers how i if in into is it its itself just me more most my no nor not now of off on once only or
other our out over own same she should so some such than that the their them then there these they
this those through to too under until up very was we were what when where which while who whom why
will with would you your yours
""".split())

_ISE = re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations)$")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: the Snowball stemmers in C

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def word(w: str) -> str:
    """The retrieval form of one English word ('' for a function word)."""
    w = w.lower()
    if w in STOPWORDS:
        return ""
    return _stemmer().stemWord(_ISE.sub(r"iz\1", w))
