"""Exact answers: a question read into a frame, run as SPARQL through the guarded executor, and
shown as rows and one answer line, with the query itself so the analyst can check it."""
from __future__ import annotations

from dataclasses import dataclass

from kg.ask.frame import SUBJECT_KO, Frame
from kg.ask.templates import query as sparql_of
from kg.ask.understand import NotAnswerable, Vocabulary, read

HINT = ("정확한 값으로 답할 수 있는 질문: 예산·결산의 합계·평균·순위·증감(률)·구성비, 조건에 맞는 사업의 개수와 목록"
        "(부서·단위사업·지원형태·지원조건·이름·금액 조건), 부서의 정원·현원, 성과지표의 목표·실적·가중치")
MAX_QUESTION_CHARS = 1000
LISTED = 10  # names written out in the answer line


@dataclass(frozen=True)
class Answer:
    question: str
    understood: bool
    interpretation: str = ""
    sparql: str = ""
    columns: tuple[str, ...] = ()
    rows: tuple[tuple, ...] = ()
    answer: str = ""
    entities: tuple[str, ...] = ()
    missing: bool = False  # asks for what the documents do not contain

    def to_json(self) -> dict:
        return {"question": self.question, "understood": self.understood, "interpretation": self.interpretation,
                "sparql": self.sparql, "columns": list(self.columns), "rows": [list(r) for r in self.rows],
                "answer": self.answer, "entities": list(self.entities)}


def vocabulary(facts: dict, searcher) -> Vocabulary:
    """What the reading needs: of the graph (``kg.ask.facts``: years with figures, concept
    labels) and of the search index (names, classes, class words)."""
    ents = searcher.data.entities
    names: dict[str, list[str]] = {}
    for name, iri in searcher.lexicon.names:
        names.setdefault(name, []).append(iri)
    return Vocabulary(
        plan_year=int(facts["plan_year"]),
        budget_years=frozenset((int(y), str(k)) for y, k in facts["budget_years"]),
        indicator_years=frozenset((str(m), int(y)) for m, y in facts["indicator_years"]),
        support_forms={k: (v[0], v[1]) for k, v in facts["support_forms"].items()},
        indicator_types={k: (v[0], v[1]) for k, v in facts["indicator_types"].items()},
        labels={i: (e.names[0] if e.names else i) for i, e in ents.items()},
        types={i: e.type for i, e in ents.items()},
        names={k: tuple(v) for k, v in names.items()},
        type_words=dict(searcher.data.type_words),
    )


