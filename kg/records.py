"""Typed records produced by the parsers: frozen dataclasses, no I/O.

Every record that stands for something in a source document carries a ``Span``
(document id and 1-based, inclusive line range). Amounts are in the unit the source
states (budgets: 백만원, staff: 명); years are four-digit calendar years.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """Where a record comes from: a document and an inclusive 1-based line range."""

    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Amount:
    """One budget figure: ``value`` in ``unit`` for ``year``, of kind settlement or budget."""

    year: int
    kind: str  # "settlement" (결산) or "budget" (예산)
    value: float
    unit: str = "백만원"


@dataclass(frozen=True)
class Passage:
    """A paragraph of running text, the unit of retrieval for prose."""

    ordinal: int
    text: str
    span: Span
    section: str | None = None  # title of the enclosing section, if any
    about: str | None = None  # key of the record it describes, if any


# ---------------------------------------------------------------- business plan


@dataclass(frozen=True)
class BudgetLine:
    """A row of a 예산현황 table (e.g. 정책사업) with this year's and last year's budget."""

    category: str
    current: float
    previous: float
    change: float | None
    level: int  # 0 for 계, 1 for the main kinds, 2 for their parts
    span: Span


@dataclass(frozen=True)
class Staffing:
    """A row of the 조직 및 인력현황 table."""

    quota_total: int
    quota_by_grade: tuple[tuple[str, int], ...]
    current: int
    span: Span


@dataclass(frozen=True)
class PolicyGoal:
    """A 정책사업목표 with the counts and budget its table states."""

    name: str
    indicator_count: int | None
    unit_project_count: int | None
    budget: float | None
    span: Span


@dataclass(frozen=True)
class YearValue:
    year: int
    value: float | None  # None for "/" (not applicable)
    text: str  # the cell as written, e.g. "90회"


@dataclass(frozen=True)
class Indicator:
    """A 성과지표 with its yearly targets (목표) and results (실적)."""

    name: str
    unit: str | None
    department: str | None  # as written in the indicator name's prefix
    kind: str | None  # 핵심 / 일반 as written
    weight: float | None
    targets: tuple[YearValue, ...]
    actuals: tuple[YearValue, ...]
    formula: str | None
    source: str | None
    rationale: str | None
    span: Span


@dataclass(frozen=True)
class ProjectOverview:
    """A 관련 예산사업 개요 block."""

    name: str
    content: str | None
    period_start: str | None  # ISO date
    period_end: str | None
    support_form: str | None
    support_condition: str | None
    implementer: str | None  # as written
    span: Span


@dataclass(frozen=True)
class SubProject:
    """A 세부사업: a row of a unit's budget table, joined to its 개요 block."""

    name: str
    amounts: tuple[Amount, ...]
    span: Span
    overview: ProjectOverview | None = None
    implementers: tuple[str, ...] = ()  # normalised names


@dataclass(frozen=True)
class Region:
    name: str
    country: str | None


@dataclass(frozen=True)
class RegionGroup:
    """A listing such as ``label(N) : country region, region, ...`` of partner regions."""

    relation: str  # the label as written, resolved against the SKOS scheme by the builder
    declared_count: int
    regions: tuple[Region, ...]
    span: Span


@dataclass(frozen=True)
class UnitProject:
    """A 단위사업 with its purposes, contents, budget and 세부사업."""

    name: str
    purposes: tuple[str, ...]
    contents: tuple[str, ...]
    account: str | None  # 회계구분
    amounts: tuple[Amount, ...]
    declared_sub_count: int | None
    sub_projects: tuple[SubProject, ...]
    region_groups: tuple[RegionGroup, ...]
    span: Span


@dataclass(frozen=True)
class Department:
    """A 부서 (과/본부) section of the plan."""

    name: str
    strategic_goal: str | None
    direction: str | None  # 기본방향
    teams: tuple[str, ...]
    staffing: Staffing | None
    budget_lines: tuple[BudgetLine, ...]
    policy_goals: tuple[PolicyGoal, ...]
    main_contents: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    unit_projects: tuple[UnitProject, ...]
    span: Span


@dataclass(frozen=True)
class Bureau:
    """The 실국 the plan is about, with its overview tables."""

    name: str
    strategic_goals: tuple[str, ...]
    direction: str | None
    policy_goals: tuple[PolicyGoal, ...]
    budget_lines: tuple[BudgetLine, ...]
    staffing: tuple[tuple[str, Staffing, tuple[str, ...]], ...]  # (department, staffing, teams)
    span: Span


@dataclass(frozen=True)
class BusinessPlan:
    bureau: Bureau
    departments: tuple[Department, ...]
    year: int  # the plan's fiscal year: the latest year of its budget columns


# ---------------------------------------------------------------- policy brief


@dataclass(frozen=True)
class Section:
    title: str
    ordinal: int
    span: Span


@dataclass(frozen=True)
class Programme:
    name: str
    area: str
    span: Span


@dataclass(frozen=True)
class Problem:
    text: str
    span: Span


@dataclass(frozen=True)
class Strategy:
    """A strategy of the brief; ``parent`` is the key of the broader strategy, if any."""

    key: str
    name: str
    description: str | None
    parent: str | None
    span: Span
    alt_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phase:
    ordinal: int
    name: str
    description: str
    span: Span


@dataclass(frozen=True)
class PolicyBrief:
    sections: tuple[Section, ...]
    programmes: tuple[Programme, ...]
    problems: tuple[Problem, ...]
    strategies: tuple[Strategy, ...]
    phases: tuple[Phase, ...]


# ---------------------------------------------------------------- documents


@dataclass(frozen=True)
class DocumentMeta:
    """What a document is: read from it or given (``kg.meta``); a field neither is None."""

    kind: str  # plan | brief | other
    issuer: str | None = None  # the government, ministry or institute that issued it
    issuer_type: str | None = None  # government | ministry | institute | other
    bureau: str | None = None  # a plan's 소관실국
    year: int | None = None  # a plan's fiscal year; the year another document speaks from
    given: tuple[str, ...] = ()  # the fields given (kg add --meta), not read from the document

    def to_json(self) -> dict:
        return {"kind": self.kind, "issuer": self.issuer, "issuer_type": self.issuer_type, "bureau": self.bureau,
                "year": self.year, "given": list(self.given)}


@dataclass(frozen=True)
class Document:
    """A parsed source document: its metadata, passages and format-specific content."""

    doc_id: str
    title: str
    format: str  # "business_plan", "policy_brief" or "text"
    source_name: str
    sha256: str
    line_count: int
    passages: tuple[Passage, ...] = ()
    plan: BusinessPlan | None = None
    brief: PolicyBrief | None = None
    encoding: str = "utf-8"
    meta: DocumentMeta | None = None
