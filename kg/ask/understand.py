"""A question → a ``Frame``, or the reason it cannot be answered exactly.

It reads the shared query analysis (``kg.search.analysis``: entity mentions, answer types,
years, quoted text) and adds what exact answers need, from the tables of ``kg.ask.cues``: the
figure asked for (예산, 결산, 정원, 목표 …), the operation (합계, 평균, 가장 큰, 상위 N, 몇 개,
증감, 증감률, 구성비, 부서별), conditions (지원형태, 지원조건, 사업명에 X, amounts with units and
ranges, 새로 잡힌, 줄어든, 그대로인) and the precision asked.

A wrong number is worse than none, so a question is answered only when it is read whole: every
noun accounted for (a name of the graph, a class word, a cue, a word about tables), one figure,
one subject, and none of the constructs this reader does not take apart (negations, two
questions in one, a ranking inside a condition …: ``cues.NOT_READ``). Anything else is refused
with its reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.ask import cues
from kg.ask.frame import SUBJECT_KO, Figure, Filter, Frame
from kg.ask.templates import PATHS
from kg.lang.keys import key
from kg.search.analysis import QueryAnalysis, covered_offsets

SUBJECTS = ("SubProject", "UnitProject", "Department", "Bureau", "Team", "PerformanceIndicator")
PROJECTS = ("SubProject", "UnitProject")
MAX_N = 100  # the longest top-N list answered
_QUOTE = re.compile(r"['‘\"“「『](?!\d\d\s*년)[^'’\"”」』]{1,60}['’\"”」』]")  # 'X', not '25년


@dataclass(frozen=True)
class Vocabulary:
    """What of the graph the reading needs, read once (``kg.ask.answer.vocabulary``)."""

    plan_year: int
    budget_years: frozenset[tuple[int, str]]  # (year, Budget | Settlement) with figures
    indicator_years: frozenset[tuple[str, int]]  # (indicator_target | indicator_actual, year)
    support_forms: dict[str, tuple[str, str]]  # key of a label (and of it without a parenthesis) → (IRI, Korean label)
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
    return _Reading(question, analysis, vocab, morphs).frame()


class _Reading:
    """One question being read: its text, morphemes, and the offsets accounted for so far."""

    def __init__(self, text: str, analysis: QueryAnalysis, vocab: Vocabulary, morphs):
        self.text, self.analysis, self.vocab, self.morphs = text, analysis, vocab, morphs
        named = covered_offsets(text, analysis.mentions)
        quoted = {i for m in _QUOTE.finditer(text) for i in range(m.start(), m.end())}
        self.accounted: set[int] = named | quoted
        for y in re.finditer(r"(?<!\d)(?:20\d\d\s*년?|'\d\d\s*년?|[1-4]\d\s*년)\s*도?", text):
            self.accounted |= set(range(y.start(), y.end()))
        # the text with names, what is quoted and a condition's value blanked: cues are read from
        # the rest ('(성인지예산)' or 지원조건이 도비 100%인 hold no 예산 or % of the question; 14개 시군 no count)
        literal = named | quoted
        for cue in (cues.CONDITION, cues.CONDITION_IS):
            for m in cue.finditer(text + " "):
                literal |= set(range(m.start(1), min(m.end(1), len(text))))
        masked = "".join(" " if i in literal else ch for i, ch in enumerate(text))
        for m in cues.NUMERAL.finditer(masked):  # 세 개 → 3 개, the same length
            digits = str(cues.NUMERALS[m.group(1)])
            masked = masked[:m.start()] + digits.ljust(len(m.group(1))) + masked[m.end():]
        self.masked = masked
        self.flat = key(self.masked)  # cues are read from the masked text
        self.filters: list[Filter] = []
        self.notes: list[str] = []
        self.per_row = False  # 부서별 … of departments: one row each, whatever the operation word

    # ------------------------------------------------------------------ the whole reading

    def frame(self) -> Frame:
        text = self.masked
        allowed = set()  # 없다가 (새로 잡힌), 변동이 없는 (그대로인): read as conditions of their own
        for cue in (cues.NEW, cues.UNCHANGED):
            for m in cue.finditer(text):
                allowed |= set(range(m.start(), m.end()))
        for pattern, reason in cues.NOT_READ:
            for m in pattern.finditer(text):
                if m.start() not in allowed:
                    raise NotAnswerable(reason)
        measures = self._measures()
        measure = measures[0] if measures else None
        category = next((c for c in cues.BUDGET_LINE_CATEGORIES if c in self.flat), None)
        count = bool(cues.COUNT.search(text))
        share = bool(cues.SHARE.search(text))
        rate = bool(cues.RATE.search(text)) and not share
        unchanged = bool(cues.UNCHANGED.search(text))
        change = rate or unchanged or bool(cues.CHANGE.search(text)) or measures == ["staff_current", "staff_quota"]
        new = bool(cues.NEW.search(text))
        if (new or unchanged or rate or category or cues.DIRECTION.search(text) or cues.CHANGE_AMOUNT.search(text)) and measure is None:
            measure = "budget"  # 신규 세부사업, 그대로인 사업, 오른 사업: of the budget

        subject, targets, share_of = self._entities(count, share, category, measure)
        if measure in ("weight", "indicator_target", "indicator_actual") and subject != "PerformanceIndicator":
            raise NotAnswerable(f"{_measure_ko(measure)}는 성과지표마다 적혀 있습니다: {SUBJECT_KO[subject]}의 {_measure_ko(measure)}는 답하지 못합니다")
        if measure in ("budget",) and subject in ("Team", "PerformanceIndicator"):
            raise NotAnswerable(f"예산은 사업과 부서·국에 적혀 있습니다: {SUBJECT_KO[subject]}의 예산은 문서에 없습니다", missing=True)
        if category == "기본경비" and subject in PROJECTS:
            # 기본경비 세부사업: the rows whose names say so (…업무 추진 기본경비), not the budget-table line
            self.filters.append(Filter("name_contains", "기본경비", "이름에 '기본경비' 포함"))
            self.accounted |= _offsets_of(text, "기본경비")
            category = None
        self._one_subject(subject)
        stated = self._stated(targets)
        if stated is not None:
            return Frame(subject=subject, op="stated", figure=None, targets=(targets[0],),
                         target_label=self.vocab.labels.get(targets[0], ""), stated=stated)
        self._conditions(subject)
        amounts = cues.amounts(text)
        for a in amounts:
            self.filters.append(Filter("amount", a.value, f"값 {a.comparator} {a.value:g}", comparator=a.comparator))
            self.accounted |= set(range(a.start, a.end))
        if measure is None and not count and not self.filters:
            raise NotAnswerable("수치(예산, 결산, 정원·현원, 성과지표 목표·실적·가중치)나 개수를 묻는 질문으로 읽지 못했습니다")

        group = self._group(subject)
        years, stated_years = self._years()
        fig_measure = measure or ("budget" if amounts else None)
        if fig_measure == "budget" and subject in ("Department", "Bureau") and group is None:
            # a department's own budget is its budget table (예산현황): 계, or the line named
            fig_measure, category = "budget_line", category or "계"
        figure, base, by = self._figures(fig_measure, category, change, rate, new, years, stated_years, subject)
        if amounts and by != "value":
            raise NotAnswerable("금액 조건과 증감을 함께 묻는 질문은 아직 읽지 못합니다")
        if new:
            self.filters.append(Filter("new", None, f"{base.year}년 0 → {figure.year}년 편성"))
            by = "value"
        elif unchanged and base is not None and not targets:
            self.filters.append(Filter("unchanged", None, "변동 없음"))
            by = "value"

        if share_of is not None and share_of[2] and figure is not None and figure.year == self.vocab.plan_year - 1:
            share_of = share_of[:3] + (True,)  # last year's whole: the previous-amount column of this year's table
        op, n, order = self._operation(count, share, share_of, targets, figure, by, group)
        if share_of is not None and share_of[2] and figure is not None and figure.year not in (self.vocab.plan_year, self.vocab.plan_year - 1):
            raise NotAnswerable(f"{figure.year}년 예산현황은 문서에 없습니다", missing=True)
        if by == "rate" and op in ("sum", "avg"):
            raise NotAnswerable("증감률의 평균·합계는 아직 읽지 못합니다: 합계의 증감률로 물어 주세요")
        staff = figure is not None and figure.measure in ("staff_current", "staff_quota") and base is not None
        if staff:
            decrease = bool(re.search(r"적|모자라|부족", text))
            direction = bool(re.search(r"많|적|모자라|부족|넘", text))
        else:
            decrease = bool(cues.DECREASE.search(text))
            direction = bool(cues.DIRECTION.search(text)) or bool(re.search(r"(?:증가|감소)(?:액|율|률|분|폭)", text))
        if by in ("change", "rate") and not targets and not unchanged and direction and (not staff or op in ("list", "count")):
            # 줄어든 부서는 (몇 곳)?, 늘어난 사업의 증가액 합계, 가장 적게 늘어난: only the ones that changed that way
            self.filters.append(Filter("decreased" if decrease else "increased", None, "감소" if decrease else "증가"))
            if op in ("list", "count") or (op in ("sum", "avg") and not cues.CHANGE_AMOUNT.search(text)):
                by = "value"
        elif by == "change" and not targets and not unchanged and op in ("list", "count"):
            raise NotAnswerable("늘어난 것인지 줄어든 것인지 물어 주세요")
        if op == "list" and not self.filters and not (figure is not None and (group or cues.ANY_GROUP.search(text) or cues.ORDERED.search(text))):
            raise NotAnswerable("조건 없이 모든 항목을 나열하는 질문은 검색 결과로 답합니다")
        if figure is None and op not in ("count", "list"):
            raise NotAnswerable("무엇의 값을 묻는지(예산, 결산, 정원, 목표 …) 읽지 못했습니다")
        if op in ("value", "share") and not targets:
            raise NotAnswerable("어느 사업·부서·지표의 값인지 읽지 못했습니다")
        self._change_read = by in ("change", "rate") and figure is not None
        self._all_nouns_read()

        d = cues.DIGITS.search(text)
        digits = ({"첫째": 1, "둘째": 2, "셋째": 3}.get(d.group(1)) or int(d.group(1))) if d else None
        if figure is not None and figure.year is not None and not years and figure.measure != "weight":
            self.notes.append(f"연도를 문서의 해({figure.year}년)로 읽음")
        return Frame(
            subject=subject, op=op, figure=figure, base=base, filters=tuple(self.filters), targets=tuple(targets),
            target_label=", ".join(self.vocab.labels.get(t, "") for t in targets), by=by if figure is not None else "value",
            order=order, n=n, digits=digits, share_of=share_of, notes=tuple(self.notes), group=group, eok="억" in text,
        )

    # ------------------------------------------------------------------ parts

    def _measures(self) -> list[str]:
        """The figures the question names, one at most (정원 and 현원 together: their difference)."""
        found = []
        flat = self.flat
        for w in sorted(cues.MEASURE_WORDS, key=len, reverse=True):
            if w in flat:
                found.append(cues.MEASURE_WORDS[w])
                flat = flat.replace(w, " ")
        found = sorted(set(found), key=found.index)
        if sorted(found) == ["staff_current", "staff_quota"]:
            return ["staff_current", "staff_quota"]
        if len(found) > 1:
            raise NotAnswerable("두 가지 수치(" + ", ".join(_measure_ko(f) for f in found) + ")를 함께 묻는 질문은 나누어 물어 주세요")
        return found

    def _entities(self, count: bool, share: bool, category, measure):
        """The subject class, the entities asked about (targets), and the whole of a share; the
        other entities named become conditions (in a department, unit or bureau; by a 시행주체)."""
        vocab = self.vocab
        named = sorted((m for m in self.analysis.mentions if not m.example), key=lambda m: m.start)
        share_of = None
        if share:  # A는 B의 몇 %, A가 B에서 차지하는: the part, then the whole, in the question's order
            if len(named) != 2:
                raise NotAnswerable("구성비는 사업 하나가 그 단위사업이나 부서·국의 예산에서 차지하는 몫으로 계산합니다")
            first, second = (vocab.names.get(m.name, (m.iri,)) for m in named)
            pairs = [(p, w) for a, b in ((first, second), (second, first)) for p in a for w in b
                     if vocab.types.get(p) in PROJECTS and (vocab.types.get(w), vocab.types.get(p)) in PATHS]
            target, whole_iri = pairs[0] if pairs else (None, None)
            if target is None:
                raise NotAnswerable("구성비는 사업 하나가 그 단위사업이나 부서·국의 예산에서 차지하는 몫으로 계산합니다")
            whole_type = vocab.types[whole_iri]
            share_of = (whole_iri, vocab.labels[whole_iri], (category or "계") if whole_type != "UnitProject" else "", False)
            self.filters.append(Filter("in", whole_iri, f"{_ko(whole_type)}={vocab.labels[whole_iri]}",
                                       path=PATHS[(whole_type, vocab.types[target])]))
            return vocab.types[target], [target], share_of
        subject = self._subject(count, named)
        targets: list[str] = []
        containers: dict[str, list[str]] = {}
        bodies: list[str] = []
        for m in named:
            iris = vocab.names.get(m.name, (m.iri,))
            of_subject = [i for i in iris if vocab.types.get(i) == subject]
            if of_subject and not count:
                targets.append(of_subject[0])
                continue
            container = next((i for i in iris if (vocab.types.get(i), subject) in PATHS), None)
            if container is not None:
                containers.setdefault(vocab.types[container], []).append(container)
                continue
            body = next((i for i in iris if vocab.types.get(i) == "ImplementingBody"), None)
            if body is not None and subject in PROJECTS:
                bodies.append(body)
                continue
            label = vocab.labels.get(m.iri, m.name)
            kinds = {vocab.types.get(i) for i in iris}
            if measure is not None and not kinds & (set(SUBJECTS) | {"ImplementingBody"}):  # a region, a brief's entity …
                raise NotAnswerable(f"{label}에 대한 {_measure_ko(measure)} 자료는 문서에 없습니다", missing=True)
            raise NotAnswerable(f"{label}을(를) 조건으로 쓰는 질문은 아직 읽지 못합니다")
        # names said together (A와 B의 …) are either of them
        if len(containers) > 1 and not set(containers) <= {"Bureau", "Department"}:
            raise NotAnswerable("서로 다른 종류의 이름(부서와 단위사업 등)을 함께 묶는 질문은 나누어 물어 주세요")
        for ctype, iris in containers.items():
            names = ", ".join(vocab.labels[i] for i in iris)
            self.filters.append(Filter("in", tuple(iris), f"{_ko(ctype)}={names}", path=PATHS[(ctype, subject)]))
        if bodies:
            self.filters.append(Filter("implemented_by", tuple(bodies), "시행주체=" + ", ".join(vocab.labels[b] for b in bodies)))
        return subject, targets, share_of

    def _subject(self, count: bool, named) -> str:
        """The class asked about: before 몇 개 the last class word; else the question's head
        (사업 → 세부사업 unless 단위사업 was said); else the last class word; else the class of the
        entity named; else, for 부서별 …, the class grouped by."""
        spots = self._spots()
        if count:
            at = next((m.start for m in self.morphs if m.form == "몇" or m.form.startswith("개수")), len(self.text))
            before = [types for start, types in spots if start < at]
            if before:
                return _one(before[-1], spots)
        if self.analysis.answer_types & set(SUBJECTS) and spots:
            return _one(self.analysis.answer_types, spots)
        if spots:
            return _one(spots[-1][1], spots)
        for m in named:
            for iri in self.vocab.names.get(m.name, (m.iri,)):
                if self.vocab.types.get(iri) in SUBJECTS:
                    return self.vocab.types[iri]
        g = cues.GROUP.search(self.text)
        if g:  # 부서별 정원: the departments themselves, one row each
            return cues.GROUP_CLASS[re.sub(r"\s", "", g.group(1))]
        measures = {cues.MEASURE_WORDS[w] for w in cues.MEASURE_WORDS if w in self.flat}
        if measures and measures <= {"staff_quota", "staff_current"}:
            return "Department"  # 정원 합계는?: only departments have staff
        if measures and measures <= {"weight", "indicator_target", "indicator_actual"}:
            return "PerformanceIndicator"
        raise NotAnswerable("무엇(세부사업, 단위사업, 부서, 팀, 성과지표)을 묻는지 읽지 못했습니다")

    def _spots(self) -> list[tuple[int, frozenset]]:
        """(offset, classes) of the subject class words said outside names, budget-table words
        (정책사업 is no 사업) and the class grouped by (부서별)."""
        inside = set()
        for c in cues.BUDGET_LINE_CATEGORIES:
            inside |= _offsets_of(self.text, c)
        for g in cues.GROUP.finditer(self.text):
            inside |= set(range(g.start(), g.end()))
        return [(start, types) for start, types in _type_spots(self.text, self.morphs, self.analysis, self.vocab)
                if set(types) & set(SUBJECTS) and start not in inside]

    def _one_subject(self, subject: str) -> None:
        """Refuse a question with a class word of another class said on its own (예산이 가장 큰
        단위사업은 어느 부서 소속인가; 상위 5개 단위사업의 예산 합계 of 세부사업 …), unless it names
        the entity just before it (외국인주민 … 단위사업 중) or is counted as a description
        (4개 부서의 팀) or is the bureau as a whole (국 전체)."""
        named_ends = {self._mention_end(m) for m in self.analysis.mentions}
        at = {m.start: i for i, m in enumerate(self.morphs)}
        for start, types in self._spots():
            if subject in types:  # the subject's own word, or one naming it among others (사업)
                continue
            i = at.get(start)
            prev = self.morphs[i - 1] if i else None
            nxt = self.morphs[i + 1] if i is not None and i + 1 < len(self.morphs) else None
            if self._gap_to(named_ends, start) or (prev is not None and prev.tag in ("NNB", "NR") and prev.form in ("개", "곳")):
                continue
            if nxt is not None and nxt.form == "전체":
                continue
            raise NotAnswerable("두 가지(예: 사업과 그 부서)를 차례로 묻는 질문은 아직 한 번에 답하지 못합니다")

    def _mention_end(self, m) -> int:
        span = _span_of(self.text, m)
        return span[1] if span else -1

    def _gap_to(self, ends: set[int], start: int) -> bool:
        """Whether a name ends right before ``start`` (spaces and 의 between at most)."""
        return any(0 <= start - e <= 2 and not self.text[e:start].strip(" 의") for e in ends)

    def _stated(self, targets: list[str]):
        """(property, words, unit) when the question asks for a number written in a text field of
        the one entity it names: its field word (근거, 지원조건), a unit asked for (몇 회), and the
        words of the item that are not a name or a table word."""
        field = next((p for w, p in sorted(cues.FIELDS.items(), key=lambda x: -len(x[0])) if w in self.flat), None)
        unit = cues.ASKED_UNIT.search(self.text)
        if len(targets) != 1 or field is None or unit is None:
            return None
        words = tuple(m.form for m in self.morphs if m.tag in ("NNG", "NNP", "SL", "XR") and m.start not in self.accounted
                      and m.form not in cues.TABLE_WORDS and m.form not in cues.MEASURE_WORDS and m.form not in cues.FIELDS)
        if len(words) < 2:
            return None
        return field, words, "%" if unit.group(1) == "퍼센트" else unit.group(1)

    def _conditions(self, subject: str) -> None:
        """Support forms, indicator types, support conditions and name parts, quoted or not."""
        text, vocab = self.text, self.vocab
        condition = cues.CONDITION.search(text + " ")
        condition_is = cues.CONDITION_IS.search(text + " ")
        if "지원조건" in self.flat and not (condition or condition_is):
            raise NotAnswerable("지원조건은 '지원조건에 X가 적힌' 또는 '지원조건이 X인'으로 물어 주세요")
        if condition:
            word = condition.group(1)
            self.filters.append(Filter("condition_contains", word, f"지원조건에 '{word}' 포함"))
            self.accounted |= set(range(condition.start(), condition.end()))
        elif condition_is:
            # 지원조건이 도비 100%인: a condition that says each of those words (도비(100%), 100% 도비사업)
            for word in condition_is.group(1).strip("'‘’\"“”").split():
                self.filters.append(Filter("condition_contains", word, f"지원조건에 '{word}' 포함"))
            self.accounted |= set(range(condition_is.start(), condition_is.end()))
        inside_condition = set()
        for m in (condition, condition_is):
            if m:
                inside_condition |= set(range(m.start(), m.end()))
        for q in self.analysis.quoted:
            at = text.find(q)
            if at in inside_condition or at - 1 in inside_condition:
                continue  # the quoted value of a support condition
            k = key(q).lower()
            if k in vocab.support_forms:
                iri, label = vocab.support_forms[k]
                self.filters.append(Filter("support_form", iri, f"지원형태={label}"))
            elif k in vocab.indicator_types:
                iri, label = vocab.indicator_types[k]
                self.filters.append(Filter("indicator_type", iri, f"지표유형={label}"))
            else:
                self.filters.append(Filter("name_contains", key(q), f"이름에 '{q}' 포함"))
        if not any(f.field == "support_form" for f in self.filters):
            # a support form by its label: a short one (기타, 출연) only where 지원형태 is said
            for k, (iri, label) in sorted(vocab.support_forms.items(), key=lambda x: -len(x[0])):
                if k in self.flat and (len(k) >= 4 or "지원형태" in self.flat):
                    self.filters.append(Filter("support_form", iri, f"지원형태={label}"))
                    self.accounted |= _offsets_of(text, k)
                    break
        if not any(f.field == "indicator_type" for f in self.filters) and subject == "PerformanceIndicator":
            for k, (iri, label) in vocab.indicator_types.items():
                if any(k + w in self.flat for w in ("지표", "성과지표")) or ("유형" in self.flat and k in self.flat):
                    self.filters.append(Filter("indicator_type", iri, f"지표유형={label}"))
                    self.accounted |= _offsets_of(text, k)
                    break
        m = cues.NAME_HAS.search(text)
        if m and not self.analysis.quoted:
            self.filters.append(Filter("name_contains", key(m.group(1)), f"이름에 '{m.group(1)}' 포함"))
            self.accounted |= set(range(m.start(), m.end()))
        if cues.NAME_FIELD.search(text) and not any(f.field == "name_contains" for f in self.filters):
            raise NotAnswerable("이름 조건은 '사업명에 X가 들어간' 또는 따옴표('X')로 물어 주세요")

    def _group(self, subject: str) -> str | None:
        g = cues.GROUP.search(self.text)
        other = [w for w in cues.ANY_GROUP.findall(self.text) if re.sub(r"\s", "", w) not in cues.GROUP_CLASS and w not in ("사업",)]
        if other and not g:
            raise NotAnswerable(f"{other[0]}별로 묶는 질문은 아직 읽지 못합니다 (부서별, 단위사업별, 국별은 됩니다)")
        if g is None:
            return None
        group = cues.GROUP_CLASS[re.sub(r"\s", "", g.group(1))]
        if group == subject:
            self.per_row = True  # 부서별 예산 (합계): the departments, one row each
            return None
        if (group, subject) not in PATHS:
            raise NotAnswerable(f"{SUBJECT_KO[subject]}을(를) {SUBJECT_KO[group]}별로 묶을 수 없습니다")
        return group

    def _years(self) -> tuple[list[int], list[int]]:
        """The years of the question (relative ones from the plan's year), and those written."""
        written = sorted(set(self.analysis.years))
        relative = {self.vocab.plan_year + d for d in self.analysis.relative_years}
        if re.search(r"전년(?:도)?\s*(?:대비|보다|에\s*비해)", self.text) and written:
            relative = {written[-1] - 1}  # 2026년 … 전년도보다: the year before the one written
        return sorted(set(written) | relative), written

    def _figures(self, measure, category, change, rate, new, years, written, subject):
        """The figure asked for and, for a change, the one it is compared with; and what is shown."""
        plan = self.vocab.plan_year
        if measure in ("staff_quota", "staff_current"):
            if years or rate or "비율" in self.text or subject not in ("Department",):
                raise NotAnswerable("정원·현원은 부서마다 올해 것만 적혀 있습니다: 연도·비율·팀·국의 정원은 답하지 못합니다")
            if change:  # 현원은 정원보다 몇 명, 정원과 현원 차이: 현원 − 정원; 정원이 현원보다 …: 정원 − 현원
                if re.search(r"현원\s*(?:보다|대비|에\s*비해)", self.masked):
                    return Figure("staff_quota"), Figure("staff_current"), "change"
                return Figure("staff_current"), Figure("staff_quota"), "change"
            return Figure(measure), None, "value"
        if measure is None:
            return None, None, "value"
        by = "rate" if rate else ("change" if change else "value")
        if by == "value" and not new:
            if len(years) > 1:
                raise NotAnswerable("여러 해의 값을 한 번에 묻는 질문은 해마다 나누어 물어 주세요")
            return self._figure(measure, years[-1] if years else None, category), None, by
        if measure in ("weight",):
            raise NotAnswerable("가중치의 증감은 문서에 없습니다", missing=True)
        if len(years) >= 2:
            y0, y1 = years[0], years[-1]
        elif len(years) == 1:
            y = years[0]
            said_as_base = not written or re.search(rf"{y}\s*년?\s*(?:결산\S*\s*|예산\S*\s*)?(?:대비|보다|에서|에\s*비해)", self.text)
            y0, y1 = (y, plan) if y < plan and said_as_base else (y - 1, y)
        else:
            y0, y1 = plan - 1, plan
        return self._figure(measure, y1, category), self._figure(measure, y0, category), by

    def _figure(self, measure: str, year: int | None, category: str | None) -> Figure:
        vocab = self.vocab
        if measure in ("budget", "budget_line"):
            year = year or vocab.plan_year
            if measure == "budget_line":
                # a budget table states this year's amounts and last year's beside them
                if year not in (vocab.plan_year, vocab.plan_year - 1):
                    raise NotAnswerable(f"{year}년 예산현황은 문서에 없습니다", missing=True)
                return Figure("budget_line", year, None, category, previous=year == vocab.plan_year - 1)
            stated = _kind_said(year, self.text)
            for kind in [stated] if stated else ["Budget", "Settlement"]:
                if (year, kind) in vocab.budget_years:
                    return Figure("budget", year, kind)
            raise NotAnswerable(f"{year}년 {'결산' if stated == 'Settlement' else '예산'}은 문서에 없습니다", missing=True)
        if measure in ("indicator_target", "indicator_actual"):
            year = year or vocab.plan_year
            if (measure, year) not in vocab.indicator_years:
                raise NotAnswerable(f"{year}년 {'목표' if measure == 'indicator_target' else '실적'}는 문서에 없습니다", missing=True)
            return Figure(measure, year)
        return Figure(measure)

    def _operation(self, count, share, share_of, targets, figure, by, group):
        text = self.masked
        top = cues.TOP_N.search(text)
        little = re.search(r"(?:가장|제일)\s*(?:적게|작게|조금)", text)  # 가장 적게 늘어난
        big = bool(cues.BIG.search(text)) and not little
        small = bool(cues.SMALL.search(text)) or bool(little)
        if big and small:
            raise NotAnswerable("가장 큰 것과 가장 작은 것은 나누어 물어 주세요")
        decrease = bool(cues.DECREASE.search(text)) and by in ("change", "rate")
        total = bool(cues.SUM.search(text))
        if (total or cues.AVG.search(text)) and (big or small or top):
            raise NotAnswerable("합계·평균의 순위나 순위의 합계·평균은 아직 읽지 못합니다")
        n = None
        if count:
            op = "count"
        elif share:
            op = "share"
        elif total:
            op = "sum"
        elif cues.AVG.search(text):
            op = "avg"
        elif cues.ORDERED.search(text) and not top:
            op = "list"  # 큰 순서로 나열: every row, in that order
            small = bool(cues.SMALL_WORD.search(text))
        elif top:
            op, n = "top", int(top.group(2) or top.group(3))
            if not 1 <= n <= MAX_N:
                raise NotAnswerable(f"상위 몇 개는 1에서 {MAX_N}까지 물어 주세요")
            small = small or top.group(1) == "하위" or (not big and bool(cues.SMALL_WORD.search(text)))
        elif big or small:
            op = "max"
        elif targets:
            op = "value"
        else:
            op = "list"
        if group is not None and op in ("list", "value"):
            op = "sum" if figure is not None else "count"
        if self.per_row and op in ("sum", "avg", "value"):
            op = "list"
        order = "asc" if small else "desc"
        if decrease and not small:
            order = "asc"  # 감소율이 가장 큰, 가장 많이 줄어든 = the most negative change
        elif decrease and small:
            order = "desc"  # 가장 적게 줄어든 = the decrease closest to 0
        return op, n, order

    def _all_nouns_read(self) -> None:
        """Refuse when a word is left that may be a condition: a noun nothing accounts for, a
        number that is no year, amount, count or precision, or a predicate that is neither a cue
        read nor one that says nothing (있다, 적힌, 알려 줘 …)."""
        for m in re.finditer(r"\(\s*\d[\d,.]*\s*\)|(?:상위|하위)?\s*\d+\s*(?:개|곳|건|가지)|소수\s*(?:점\s*)?\S*\s*자리"
                             r"|몇\s*(?:억|천만|백만|만)\s*원?", self.masked):
            self.accounted |= set(range(m.start(), m.end()))  # (0), (40): a value echoed; 3개; 소수 첫째 자리
        for m in self.morphs:
            if m.start in self.accounted:
                continue
            if (m.tag in ("SN", "NR") or (m.tag == "MM" and m.form in cues.NUMERALS)) and m.form != "몇":
                raise NotAnswerable(f"읽지 못한 수가 있습니다: {self.text[m.start:m.start + m.len]}")
            if m.tag.split("-")[0] in ("VV", "VA") and m.form not in cues.NEUTRAL_PREDICATES:  # VV-R, VA-I …
                raise NotAnswerable(f"이해하지 못한 말이 있습니다: {m.form}다")
        for m in re.finditer(r"보다", self.masked):  # 대외협력과보다 많은 부서: a comparison with an entity
            before = self.masked[:m.start()].rstrip()
            if not re.search(r"(?:\d|년|년도|전년|작년|지난해|정원|현원|억|만|원|%|회|명|결산|예산)$", before):
                raise NotAnswerable("다른 항목과 견주는 질문(…보다 많은)은 아직 읽지 못합니다")
        if cues.DIRECTION.search(self.masked) and not any(f.field in ("increased", "decreased", "new") for f in self.filters) \
                and not self._change_read:
            raise NotAnswerable("늘거나 줄었다는 말을 읽지 못했습니다")
        unknown = _unknown(self.text, self.morphs, self.accounted, self.vocab)
        named_like = [w for w in unknown if w.endswith(cues.NAME_ENDINGS) and len(w) >= 3]
        if named_like:  # an organisation or a place the documents do not name
            names = ", ".join(dict.fromkeys(named_like))
            raise NotAnswerable(f"{names}{cues.topic(names)} 문서에 없습니다", missing=True)
        if unknown:
            raise NotAnswerable(f"이해하지 못한 말이 있습니다: {', '.join(dict.fromkeys(unknown))}")


# ---------------------------------------------------------------------- helpers

def _one(types, spots) -> str:
    types = set(types) & set(SUBJECTS)
    if len(types) == 1:
        return next(iter(types))
    for _, earlier in reversed(spots):  # 세부사업 가운데 … 사업은? → the specific word said before
        t = set(earlier) & types
        if len(t) == 1:
            return next(iter(t))
    if set(PROJECTS) <= types:
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
        types, start = words.get(m.form), m.start
        if i > 0 and (morphs[i - 1].form + m.form) in words:  # 단위 + 사업: one word, where it starts
            types, start = words[morphs[i - 1].form + m.form], morphs[i - 1].start
        if types and m.start not in covered and (len(m.form) >= 2 or m.tag == "NNG"):
            out.append((start, frozenset(types)))
    return out


def _span_of(text: str, mention) -> tuple[int, int] | None:
    from kg.search.analysis import _span

    return _span(text, mention)


def _kind_said(year: int, text: str) -> str | None:
    """결산 or 예산 said right after the year (2024년 결산 대비 …, '24년 결산), if either."""
    m = re.search(rf"(?:{year}|'?{year % 100})\s*년?\s*(?:도\s*)?(?:의\s*)?(결산|예산)?", text)
    if m and m.group(1):
        return "Settlement" if m.group(1) == "결산" else "Budget"
    if not re.search(r"\d\d", text) and "결산" in text:
        return "Settlement"
    return None


def _unknown(text, morphs, accounted: set[int], vocab: Vocabulary) -> list[str]:
    """The nouns of the question nothing accounts for, as written (pieces that touch are one)."""
    known = cues.TABLE_WORDS | set(cues.MEASURE_WORDS) | set(vocab.type_words)
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
        if any(m.form in c for c in cues.BUDGET_LINE_CATEGORIES):
            continue
        out.append(m)
    words: list[str] = []
    end = -1
    for m in out:
        if words and m.start == end:
            words[-1] += text[m.start:m.start + m.len]
        else:
            words.append(text[m.start:m.start + m.len])
        end = m.start + m.len
    return words


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
