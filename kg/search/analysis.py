"""Query understanding: what a question asks for, read against the graph's own vocabulary.

A question becomes

- **terms**: its content morphemes (weight 1) and their near words (weight below 1): the
  synonyms of the glossary (``ontology/glossary.ttl``, SKOS) and, for a word the index does
  not have, the index words nearest to it by Kiwi's own morpheme embeddings (hubness-corrected);
- **answer types**: the classes it asks for, from the ontology's class labels (사업 →
  세부사업/단위사업, 부서, 팀, 지역, 전략, 과제, 단계, 지표 …). A Korean noun phrase ends in its
  head, so the last type word is the answer type, with the words coordinated with it
  (부서와 팀); an English question puts it first (Which project …);
- **mentions**: the graph's entities it names (spacing- and case-free, longest first; a long name
  also with one syllable wrong; in an English question, through the glossary), and
  whether a name is only an example of what is asked (X처럼, X 같은 …);
- **relations**: cue words for the graph's relations (시행하는 → 시행주체, 소속 → 상위 조직),
  from the small table ``RELATION_CUES``;
- **years**: 2024년, '24; and years relative to the document's (올해, 작년, 전년도 …);
- **quoted**: text in quotes, to match as written ('기본경비', '직접수행');
- **intents**: ``support`` (projects, or the organisations running them, that carry out a
  strategy or theme of the brief: needs a project answer type and a strategy named, or a theme
  named and a support cue from ``SUPPORT_CUES``; an organisation answer type and a cue),
  ``relation`` (things linked to a named entity of another type), ``brief`` (the brief's
  argument: its strategies, programmes, problems, phases or passages), else ``lookup``.

Search (``kg.search.rank``) and exact answers read the same analysis. Every cue comes from the
ontology, the glossary or a table below; none from evaluation questions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.lang.keys import key, longest_matches

PROJECT_TYPES = frozenset({"SubProject", "UnitProject"})
ORG_TYPES = frozenset({"Department", "Team", "ImplementingBody"})
BRIEF_TYPES = frozenset({"Strategy", "Programme", "ProgrammeArea", "Problem", "Phase"})

# verb/noun stems that say "carries out / serves" between a project and a strategy or theme
SUPPORT_CUES = frozenset({
    "지원", "연계", "기여", "뒷받침", "실현", "부합", "맞", "맞닿", "해당", "이바지", "연결", "활용",
    "구현", "실천", "support", "contribut", "serv", "align", "carri", "fit", "match",
})
# stems that say which relation of the graph a question follows, by the relation's property
RELATION_CUES = {
    "시행": "implementedBy", "수행": "implementedBy", "맡": "implementedBy", "담당": "implementedBy",
    "소속": "partOf", "속하": "partOf", "아래": "partOf", "산하": "partOf",
    "지원형태": "supportForm", "국가": "country", "교류": "partnerRegion", "결연": "partnerRegion",
}
# words that point at the brief's own argument rather than at the plan's entities
BRIEF_CUES = frozenset({
    "브리프", "외교부", "방안", "제안", "이유", "배경", "목적", "까닭", "한계", "기준", "잣대", "필요성", "문제",
    "단계", "brief", "ministri", "reason", "why", "purpos", "propos",
})
# names this long or longer are found with one syllable wrong (shorter ones would match other words)
TYPO_MIN_CHARS = 5
# entities an English question may name through the glossary at most (the most specific readings)
MAX_ENGLISH_MENTIONS = 3
# question words looked up in Kiwi's embeddings at most (each costs a pass over the index words)
MAX_NEAR_LOOKUPS = 8
# conjunctions between coordinated type words (부서와 팀, 사업 및 조직)
_COORDINATION = frozenset({"JC", "MAJ", "SP", "SS", "SO"})
# what follows a name given as an example of what is asked for (…공모전처럼 도민의 제안을 받는 사업)
_EXAMPLE_MARKS = ("처럼", "같은", "같이", "와같은", "과같은", "와같이", "과같이", "등의", "like", "suchas")
# words that may follow the answer type without being the head themselves (사업 목록, 팀 이름은?)
_LIST_WORDS = frozenset({"목록", "리스트", "종류", "이름", "명칭", "무엇", "뭐", "어디", "현황", "전체", "모두", "각각"})
_WH = frozenset({"which", "what", "who", "whom", "where", "list", "name", "show", "find"})
_WH_REACH = 6
_YEAR = re.compile(r"(?<!\d)(?:(20\d\d)\s*년?|'(\d\d)|([1-4]\d)(?=\s*년))(?![\d.])")  # 2024년, '24, 24년(도)
# years said relative to the document's own year (올해 = the plan's year), as offsets
RELATIVE_YEARS = {"올해": 0, "금년": 0, "금년도": 0, "작년": -1, "지난해": -1, "전년": -1, "전년도": -1, "내년": 1, "이듬해": 1}
# text the asker quotes: a name part or a value to match as written ('기본경비', “직접수행”)
_QUOTED = re.compile(r"['‘\"“「『](?!\d\d\s*년)([^'’\"”」』]{1,60})['’\"”」』]")  # not '25년 (a year)


@dataclass(frozen=True)
class Term:
    """A word the lexical index is asked for, with its weight and where it came from."""

    text: str
    weight: float
    # question | example (only in a name given as an example) | glossary | similar | scope (names
    # the government whose plans the build holds: whose the entities are, not what they are about)
    source: str


@dataclass(frozen=True)
class Mention:
    """An entity of the graph named in the question."""

    iri: str
    type: str
    name: str  # the name as matched (white space removed, lower case)
    start: int  # offset in the white-space-free question
    coverage: float  # share of the question's characters the name covers
    example: bool = False  # named as an example of what is asked (X처럼, X 같은): not its neighbours


@dataclass(frozen=True)
class QueryAnalysis:
    query: str
    terms: tuple[Term, ...]
    answer_types: frozenset[str]
    type_words: tuple[str, ...]
    mentions: tuple[Mention, ...]
    relations: tuple[str, ...]
    years: tuple[int, ...]
    intents: frozenset[str]
    relative_years: tuple[int, ...] = ()  # 올해 0, 작년 −1 …: offsets from the document's year
    quoted: tuple[str, ...] = ()  # text the question quotes ('기본경비')
    strategies: tuple[str, ...] = ()  # strategies named (support intent)
    themes: tuple[str, ...] = ()  # theme concepts named
    english: bool = False

    @property
    def own_terms(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.terms if t.source == "question")

    def to_json(self) -> dict:
        return {
            "intents": sorted(self.intents),
            "answer_types": sorted(self.answer_types),
            "type_words": list(self.type_words),
            "terms": [{"text": t.text, "weight": round(t.weight, 3), "source": t.source} for t in self.terms],
            "mentions": [{"iri": m.iri, "type": m.type, "name": m.name, "coverage": round(m.coverage, 3), "example": m.example}
                         for m in self.mentions],
            "relations": list(self.relations),
            "years": list(self.years),
            "relative_years": list(self.relative_years),
            "quoted": list(self.quoted),
            "strategies": list(self.strategies),
            "themes": list(self.themes),
            "language": "en" if self.english else "ko",
        }

    def explain(self) -> str:
        """The analysis as a few readable lines (``kg search --explain``)."""
        own = ", ".join(t.text for t in self.terms if t.source == "question") or "-"
        near = ", ".join(f"{t.text}({t.weight:.2f},{t.source})" for t in self.terms if t.source != "question") or "-"
        lines = [
            f"intents:      {', '.join(sorted(self.intents))}",
            f"answer types: {', '.join(sorted(self.answer_types)) or '-'}" + (f"  (from {', '.join(self.type_words)})" if self.type_words else ""),
            f"words:        {own}",
            f"near words:   {near}",
            f"mentions:     {', '.join(f'{m.name} [{m.type}]' + (' (example)' if m.example else '') for m in self.mentions) or '-'}",
            f"relations:    {', '.join(self.relations) or '-'}",
            f"years:        {', '.join(map(str, self.years)) or '-'}",
        ]
        if self.strategies or self.themes:
            lines.append(f"strategies:   {len(self.strategies)} named or reached through {len(self.themes)} theme(s)")
        return "\n".join(lines)


@dataclass
class Lexicon:
    """What the analysis matches a question against, built once from an index.

    ``names`` are (key of a name, iri) longest first; ``synonyms`` are groups of token
    tuples that name one glossary concept; ``vocabulary`` the index's tokens.
    """

    entity_types: dict[str, str]
    names: list[tuple[str, str]]
    type_words: dict[str, frozenset[str]]
    vocabulary: frozenset[str]
    synonyms: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)
    strategy_words: list[tuple[frozenset[str], str]] = field(default_factory=list)
    strategy_under: dict[str, tuple[str, ...]] = field(default_factory=dict)
    theme_names: list[tuple[str, str]] = field(default_factory=list)
    theme_strategies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    english_names: list[tuple[str, tuple[tuple[str, ...], ...]]] = field(default_factory=list)  # (iri, name in English)
    names_by_length: dict[int, tuple[list[str], list[str]]] = field(default_factory=dict)  # for typo matching
    near_forms: list[str] = field(default_factory=list)  # index words with a Kiwi embedding …
    near_ids: list[int] = field(default_factory=list)  # … their morpheme ids …
    near_hubs: list[float] = field(default_factory=list)  # … and hubness (kg.index.texts.near_words)
    scope_words: frozenset[str] = frozenset()  # the government the build's plans belong to (도, 전북)


def analyse(query: str, lexicon: Lexicon, params) -> QueryAnalysis:
    """The analysis of a cleaned question (see ``clean_query``)."""
    from kg.lang import korean

    morphs = korean.kiwi().tokenize(korean._normal(query))
    own = list(korean.query_tokens(query))
    english = sum(1 for m in morphs if m.tag == "SL") > max(1, len(morphs) // 3)
    text = key(query).lower()
    mentions = tuple(
        Mention(iri, lexicon.entity_types[iri], name, start, len(name) / max(1, len(text)),
                example=text.startswith(_EXAMPLE_MARKS, start + len(name)))
        for start, name, iri in longest_matches(text, lexicon.names, every=False)
    )
    mentions += _typo_mentions(text, lexicon, mentions, _word_edges(korean._normal(query), morphs))
    if english:
        mentions += _english_mentions(own, lexicon, {m.iri for m in mentions})
    mentions = tuple({m.iri: m for m in reversed(mentions)}.values())[::-1]  # each entity once, first place
    answer_types, type_words = _answer_types(morphs, lexicon, english, covered_offsets(query, mentions))
    example_only = _example_words(query, [m for m in mentions if m.example], own)
    terms = _terms(query, own, lexicon, params, example_only)
    have = set(own)
    relations = tuple(dict.fromkeys(rel for cue, rel in RELATION_CUES.items() if cue in have))
    years = tuple(dict.fromkeys(int(a) if a else 2000 + int(b or c) for a, b, c in _YEAR.findall(query)))
    relative = tuple(dict.fromkeys(RELATIVE_YEARS[m.form] for m in morphs if m.form in RELATIVE_YEARS))
    quoted = tuple(dict.fromkeys(q.strip() for q in _QUOTED.findall(query) if q.strip()))

    strategies, themes = _strategies(text, have, mentions, lexicon, params)
    intents = set()
    # projects asked for with a strategy named are those that carry it out; a theme word alone
    # (외국인, 교류 …) is in many questions, so it takes a support cue too, and so do organisations
    # (…지원하는 부서), whose class word is also in many names (협업조직)
    cue = bool(have & SUPPORT_CUES)
    if strategies and ((answer_types & PROJECT_TYPES and (cue or not themes)) or (answer_types & ORG_TYPES and cue)):
        intents.add("support")
    named = [m for m in mentions if not m.example]
    if any(m.type not in answer_types for m in named) and answer_types and (relations or not intents):
        if any(m.type not in BRIEF_TYPES | {"Passage", "Section"} for m in named):
            intents.add("relation")
    if not answer_types & PROJECT_TYPES and (answer_types & (BRIEF_TYPES | {"Passage"}) or have & BRIEF_CUES):
        intents.add("brief")
    if not intents:
        intents.add("lookup")
    return QueryAnalysis(
        query=query, terms=terms, answer_types=frozenset(answer_types), type_words=tuple(type_words),
        mentions=mentions, relations=relations, years=years, intents=frozenset(intents),
        relative_years=relative, quoted=quoted,
        strategies=tuple(sorted(strategies)) if "support" in intents else (),
        themes=tuple(sorted(themes)) if "support" in intents else (), english=english,
    )


def _word_edges(normal: str, morphs) -> tuple[set[int], set[int]]:
    """Where Kiwi's morphemes start and end, as offsets in the white-space-free question."""
    at, offsets = 0, []
    for c in normal:
        offsets.append(at)
        if not c.isspace():
            at += 1
    offsets.append(at)
    starts = {offsets[m.start] for m in morphs if m.start < len(offsets)}
    ends = {offsets[min(len(offsets) - 1, m.start + m.len)] for m in morphs}
    return starts, ends


