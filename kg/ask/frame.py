"""How a structured question was read: a typed frame that the SPARQL templates turn into a query.

A frame says which entities are asked about (``subject``, with ``filters`` and perhaps one
``target``), which figure of them (``figure``, and ``base`` for a change between two figures),
and what to do with it (``op``, ``by``, ``order``, ``n``). Nothing here reads text or the graph.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Subject = Literal["SubProject", "UnitProject", "Department", "Bureau", "Team", "PerformanceIndicator"]
Measure = Literal["budget", "budget_line", "staff_quota", "staff_current", "indicator_target", "indicator_actual", "weight"]
Op = Literal["value", "list", "sum", "avg", "count", "max", "min", "top", "share", "stated"]

SUBJECT_KO = {"SubProject": "세부사업", "UnitProject": "단위사업", "Department": "부서", "Bureau": "국", "Team": "팀",
              "PerformanceIndicator": "성과지표"}
MEASURE_KO = {"budget": "예산", "budget_line": "예산현황", "staff_quota": "정원", "staff_current": "현원",
              "indicator_target": "목표", "indicator_actual": "실적", "weight": "가중치"}
KIND_KO = {"Budget": "예산", "Settlement": "결산"}
# text fields whose figures a question may ask for (목표치 근거에서 … 몇 회)
STATED_KO = {"kg:rationale": "목표치 근거", "kg:supportCondition": "지원조건"}
OP_KO = {"value": "값", "list": "목록", "sum": "합계", "avg": "평균", "count": "개수", "max": "최대", "min": "최소",
         "top": "상위", "share": "구성비", "stated": "문서에 적힌 수"}


@dataclass(frozen=True)
class Figure:
    """One figure each subject has: a budget of a year and kind, a budget-table line, staff, an
    indicator's target or result of a year, or its weight."""

    measure: Measure
    year: int | None = None
    kind: str | None = None  # Budget | Settlement, for budget
    category: str | None = None  # 정책사업 …, for budget_line
    previous: bool = False  # budget_line of last year: the "previous amount" column of this year's table

    @property
    def unit(self) -> str:
        return {"staff_quota": "명", "staff_current": "명", "weight": "", "indicator_target": "",
                "indicator_actual": ""}.get(self.measure, "백만원")

    def describe(self) -> str:
        year = f"{self.year}년 " if self.year else ""
        if self.measure == "budget":
            return f"{year}{KIND_KO.get(self.kind or 'Budget', '예산')}"
        if self.measure == "budget_line":
            return f"{year}예산현황 {self.category}" if self.category == "계" else f"{year}{self.category} 예산"
        return f"{year}{MEASURE_KO[self.measure]}"


FilterField = Literal["in", "name_contains", "support_form", "implemented_by", "condition_contains",
                      "indicator_type", "amount", "new", "decreased", "increased", "unchanged", "documents"]


@dataclass(frozen=True)
class Filter:
    """A condition on the subjects: ``in`` one of some departments, bureaus or units (``value``
    their IRIs, ``path`` the property path from them), a name or support condition containing
    text, a support form, implementing bodies or an indicator type (IRIs), a
    figure compared with an amount (``comparator``, ``value`` in the figure's unit), the change
    between base and figure, or the documents the subjects come from (``documents``: their IRIs,
    of a search within some issuers, years or kinds)."""

    field: FilterField
    value: str | float | tuple[str, ...] | None = None
    label: str = ""  # as said in the interpretation
    comparator: str | None = None  # >=, >, <=, <
    path: str | None = None  # for ``in``


@dataclass(frozen=True)
class Frame:
    subject: Subject
    op: Op
    figure: Figure | None
    base: Figure | None = None  # the earlier figure of a change (or the one compared with)
    filters: tuple[Filter, ...] = ()
    targets: tuple[str, ...] = ()  # the entities asked about (IRIs), when named
    target_label: str = ""
    by: Literal["value", "change", "rate"] = "value"  # what is ranked, summed or shown
    order: Literal["desc", "asc"] = "desc"
    n: int | None = None  # top N
    digits: int | None = None  # decimals asked for
    group: str | None = None  # 부서별, 단위사업별: the class whose members' figures are combined, one row each
    share_of: tuple[str, str, str, bool] | None = None  # (IRI, label, budget-table category, last year's) of the whole a share is of
    stated: tuple[str, tuple[str, ...], str] | None = None  # (text property, words of the item, unit): a number written in a text field
    eok: bool = False  # the question speaks of 억원: the answer line says it in 억원 too
    notes: tuple[str, ...] = field(default_factory=tuple)  # what the reading assumed (연도를 2026년으로 …)

    def interpretation(self) -> str:
        """One Korean line: how the question was read (대상=세부사업, 부서=대외협력과, 연도=2026 …)."""
        parts = [f"대상={SUBJECT_KO[self.subject]}"] + ([f"{SUBJECT_KO[self.group]}별"] if self.group else [])
        if self.targets:
            parts.append(f"이름={self.target_label}")
        for f in self.filters:
            parts.append(f.label)
        if self.figure is not None:
            if self.base is not None and self.by in ("change", "rate"):
                parts.append(f"값={self.base.describe()} → {self.figure.describe()}")
                parts.append("증감률(%)" if self.by == "rate" else "증감")
            else:
                parts.append(f"값={self.figure.describe()}")
        if self.share_of is not None:
            parts.append(f"전체={self.share_of[1]} {self.share_of[2] or ''} 예산".replace("  ", " "))
        op = OP_KO[self.op]
        if self.op == "top":
            op = f"{'상위' if self.order == 'desc' else '하위'} {self.n}개"
        elif self.op == "max" and self.by != "value":
            op = "가장 큰 것" if self.order == "desc" else "가장 작은 것"
        elif self.op == "max":
            op = "최대" if self.order == "desc" else "최소"
        if self.stated is not None:
            parts.append(f"{STATED_KO.get(self.stated[0], self.stated[0])}에서 '{' '.join(self.stated[1])}'의 수({self.stated[2]})")
        parts.append(op)
        return ", ".join(parts + list(self.notes))
