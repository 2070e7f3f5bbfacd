"""A question → a ``Frame``, or the reason it cannot be answered exactly.

It reads the shared query analysis (``kg.search.analysis``: entity mentions, answer types,
years, quoted text) and adds what exact answers need, each from a small table below: the
figure asked for (예산, 결산, 정원, 목표 …), the operation (합계, 평균, 가장 큰, 상위 N, 몇 개,
증감, 증감률, 구성비), conditions (지원형태, 지원조건, 사업명에 X, amounts with units, 새로 잡힌,
줄어든) and the precision asked. A question is answered only when every noun in it is accounted
for (a name of the graph, a class word, a cue of these tables or a word about tables); any other
noun may be a condition we cannot apply, so the answer would be a guess, and there is none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.ask.frame import SUBJECT_KO, Figure, Filter, Frame
from kg.ask.templates import PATHS
from kg.lang.keys import key
from kg.search.analysis import QueryAnalysis, covered_offsets

SUBJECTS = ("SubProject", "UnitProject", "Department", "Bureau", "Team", "PerformanceIndicator")
CONTAINERS = ("Bureau", "Department", "UnitProject")
# the figure a word asks for
MEASURE_WORDS = {
    "예산": "budget", "예산액": "budget", "금액": "budget", "편성액": "budget", "결산": "budget", "결산액": "budget",
    "정원": "staff_quota", "현원": "staff_current",
    "목표": "indicator_target", "목표치": "indicator_target", "목표값": "indicator_target",
    "실적": "indicator_actual", "실적치": "indicator_actual", "가중치": "weight",
}
SETTLEMENT_WORDS = ("결산",)
# what a budget-table (예산현황) line is called
BUDGET_LINE_CATEGORIES = ("정책사업", "행정운영경비", "인력운영비", "재무활동")
# nouns that talk about tables, ranks, years and units: accounted for without a table of their own
TABLE_WORDS = frozenset({
    "합계", "합", "총액", "총합", "합산", "평균", "개수", "수", "몇", "가장", "제일", "최대", "최소", "최고", "최저",
    "상위", "하위", "순", "순서", "증감", "증가", "감소", "증가율", "감소율", "증감률", "증감율", "증가액", "감소액", "증감액",
    "변동", "변화", "차이", "비중", "구성비", "비율", "대비", "기준", "이상", "이하", "초과", "미만", "전체", "모두", "전부",
    "중", "가운데", "것", "곳", "개", "건", "명", "회", "년", "연도", "해", "사이", "얼마", "무엇", "뭐", "자리", "소수", "소수점",
    "첫째", "둘째", "셋째", "새로", "신규", "각", "별", "목록", "현황", "직제", "계단위", "단위", "국", "원", "억", "억원",
    "천만원", "백만원", "만원", "퍼센트", "도", "전북", "전북도", "전라북도", "연간", "올해", "금년", "작년", "지난해", "전년",
    "전년도", "내년", "개요", "표", "표시", "이름", "사업명", "명칭", "지원형태", "형태", "지원조건", "조건", "유형", "시행주체",
    "주체", "값", "액", "들", "분담", "국비", "도비", "시군비", "율", "률", "차지", "몫", "인원",
    # relation cues (…가 시행하는 세부사업): the relation is read from the entity named
    "시행", "수행", "담당", "소속", "산하", "방식", "나열", "정렬", "어느", "어떤",
})
# 부서별, 단위사업별, 국별: one row per member of that class
_GROUP = re.compile(r"(부서|단위사업|국)\s*별")
_GROUP_CLASS = {"부서": "Department", "단위사업": "UnitProject", "국": "Bureau"}
_COUNT = re.compile(r"몇\s*(?:개|곳|건|가지)|개수|건수|\s수(?:는|가|를)?\s*[?？]?\s*$")
_SUM = re.compile(r"합계|총액|총합|합산|합하|합치|더하|(?:모두|전부|다|총)\s*(?:합|얼마)")
_AVG = re.compile(r"평균")
_SHARE = re.compile(r"차지|비중|구성비|(?:의|에서|중)\s*몇\s*(?:%|퍼센트)")
_RATE = re.compile(r"(?:증가|감소|증감|변동|변화|상승|하락)\s*[율률]|%|퍼센트")
_CHANGE = re.compile(r"증감|증가|감소|늘|줄|변하|변했|변동|변화|차이|보다\s*(?:몇\s*\S+\s*)?(?:더\s*)?(?:많|적)")
_DECREASE = re.compile(r"감소|줄|하락")
_BIG = re.compile(r"(?:가장|제일)\s*(?:많이\s*)?(?:크|큰|많|높|늘)|최대|최고|상위|큰\s*순|많은\s*순|높은\s*순")
_SMALL = re.compile(r"(?:가장|제일)\s*(?:적|작|낮)|최소|최저|하위|적은\s*순|작은\s*순|낮은\s*순")
_ORDERED = re.compile(r"(?:큰|많은|높은|작은|적은|낮은)\s*(?:순서|순)\s*(?:으로|서로|대로)?\s*(?:나열|정렬|보여|늘어놓|줄\s*세)")
_TOP_N = re.compile(r"(?:(상위|하위)\s*(\d+)\s*(?:개|곳|건)?|(\d+)\s*(?:개|곳|건)\s*(?:는|은|를|을|만)?\s*(?:\?|$|\(|까지))")
_AMOUNT = re.compile(
    r"(\d[\d,]*(?:\.\d+)?)\s*(억\s*원?|천만\s*원?|백만\s*원?|만\s*원?|원)?\s*(?:\([^)]*\)\s*)?"
    r"(이상|초과|이하|미만|넘는|넘은|보다\s*(?:많|큰|적|작)|인(?=\s))")
_UNIT_SCALE = {"억": 100.0, "천만": 10.0, "백만": 1.0, "만": 0.01, "원": 1e-6}  # → 백만원, the graph's unit
_DIGITS = re.compile(r"소수\s*(?:점\s*)?(?:이하\s*)?(첫째|둘째|셋째|\d)\s*자리")
_NEW = re.compile(r"새로|신규|없다가|없던")
_CONDITION = re.compile(r"지원\s*조건에\s*(\S+)")
_NAME_HAS = re.compile(r"(?:사업명|이름|명칭)에\s*([^'‘\"“\s]+?)(?:이|가)\s*(?:들어간|포함된|붙은|있는)")


@dataclass(frozen=True)
class Vocabulary:
    """What of the graph the reading needs, read once (``kg.ask.answer.vocabulary``)."""

    plan_year: int
    budget_years: frozenset[tuple[int, str]]  # (year, Budget | Settlement) with figures
    indicator_years: frozenset[tuple[str, int]]  # (indicator_target | indicator_actual, year)
    support_forms: dict[str, tuple[str, str]]  # key of a label → (IRI, Korean label)
    indicator_types: dict[str, tuple[str, str]]
    labels: dict[str, str]  # IRI → label, for the entities a question may name
    types: dict[str, str]  # IRI → class
    names: dict[str, tuple[str, ...]]  # key of a name → the IRIs with that name
    type_words: dict[str, frozenset[str]]  # class words of the index (사업, 세부사업, 부서, 팀, 지표 …)


class NotAnswerable(Exception):
    """The question cannot be answered exactly: ``reason`` says why in one Korean line;
    ``missing`` is True when it asks for what the documents do not contain."""

    def __init__(self, reason: str, missing: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


def read(question: str, analysis: QueryAnalysis, vocab: Vocabulary, morphs) -> Frame:
    """The frame of ``question``; raises ``NotAnswerable``."""
    text = question
    accounted: set[int] = set(covered_offsets(text, analysis.mentions))
    for m in re.finditer(r"['‘\"“「『][^'’\"”」』]{1,60}['’\"”」』]", text):
        accounted |= set(range(m.start(), m.end()))
    forms = [m.form for m in morphs]

    # ---- the figure
    flat = key(text)
    measure = next((MEASURE_WORDS[w] for w in sorted(MEASURE_WORDS, key=len, reverse=True) if w in flat), None)
    category = next((c for c in BUDGET_LINE_CATEGORIES if c in key(text)), None)
    count = bool(_COUNT.search(text))
    share = bool(_SHARE.search(text))
    rate = bool(_RATE.search(text)) and not share
    change = rate or bool(_CHANGE.search(text))
    new = bool(_NEW.search(text)) and measure == "budget"

    # ---- entities named
    named = [m for m in analysis.mentions if not m.example]
    target = None
    filters: list[Filter] = []
    share_of = None
    if share and len(named) == 2:  # A는 B의 몇 %, A가 B에서 차지하는: the part, then the whole
        part, whole = (vocab.names.get(m.name, (m.iri,)) for m in named)
        target = next((i for i in part if vocab.types.get(i) in SUBJECTS), None)
        whole_iri = next((i for i in whole if vocab.types.get(i) in ("Department", "Bureau", "UnitProject")), None)
        if target is None or whole_iri is None:
            raise NotAnswerable("구성비는 사업이 단위사업이나 부서·국의 예산에서 차지하는 몫으로 계산합니다")
        whole_type = vocab.types[whole_iri]
        share_of = (whole_iri, vocab.labels[whole_iri], (category or "계") if whole_type != "UnitProject" else "")
        subject, named = vocab.types[target], []
    else:
        subject = _subject(text, morphs, analysis, vocab, count, named)
    _one_subject(text, morphs, analysis, vocab, subject)
    for m in named:
        iris = vocab.names.get(m.name, (m.iri,))
        of_subject = [i for i in iris if vocab.types.get(i) == subject]
        if of_subject and not count:
            target = of_subject[0]
            continue
        container = next((i for i in iris if (vocab.types.get(i), subject) in PATHS), None)
        if container is not None:
            ctype = vocab.types[container]
            filters.append(Filter("in", container, f"{_ko(ctype)}={vocab.labels[container]}", path=PATHS[(ctype, subject)]))
            continue
        body = next((i for i in iris if vocab.types.get(i) == "ImplementingBody"), None)
        if body is not None and subject in ("SubProject", "UnitProject"):
            filters.append(Filter("implemented_by", body, f"시행주체={vocab.labels[body]}"))
            continue
        label = vocab.labels.get(m.iri, m.name)
        kinds = {vocab.types.get(i) for i in iris}
        if measure is not None and not kinds & (set(SUBJECTS) | {"ImplementingBody"}):  # a region, a brief's entity …
            raise NotAnswerable(f"{label}에 대한 {_measure_ko(measure)} 자료는 문서에 없습니다", missing=True)
        raise NotAnswerable(f"{label}을(를) 조건으로 쓰는 질문은 아직 읽지 못합니다")

    # ---- a number written in one entity's text field (목표치 근거에서 … 몇 회로 잡혀 있나)
    stated = _stated(text, morphs, target, accounted, vocab)
    if stated is not None:
        return Frame(subject=subject, op="stated", figure=None, target=target, target_label=vocab.labels.get(target, ""),
                     stated=stated)

    # ---- conditions
    for q in analysis.quoted:
        k = key(q)
        if k in vocab.support_forms:
            iri, label = vocab.support_forms[k]
            filters.append(Filter("support_form", iri, f"지원형태={label}"))
        elif k in vocab.indicator_types:
            iri, label = vocab.indicator_types[k]
            filters.append(Filter("indicator_type", iri, f"지표유형={label}"))
        else:
            filters.append(Filter("name_contains", k, f"이름에 '{q}' 포함"))
    if not any(f.field == "support_form" for f in filters):
        # a support form by its label: a short one (기타) only where 지원형태 is said
        for k, (iri, label) in vocab.support_forms.items():
            if k in key(text) and (len(k) >= 4 or "지원형태" in key(text)):
                filters.append(Filter("support_form", iri, f"지원형태={label}"))
                accounted |= _offsets_of(text, k)
                break
    if not any(f.field == "indicator_type" for f in filters) and subject == "PerformanceIndicator":
        for k, (iri, label) in vocab.indicator_types.items():
            if (k + "지표") in key(text) or ("유형" in key(text) and k in key(text)):
                filters.append(Filter("indicator_type", iri, f"지표유형={label}"))
                accounted |= _offsets_of(text, k)
                break
    m = _CONDITION.search(text)
    if m:
        word = re.sub(r"(이|가|을|를|은|는)$", "", m.group(1))
        filters.append(Filter("condition_contains", word, f"지원조건에 '{word}' 포함"))
        accounted |= set(range(m.start(), m.end()))
    m = _NAME_HAS.search(text)
    if m and not analysis.quoted:
        filters.append(Filter("name_contains", key(m.group(1)), f"이름에 '{m.group(1)}' 포함"))
        accounted |= set(range(m.start(), m.end()))
    for m in _AMOUNT.finditer(text):
        value = float(m.group(1).replace(",", ""))
        unit = re.sub(r"\s|원$", "", m.group(2) or "")
        value *= _UNIT_SCALE.get(unit or "백만", 1.0) if m.group(2) else 1.0
        word = m.group(3)
        comparator = {"이상": ">=", "초과": ">", "이하": "<=", "미만": "<", "넘는": ">", "넘은": ">", "인": "="}.get(word)
        if comparator is None:
            comparator = ">" if re.search(r"많|큰", word) else "<"
        filters.append(Filter("amount", value, f"값 {comparator} {value:g}", comparator=comparator))
        accounted |= set(range(m.start(), m.end()))
        break

    if measure is None and not count and not filters:
        raise NotAnswerable("수치(예산, 결산, 정원·현원, 성과지표 목표·실적·가중치)나 개수를 묻는 질문으로 읽지 못했습니다")

    # ---- years and figures
    years = sorted(set(analysis.years) | {vocab.plan_year + d for d in analysis.relative_years})
    fig_measure = measure or ("budget" if any(f.field == "amount" for f in filters) else None)
    group = _GROUP_CLASS[g.group(1)] if (g := _GROUP.search(text)) else None
    if group == subject:
        group = None  # 부서별 예산 of departments: one row each already
    if group is not None and (group, subject) not in PATHS:
        raise NotAnswerable(f"{SUBJECT_KO[subject]}을(를) {SUBJECT_KO[group]}별로 묶을 수 없습니다")
    if fig_measure == "budget" and subject in ("Department", "Bureau") and group is None:
        # a department's own budget is its budget table (예산현황): 계, or the line named
        fig_measure, category = "budget_line", category or "계"
    if fig_measure in ("staff_quota", "staff_current") and change:
        figure, base = Figure("staff_current"), Figure("staff_quota")
        if "정원" in forms and "현원" in forms and forms.index("정원") < forms.index("현원"):
            pass  # 정원 대비 현원, 현원은 정원보다: the difference is 현원 − 정원 either way
        by = "change"
    else:
        by = "rate" if rate else ("change" if change and fig_measure else "value")
        figure = base = None
        if fig_measure is not None:
            wants_base = by in ("change", "rate") or new
            if wants_base:
                if len(years) >= 2:
                    y0, y1 = years[0], years[-1]
                elif len(years) == 1:
                    y0, y1 = (years[0], vocab.plan_year) if years[0] < vocab.plan_year and re.search(rf"{years[0]}\s*년?\s*(?:결산\S*\s*|예산\S*\s*)?(?:대비|보다|에서)", text) else (years[0] - 1, years[0])
                else:
                    y0, y1 = vocab.plan_year - 1, vocab.plan_year
                base = _figure(fig_measure, y0, text, vocab, category)
                figure = _figure(fig_measure, y1, text, vocab, category)
            else:
                y = years[-1] if years else None
                figure = _figure(fig_measure, y, text, vocab, category)
        if new:
            filters.append(Filter("new", None, f"{base.year}년 0 → {figure.year}년 편성"))
            by = "value"
        elif by == "change" and not (_BIG.search(text) or _SMALL.search(text) or _TOP_N.search(text)) and target is None:
            decrease = bool(_DECREASE.search(text))
            filters.append(Filter("decreased" if decrease else "increased", None, "감소" if decrease else "증가"))
            by = "value"

    # ---- the operation
    n = None
    top = _TOP_N.search(text)
    big, small = bool(_BIG.search(text)), bool(_SMALL.search(text))
    decrease = bool(_DECREASE.search(text)) and by in ("change", "rate")
    if count:
        op = "count"
    elif share:
        if target is None or share_of is None:
            raise NotAnswerable("구성비는 한 사업이 부서 예산현황(정책사업 등)에서 차지하는 몫으로만 계산합니다")
        op = "share"
    elif _SUM.search(text):
        op = "sum"
    elif _AVG.search(text):
        op = "avg"
    elif _ORDERED.search(text) and not top:
        op = "list"  # 큰 순서로 나열: every row, in that order
    elif top:
        op, n = "top", int(top.group(2) or top.group(3))
        small = small or top.group(1) == "하위"
    elif big or small:
        op = "max" if big else "min"
    elif target is not None:
        op = "value"
    else:
        op = "list"
    if group is not None and op in ("list", "value"):
        op = "sum" if figure is not None else "count"
    if op == "list" and not filters and not (figure is not None and re.search(r"별", text)):
        raise NotAnswerable("조건 없이 모든 항목을 나열하는 질문은 검색 결과로 답합니다")
    order = "asc" if small else "desc"
    if decrease and (big or top) and not small:
        order = "asc"  # 감소율이 가장 큰 = the most negative change
    if op == "min":
        op, order = "max", ("desc" if decrease else "asc")
    if figure is None and op not in ("count", "list"):
        raise NotAnswerable("무엇의 값을 묻는지(예산, 결산, 정원, 목표 …) 읽지 못했습니다")
    if op in ("value", "share") and target is None:
        raise NotAnswerable("어느 사업·부서·지표의 값인지 읽지 못했습니다")

    # ---- every noun accounted for
    for y in re.finditer(r"(?<!\d)(?:20\d\d|'\d\d)\s*년?", text):
        accounted |= set(range(y.start(), y.end()))
    unknown = _unknown(text, morphs, accounted, vocab)
    if unknown:
        words = ", ".join(dict.fromkeys(unknown))
        raise NotAnswerable(f"이해하지 못한 말이 있습니다: {words}", missing=False)

    d = _DIGITS.search(text)
    digits = {"첫째": 1, "둘째": 2, "셋째": 3}.get(d.group(1), int(d.group(1)) if d and d.group(1).isdigit() else None) if d else None
    notes = []
    if figure is not None and figure.year is not None and not years and figure.measure in ("budget", "budget_line", "indicator_target", "indicator_actual"):
        notes.append(f"연도를 문서의 해({figure.year}년)로 읽음")
    return Frame(
        subject=subject, op=op, figure=figure, base=base, filters=tuple(filters), target=target,
        target_label=vocab.labels.get(target, "") if target else "", by=by if figure is not None else "value",
        order=order, n=n, digits=digits, share_of=share_of, notes=tuple(notes), group=group,
    )


def _subject(text, morphs, analysis: QueryAnalysis, vocab: Vocabulary, count: bool, named) -> str:
    """The class asked about: before 몇 개 the last class word; else the question's head
    (사업 → 세부사업 unless 단위사업 was said); else the last class word; else the class of the one
    entity named."""
    lexicon_types = analysis.answer_types
    # class words of the subjects only, and not inside a budget-table word (정책사업 is no 사업)
    inside = set()
    for c in BUDGET_LINE_CATEGORIES:
        inside |= _offsets_of(text, c)
    for g in _GROUP.finditer(text):  # 부서별 …: the class grouped by is not the one counted or summed
        inside |= set(range(g.start(), g.end()))
    spots = [(start, types) for start, types in _type_spots(text, morphs, analysis, vocab)
             if set(types) & set(SUBJECTS) and start not in inside]
    if count:
        at = next((m.start for m in morphs if m.form == "몇" or m.form.startswith("개수")), len(text))
        before = [types for start, types in spots if start < at]
        if before:
            return _one(before[-1], spots)
    if lexicon_types & set(SUBJECTS) and spots:
        return _one(lexicon_types, spots)
    if spots:
        return _one(spots[-1][1], spots)
    g = _GROUP.search(text)
    if g:  # 부서별 정원: the departments themselves, one row each
        return _GROUP_CLASS[g.group(1)]
    for m in named:
        for iri in vocab.names.get(m.name, (m.iri,)):
            if vocab.types.get(iri) in SUBJECTS:
                return vocab.types[iri]
    raise NotAnswerable("무엇(세부사업, 단위사업, 부서, 팀, 성과지표)을 묻는지 읽지 못했습니다")


_FIELDS = {"근거": "kg:rationale", "산출근거": "kg:rationale", "목표치근거": "kg:rationale", "지원조건": "kg:supportCondition"}
_ASKED_UNIT = re.compile(r"몇\s*(회|명|건|개|곳|번|%|퍼센트)")


def _stated(text, morphs, target, accounted: set[int], vocab: Vocabulary):
    """(property, words, unit) when the question asks for a number written in a text field of the
    one entity it names: its field word (근거, 지원조건), a unit asked for (몇 회), and the words of
    the item that are not a name or a table word."""
    flat = key(text)
    field = next((p for w, p in sorted(_FIELDS.items(), key=lambda x: -len(x[0])) if w in flat), None)
    unit = _ASKED_UNIT.search(text)
    if target is None or field is None or unit is None:
        return None
    words = tuple(m.form for m in morphs if m.tag in ("NNG", "NNP", "SL", "XR") and m.start not in accounted
                  and m.form not in TABLE_WORDS and m.form not in MEASURE_WORDS and m.form not in _FIELDS)
    if len(words) < 2:
        return None
    return field, words, "%" if unit.group(1) == "퍼센트" else unit.group(1)


def _one_subject(text, morphs, analysis, vocab: Vocabulary, subject: str) -> None:
    """Refuse a question with a second subject of another class in a clause of its own
    (예산이 가장 큰 단위사업은 어느 부서 소속인가: a unit first, then its department)."""
    family = {"SubProject", "UnitProject"} if subject in ("SubProject", "UnitProject") else {subject}
    at = {m.start: i for i, m in enumerate(morphs)}
    for start, types in _type_spots(text, morphs, analysis, vocab):
        if not set(types) & set(SUBJECTS) or set(types) & family:
            continue
        i = at.get(start)
        nxt = morphs[i + 1] if i is not None and i + 1 < len(morphs) else None
        if nxt is not None and nxt.tag in ("JX", "JKS"):
            raise NotAnswerable("두 가지(예: 사업과 그 부서)를 차례로 묻는 질문은 아직 한 번에 답하지 못합니다")


def _one(types, spots) -> str:
    types = set(types) & set(SUBJECTS)
    if len(types) == 1:
        return next(iter(types))
    for _, earlier in reversed(spots):  # 세부사업 가운데 … 사업은? → the specific word said before
        t = set(earlier) & types
        if len(t) == 1:
            return next(iter(t))
    if {"SubProject", "UnitProject"} <= types:
        return "SubProject"  # budgets are stated per 세부사업 row
    if not types:
        raise NotAnswerable("무엇(세부사업, 단위사업, 부서, 팀, 성과지표)을 묻는지 읽지 못했습니다")
    return sorted(types)[0]


def _type_spots(text, morphs, analysis, vocab: Vocabulary) -> list[tuple[int, frozenset]]:
    """(offset, classes) of each class word of the question outside the names it mentions."""
    covered = covered_offsets(text, analysis.mentions)
    out = []
    words = vocab.type_words
    for i, m in enumerate(morphs):
        types = words.get(m.form)
        if i > 0 and (morphs[i - 1].form + m.form) in words:
            types = words[morphs[i - 1].form + m.form]
        if types and m.start not in covered and (len(m.form) >= 2 or m.tag == "NNG"):
            out.append((m.start, frozenset(types)))
    return out


def _figure(measure: str, year: int | None, text: str, vocab: Vocabulary, category: str | None) -> Figure:
    if measure in ("budget", "budget_line"):
        year = year or vocab.plan_year
        if measure == "budget_line":
            if year not in (vocab.plan_year, vocab.plan_year - 1):
                raise NotAnswerable(f"{year}년 예산현황은 문서에 없습니다", missing=True)
            return Figure("budget_line", year, None, category)
        stated = _kind_said(year, text)
        kinds = [stated] if stated else ["Budget", "Settlement"]
        for kind in kinds:
            if (year, kind) in vocab.budget_years:
                return Figure("budget", year, kind)
        what = "결산" if stated == "Settlement" else "예산"
        raise NotAnswerable(f"{year}년 {what}은 문서에 없습니다", missing=True)
    if measure in ("indicator_target", "indicator_actual"):
        year = year or vocab.plan_year
        if (measure, year) not in vocab.indicator_years:
            raise NotAnswerable(f"{year}년 {'목표' if measure == 'indicator_target' else '실적'}는 문서에 없습니다", missing=True)
        return Figure(measure, year)
    return Figure(measure)


def _kind_said(year: int, text: str) -> str | None:
    """결산 or 예산 said right after the year (2024년 결산 대비 …), if either."""
    m = re.search(rf"{year}\s*년?\s*(?:도\s*)?(?:의\s*)?(결산|예산)?", text)
    if m and m.group(1):
        return "Settlement" if m.group(1) == "결산" else "Budget"
    if not re.search(r"\d{4}", text) and "결산" in text:
        return "Settlement"
    return None


def _unknown(text, morphs, accounted: set[int], vocab: Vocabulary) -> list[str]:
    words = vocab.type_words
    known = TABLE_WORDS | set(MEASURE_WORDS) | set(words)
    out = []
    for i, m in enumerate(morphs):
        if m.tag not in ("NNG", "NNP", "SL", "SH", "XR"):
            continue
        if m.start in accounted or m.form in known:
            continue
        # a piece of a known compound Kiwi cut (세부 + 사업, 성과 + 지표, 지원 + 형태, 계 + 단위)
        if i + 1 < len(morphs) and m.form + morphs[i + 1].form in known:
            continue
        if i > 0 and morphs[i - 1].form + m.form in known:
            continue
        if any(m.form in c for c in BUDGET_LINE_CATEGORIES):
            continue
        out.append(m.form)
    return out


def _offsets_of(text: str, k: str) -> set[int]:
    """Offsets of ``text`` whose white-space-free reading is ``k`` (the first place)."""
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    flat = "".join(text[i] for i in positions)
    at = flat.find(k)
    return set(positions[at: at + len(k)]) if at >= 0 else set()


def _ko(t: str) -> str:
    return {"Bureau": "국", "Department": "부서", "UnitProject": "단위사업"}.get(t, SUBJECT_KO.get(t, t))


def _measure_ko(measure: str) -> str:
    from kg.ask.frame import MEASURE_KO

    return MEASURE_KO.get(measure, measure)