def _typo_mentions(text: str, lexicon: Lexicon, exact, edges=None) -> tuple[Mention, ...]:
    """Entities named with one syllable wrong (전북애향본뷰 → 전북애향본부): a stretch of the question
    as long as a name of ``TYPO_MIN_CHARS`` or more, one substitution away from it (Levenshtein,
    rapidfuzz), where no name is matched exactly, starting and ending where Kiwi's morphemes do
    (so 고향사랑기부 박람회 does not name 고향사랑기부팀 by its first syllables)."""
    if not lexicon.names_by_length:
        return ()
    starts_ok, ends_ok = edges if edges is not None else (set(range(len(text) + 1)), set(range(len(text) + 1)))
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    taken = bytearray(len(text))
    for m in exact:
        if m.start >= 0:
            taken[m.start : m.start + len(m.name)] = b"\x01" * len(m.name)
    known = {m.iri for m in exact}
    found = []
    for length, (names, iris) in lexicon.names_by_length.items():
        starts = [i for i in range(len(text) - length + 1)
                  if i in starts_ok and i + length in ends_ok and not any(taken[i : i + length])]
        if not starts:
            continue
        windows = [text[i : i + length] for i in starts]
        dist = process.cdist(windows, names, scorer=Levenshtein.distance, score_cutoff=1, dtype=np.int32)
        for w, n in zip(*np.nonzero(dist == 1)):
            iri = iris[n]
            if iri not in known:
                known.add(iri)
                found.append(Mention(iri, lexicon.entity_types[iri], names[n], starts[w], length / max(1, len(text))))
    return tuple(found)