class Asker:
    """Answers structured questions over one build; ``run`` evaluates a query (the guarded
    executor: ``kg.sparql.run`` or a pool's ``run``)."""

    def __init__(self, searcher, engine=None, run=None, timeout: float = 5.0, facts: dict | None = None):
        """``facts``: the build's (``kg.ask.facts.read_facts``), or None to read them from
        ``engine``. With facts and a ``run`` that opens the store on its first query, a question
        that is not understood never loads the graph."""
        from kg import sparql
        from kg.ask.facts import graph_facts

        if facts is None and engine is None:
            raise ValueError("an Asker needs the build's facts or its engine")
        self.searcher = searcher
        self.engine = engine
        self.vocab = vocabulary(facts if facts is not None else graph_facts(engine), searcher)
        self._run = run or (lambda q: sparql.run(engine, q, timeout=timeout, max_rows=1000))

    def understand(self, question: str, analysis=None) -> Frame:
        """The frame of ``question``; ``analysis`` is the search's analysis of the same question,
        when the caller has it (the search box reads a question once)."""
        from kg.lang.korean import _normal, kiwi
        from kg.search import clean_query

        q, _ = clean_query(question)
        if analysis is None or analysis.query != q:
            analysis = self.searcher.analyse(q)
        return read(q, analysis, self.vocab, kiwi().tokenize(_normal(q)))

    def ask(self, question: str, analysis=None, within=None) -> Answer:
        """The exact answer to ``question``; ``within`` (a ``kg.meta.Within``) keeps to the
        documents of some issuers, years or kinds."""
        from kg.search import QueryError
        from kg.sparql import SparqlError

        if question is None or not str(question).strip():
            return Answer(question or "", False, answer="질문이 비어 있습니다. " + HINT)
        if len(question) > MAX_QUESTION_CHARS:
            return Answer(question[:MAX_QUESTION_CHARS], False, answer=f"질문이 너무 깁니다({MAX_QUESTION_CHARS}자까지). " + HINT)
        try:
            frame = self.understand(question, analysis)
        except NotAnswerable as exc:
            return Answer(question, False, answer=exc.reason + ("" if exc.missing else ". " + HINT), missing=exc.missing)
        except QueryError as exc:
            return Answer(question, False, answer=str(exc))
        if within:
            frame = self._within(frame, within)
        text = sparql_of(frame)
        try:
            result = self._run(text)
        except SparqlError as exc:  # a limit of the guarded executor (timeout, busy): no answer, said so
            return Answer(question, False, interpretation=frame.interpretation(), sparql=text, answer=f"질의를 실행하지 못했습니다: {exc}")
        columns, rows = _stated_rows(frame, result) if frame.op == "stated" else _table(frame, result)
        return Answer(
            question=question, understood=True, interpretation=frame.interpretation(), sparql=text,
            columns=columns, rows=rows, answer=_line(frame, columns, rows),
            entities=tuple(dict.fromkeys(list(frame.targets) + [
                v for f in frame.filters if f.field in ("in", "support_form", "implemented_by", "indicator_type")
                for v in ((f.value,) if isinstance(f.value, str) else f.value)] + ([frame.share_of[0]] if frame.share_of else []))),
        )


    def _within(self, frame: Frame, within) -> Frame:
        """``frame`` kept to the documents ``within`` admits."""
        import dataclasses

        from kg.ask.frame import Filter
        from kg.rdf.vocab import ID

        docs = within.documents(getattr(self.searcher, "documents", {}) or {})
        keep = Filter("documents", tuple(sorted(str(ID[f"doc/{d}"]) for d in docs)), label=within.describe())
        return dataclasses.replace(frame, filters=frame.filters + (keep,))


_HEAD = {"count": "개수", "total": "합계", "average": "평균", "change": "증감", "rate": "증감률(%)",
         "share": "구성비(%)", "total_whole": "전체"}


def _table(frame: Frame, result) -> tuple[tuple[str, ...], tuple[tuple, ...]]:
    heads = []
    for v in result.vars:
        if v == "name":
            heads.append(SUBJECT_KO[frame.subject])
        elif v == "groupName":
            heads.append(SUBJECT_KO[frame.group])
        elif v == "v":
            heads.append(_with_unit(frame.figure.describe(), frame.figure.unit) if frame.figure else "값")
        elif v == "b":
            heads.append(_with_unit(frame.base.describe(), frame.base.unit) if frame.base else "기준")
        elif v == "total" and frame.op == "share":
            heads.append(_with_unit(f"{frame.share_of[1]} {frame.share_of[2] or '예산'}", "백만원"))
        else:
            heads.append(_HEAD.get(v, v))
    digits = frame.digits if frame.digits is not None else 1
    rows = []
    for row in result.rows:
        cells = []
        for v, t in zip(result.vars, row):
            cells.append(_cell(t, digits if v in ("rate", "share", "average") else None))
        rows.append(tuple(cells))
    return tuple(heads), tuple(rows)


def _stated_rows(frame: Frame, result) -> tuple[tuple[str, ...], tuple[tuple, ...]]:
    """The item of the text field the question's words name best (the text split at commas and
    semicolons), and the number written with the unit asked: one row, or none when no item shares
    two words with the question or two items tie."""
    import re

    from kg.lang.korean import tokens

    _, words, unit = frame.stated
    want = set(words)
    heads = (SUBJECT_KO[frame.subject], "항목", f"값({unit})")
    scored = []
    for name, text in result.rows:
        for item in re.split(r"\s*[,;]\s*", str(text)):
            number = re.search(rf"(\d[\d,]*(?:\.\d+)?)\s*{re.escape(unit)}", item)
            if number:
                scored.append((len(want & set(tokens(item))), str(name), item, float(number.group(1).replace(",", ""))))
    scored.sort(key=lambda x: -x[0])
    if not scored or scored[0][0] < 2 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return heads, ()
    _, name, item, value = scored[0]
    return heads, ((name, item, int(value) if value == int(value) else value),)


