"""Every weight and threshold of the ranking, in one typed place.

Each field says what it does and how its value was chosen. Fitted values were chosen with
``kg eval --sweep FIELD=v1,v2,…``: the value best on the odd-numbered development questions is
reported on the even-numbered ones and the other way round (the two-fold gap is printed; over
0.03 means the value fits strings, not questions). Values not fitted are fixed by reasoning,
and say so.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class SearchParams:
    candidates: int = 100
    """Nodes each signal contributes before fusion. Fixed: ten times the results shown."""

    dense_weight: float = 0.0
    """Weight of the dense (embedding) signal, scaled by its best value for the question,
    beside the lexical one (weight 1). Fitted two-fold: 0 on both folds (0.888 → 0.889 odd,
    0.890 → 0.895 even against 0.1). The corpus-built static embedder ranks paraphrases at
    0.30 alone (``kg eval --signals``): it knows few words beyond the documents', so here it
    only adds noise. A pretrained model (``KG_EMBEDDER``) should be refitted."""

    char_weight: float = 0.5
    """Weight of the character 2–3-gram signal (compounds written without spaces, partial
    names, typos), scaled like the others. Fitted two-fold (odd: 1.2, even: 0.5; 0.5 loses
    the odd fold 0.006)."""

    expansion_weight: float = 0.3
    """Weight of the glossary's synonyms of a question word the index has, relative to the word
    itself (1), and of a word said only inside an example's name. Below 1 so that the question's
    own words always count more. Fitted two-fold (both folds: 0.3, after absent words got their
    own weight; 0.2 before)."""

    absent_expansion_weight: float = 0.8
    """The same for the synonyms of a question word the index does not have at all (월세 when the
    documents say 임차료): they stand in for a word that cannot match, so they weigh nearly as
    much as it would. Fitted two-fold: odd 0.8 (→ even 0.879), even 0.4 (→ odd 0.872); 0.8 is
    also best on the worse of the two folds among 0.2–0.8."""

    scope_weight: float = 0.1
    """Weight of a question word that names the government every plan in the build belongs to
    (도, 도청, 전북 in a build of Jeonbuk's plans: ``kg.index.texts.scope_words``), and of its
    synonyms. Such a word says whose the entities are ("도 사업", "전북이 하는"), which every plan
    entity is, not what they are about; at full weight it ranks the texts that happen to write
    "도" above those about the question's topic. Fitted two-fold over 0–1: 0.1 is best on
    both folds (odd 0.902, even 0.918; 1 gave 0.899 and 0.911), 0 within 0.0003, 0.3 loses
    0.001 on each and 0.5 more. Not 0: between two otherwise equal texts the one naming the
    province still comes first."""

    similar_min: float = 0.0
    """Least hubness-corrected score (CSLS: 2·cos − hub(index word) − hub(question word), by
    Kiwi's morpheme embeddings) for an index word to stand in for a question word the index does
    not have (월세 → 관리비, 임차료). Fitted two-fold (odd: 0, even: −0.05; transfer loss
    0.0003). Worth little here: the glossary already has most such words."""

    similar_top: int = 2
    """Most index words taken as near words of one question word. Fitted two-fold (odd: 1,
    even: 3; all within 0.0004)."""

    link_weight: float = 0.5
    """What an entity named in the question gives each node linked to it, divided by
    1 + log(1 + number of such nodes). Fitted two-fold."""

    inherit_share: float = 0.5
    """Share of an entity's link a 세부사업 gets when its 단위사업 is linked to the entity named
    and the question asks for 세부사업 (the unit's partner regions are its sub-projects' too).
    Fitted two-fold."""

    named_boost: float = 1.0
    """Added to an entity the question names and asks for (its name covers at least
    ``name_coverage`` of the question). Fixed: one best lexical match."""

    name_coverage: float = 0.6
    """Share of the question's characters an entity's name must cover for the question to be
    asking for that entity itself. Fixed from the kinds of entity questions."""

    type_boost: float = 3.0
    """Factor for nodes of the type the question asks for (사업 → projects). Fitted two-fold."""

    support_weight: float = 2.0
    """Support intent: a project aligned with a strategy the question names gains this ×
    the alignment's centrality (how much of the project's own purpose the strategy's
    aims are). Fitted two-fold."""

    support_base: float = 0.5
    """Support intent: the share of ``support_weight`` every aligned project gets, whatever its
    centrality (the rest goes by centrality): a question for what supports a strategy asks for
    the supporting projects first, the central ones at the top. Fitted two-fold."""

    strategy_name_share: float = 0.66
    """Share of the words of a strategy's name a question must use to name that strategy
    (협업조직을 활용하는 → 협업조직 활용; 민간 참여 분야를 발굴하자는 → 민간참여가 필요한 분야 적극
    발굴). Fitted two-fold (odd: 0.5–0.66 tie, even: indifferent from 0.5 to 0.9); the largest
    of the best values, two thirds."""

    unit_damping: float = 0.5
    """Support intent: a unit project whose own sub-projects carry the strategy gets this share
    of the support boost, so a 단위사업 does not crowd the list beside its own 세부사업 (it is
    found through them). Fitted two-fold."""

    rollup: float = 0.6
    """A passage that matches passes this share of its score to the entity it describes
    (unless the question asks about the document's argument). Fitted two-fold (both: 0.5–0.6;
    0.8 before the glossary's absent-word weight)."""

    def with_values(self, **values) -> "SearchParams":
        known = {f.name: f.type for f in fields(self)}
        for name in values:
            if name not in known:
                raise ValueError(f"unknown search parameter {name!r}; known: {', '.join(known)}")
        return replace(self, **values)


DEFAULT = SearchParams()