def _english_mentions(own: list[str], lexicon: Lexicon, known: set[str]) -> tuple[Mention, ...]:
    """Entities an English question names in English: it has a word of every glossary concept of
    one of the entity's Korean names (Communication Planning Division → 소통기획과). Only the
    names using the most concepts are kept: the most specific reading."""
    have = set(own)
    found = []
    for iri, name in lexicon.english_names:
        if iri not in known and all(have & set(group) for group in name):
            used = {w for group in name for w in group if w in have}
            found.append((len(name), len(used), iri, name))
    if not found:
        return ()
    most = max(n for n, *_ in found)
    return tuple(
        Mention(iri, lexicon.entity_types[iri], " ".join(sorted({w for g in name for w in g if w in have})), -1,
                used / max(1, len(own)))
        for n, used, iri, name in sorted(found, key=lambda x: (-x[0], -x[1], x[2])) if n == most
    )[:MAX_ENGLISH_MENTIONS]


def _span(query: str, m: Mention) -> tuple[int, int] | None:
    """Where a mention's name stands in ``query`` (its offsets are in the white-space-free
    question); None for a name read in English, which has no span."""
    where = [i for i, c in enumerate(query) if not c.isspace()]
    end = min(len(where), m.start + len(m.name))
    if m.start < 0 or m.start >= end:
        return None
    return where[m.start], where[end - 1] + 1