def _with_unit(text: str, unit: str) -> str:
    return f"{text}({unit})" if unit else text


def _cell(t, digits):
    from rdflib import Literal

    if t is None:
        return None
    if isinstance(t, Literal):
        v = t.toPython()
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, (int, float)) or hasattr(v, "as_integer_ratio"):
            x = float(v)
            if digits is not None:  # half up, as a table is rounded (41.25 → 41.3), not to the even digit
                from decimal import ROUND_HALF_UP, Decimal

                return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
            return int(x) if x == int(x) else round(x, 4)
        return str(t)
    return str(t)


def _num(x, unit: str = "", signed: bool = False) -> str:
    if x is None:
        return "-"
    text = f"{abs(x):,}" if isinstance(x, int) else f"{abs(x):,.{max(0, len(str(x).split('.')[-1]) if '.' in str(x) else 0)}f}"
    sign = ("△" if x < 0 else "+") if signed else ("-" if x < 0 else "")
    return f"{sign}{text}{unit}"


def _line(frame: Frame, columns, rows) -> str:
    """One Korean line: the answer as a reader would say it."""
    unit = frame.figure.unit if frame.figure else ""
    what = SUBJECT_KO[frame.subject]
    if not rows and frame.op == "stated":
        return "물은 항목을 그 글에서 하나로 찾지 못했습니다"
    if not rows and frame.by == "rate":
        return f"조건에 맞는 {what}이(가) 없습니다 (기준 해의 값이 0이면 증감률을 계산하지 않습니다)"
    if not rows:
        return f"조건에 맞는 {what}이(가) 없습니다"
    first = rows[0]
    if frame.group is not None:
        shown = [f"{r[0]}({_num(r[1], unit if frame.op != 'count' else '개')})" for r in rows[:LISTED]]
        return f"{SUBJECT_KO[frame.group]}별 {len(rows)}개: " + ", ".join(shown) + (f" 외 {len(rows) - LISTED}개" if len(rows) > LISTED else "")
    if frame.op == "count":
        return f"{first[0]}개"
    if frame.op in ("sum", "avg"):
        word = "합계" if frame.op == "sum" else "평균"
        extra = f" ({first[0] / 100:,.1f}억원)" if unit == "백만원" and first[0] is not None and frame.eok else ""
        return f"{word} {_num(first[0], unit)}{extra}, {what} {first[1]}개"
    if frame.op == "stated":
        return f"{first[0]}: {first[1]} → {_num(first[2], frame.stated[2])}"
    if frame.op == "share":
        return f"{first[0]}: {_num(first[1], '백만원')} / {_num(first[2], '백만원')} = {_num(first[3], '%')}"
    if frame.op == "value" and len(rows) > 1:
        return f"{len(rows)}개: " + ", ".join(f"{r[0]}({_num(r[-1], '%' if frame.by == 'rate' else unit, frame.base is not None)})" for r in rows[:LISTED])
    if frame.op == "value" and frame.base is not None:
        name, b, v, change = first[:4]
        out = f"{name}: {frame.base.describe()} {_num(b, unit)} → {frame.figure.describe()} {_num(v, unit)}, {_num(change, unit, True)}"
        if frame.by == "rate" and len(first) > 4:
            out += f" ({_num(first[4], '%', True)})"
        return out
    if frame.op == "value":
        eok = f" ({first[1] / 100:,.1f}억원)" if unit == "백만원" and first[1] is not None and frame.eok else ""
        return f"{first[0]}: {frame.figure.describe()} {_num(first[1], unit)}{eok}"
    shown = []
    for r in rows[:LISTED]:
        signed = frame.by != "value" or frame.base is not None
        shown.append(f"{r[0]}({_num(r[-1], '%' if frame.by == 'rate' else unit, signed)})" if len(r) > 1 else str(r[0]))
    more = f" 외 {len(rows) - LISTED}개" if len(rows) > LISTED else ""
    return f"{len(rows)}개: " + ", ".join(shown) + more