def covered_offsets(query: str, mentions) -> set[int]:
    """Offsets of ``query`` inside the names of the entities it mentions."""
    out: set[int] = set()
    for m in mentions:
        span = _span(query, m)
        if span:
            out |= set(range(*span))
    return out


def _answer_types(morphs, lexicon: Lexicon, english: bool, named: set[int] = frozenset()) -> tuple[set[str], list[str]]:
    """The head type word of the question and those coordinated with it.

    Korean: the last type word that heads the question's final noun phrase — after it only
    particles, endings, predicates and list words (목록, 무엇 …) may follow ("…분야로 평가되는
    까닭" asks for a reason, not a 분야). English: a type word within a few words after a
    question word (Which project …, What are the performance indicators …). A type word inside
    an entity's name (협업조직, 대외협력팀) names that entity, not what is asked."""
    from kg.lang import english as en

    spots = []  # (index in morphs, word, types)
    for i, m in enumerate(morphs):
        form = en.word(m.form) if m.tag == "SL" else m.form
        types = lexicon.type_words.get(form)
        if types and (len(form) >= 2 or m.tag == "NNG") and m.start not in named:
            if i > 0:  # 세부사업, 성과 지표: the two words name one class, not all the head names
                prev = morphs[i - 1]
                both = (en.word(prev.form) if prev.tag == "SL" else prev.form) + form
                if both in lexicon.type_words:
                    form, types = both, lexicon.type_words[both]
            spots.append((i, form, types))
    if not spots:
        return set(), []
    if english:
        wh = [i for i, m in enumerate(morphs) if m.tag == "SL" and m.form.lower() in _WH]
        picked = [sp for sp in spots if any(0 < sp[0] - w <= _WH_REACH for w in wh)][:1]
        return (set(picked[0][2]), [picked[0][1]]) if picked else (set(), [])
    heads = [sp for sp in spots if _heads_the_end(morphs, sp[0])]
    if not heads:
        return set(), []
    picked = [heads[-1]]
    for prev in reversed([sp for sp in spots if sp[0] < picked[0][0]]):
        between = morphs[prev[0] + 1 : picked[-1][0]]
        if between and all(m.tag in _COORDINATION or m.form in ("및", "과", "와", "이나", "나") for m in between):
            picked.append(prev)
        else:
            break
    out: set[str] = set()
    for _, _, types in picked:
        out |= types
    return out, [w for _, w, _ in reversed(picked)]


def _heads_the_end(morphs, i: int) -> bool:
    """Whether nothing after ``morphs[i]`` but function words, predicates and list words follows."""
    rest = morphs[i + 1 :]
    for j, m in enumerate(rest):
        if m.tag.startswith(("NNG", "NNP", "SL", "SH")) and m.form not in _LIST_WORDS:
            nxt = rest[j + 1].tag if j + 1 < len(rest) else ""
            if not nxt.startswith(("XSV", "XSA", "VCP")):  # 연결되나, 필요한가: a predicate
                return False
    return True


def _example_words(query: str, examples, own: list[str]) -> set[str]:
    """Words of the question that occur only inside names given as examples (X처럼 …)."""
    if not examples:
        return set()
    from kg.lang import korean

    rest = query
    for a, b in sorted((span for span in map(lambda m: _span(query, m), examples) if span), reverse=True):
        rest = rest[:a] + " " + rest[b:]
    return set(own) - set(korean.tokens(rest))


def _terms(query: str, own: list[str], lexicon: Lexicon, params, example_only: set[str] = frozenset()) -> tuple[Term, ...]:
    """The question's own words, then near words the index knows, each weighted below 1; a word
    only in an example's name counts like a near word (the example is not what is asked)."""
    from kg.lang import korean

    terms = {t: Term(t, params.expansion_weight if t in example_only else 1.0, "example" if t in example_only else "question")
             for t in own}
    have = set(own)
    for group in lexicon.synonyms:
        used = [label for label in group if label and set(label) <= have]
        if not used:
            continue
        # the question's word the documents never use can only be met through its synonyms
        absent = all(t not in lexicon.vocabulary for label in used for t in label)
        weight = params.absent_expansion_weight if absent else params.expansion_weight
        for label in group:
            for t in label:
                if len(t) >= 2 and t in lexicon.vocabulary and (t not in terms or terms[t].weight < weight) and t not in have:
                    terms[t] = Term(t, weight, "glossary")
    if params.similar_top > 0 and lexicon.near_ids:
        missing = [(f, m) for f, m in korean.content_morphemes(query) if f not in lexicon.vocabulary and len(f) >= 2]
        for form, mid in list(dict.fromkeys(missing))[:MAX_NEAR_LOOKUPS]:
            for other, cos in _near(mid, lexicon, params):
                if other not in terms:
                    terms[other] = Term(other, params.expansion_weight * cos, "similar")
    for t, term in terms.items():
        if t in lexicon.scope_words:
            terms[t] = Term(t, min(term.weight, params.scope_weight), "scope")
    return tuple(terms.values())


def _near(mid: int, lexicon: Lexicon, params) -> list[tuple[str, float]]:
    """The index words nearest to morpheme ``mid`` by Kiwi's embeddings, hubness-corrected
    (CSLS: 2·cos − hub(word) − hub(question word)), at least ``similar_min``, best first."""
    from kg.lang import korean

    sims = korean.similarities(mid, lexicon.near_ids)
    best = sorted(sims, reverse=True)[:10]
    hub_q = sum(best) / len(best) if best else 0.0
    scored = [(2 * c - h - hub_q, w, c) for w, c, h in zip(lexicon.near_forms, sims, lexicon.near_hubs) if c > 0]
    scored.sort(reverse=True)
    return [(w, c) for csls, w, c in scored[: params.similar_top] if csls >= params.similar_min]


def _strategies(text: str, have: set[str], mentions, lexicon: Lexicon, params) -> tuple[set[str], set[str]]:
    """Strategies the question names — verbatim, or most words of a name in any form
    (협업조직을 활용하는 → 협업조직 활용) — and the strategies under them; failing that, the
    strategies of the themes it names (국민외교, 공공외교 …)."""
    named = {m.iri for m in mentions if m.iri in lexicon.strategy_under}
    named |= {s for words, s in lexicon.strategy_words if len(words & have) >= params.strategy_name_share * len(words)}
    under = lexicon.strategy_under
    # the most specific names win: a strategy whose name is inside another's is dropped
    named = {s for s in named if not any(s != o and s in under.get(o, ()) and o in named for o in named)} or named
    strategies: set[str] = set()
    for s in named:
        strategies |= set(under.get(s, (s,)))
    themes: set[str] = set()
    if not named:
        for _, _, theme in longest_matches(text, lexicon.theme_names):
            themes.add(theme)
            for s in lexicon.theme_strategies.get(theme, ()):
                strategies |= set(under.get(s, (s,)))
    return strategies, themes
