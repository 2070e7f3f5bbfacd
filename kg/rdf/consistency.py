"""Budget consistency of a business plan: parts against the whole, within source rounding.

The plan rounds every figure to 백만원, so a sum of N rows may differ from the stated
total by up to N (±1 per row). A larger difference is a real mismatch in the source
or a parsing error; both are worth a look, so ``kg validate`` prints them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from kg.lang.keys import key
from kg.records import Amount, BudgetLine, BusinessPlan, Document

# The 예산현황 category that holds project spending: a fixed term of the plan format.
POLICY_CATEGORY = "정책사업"


@dataclass(frozen=True)
class Finding:
    """One consistency check that failed."""

    doc_id: str
    line: int
    subject: str
    check: str
    stated: float
    computed: float
    tolerance: float

    def message(self) -> str:
        diff = self.computed - self.stated
        return (
            f"{self.doc_id}:{self.line}: {self.subject}: {self.check}: stated {self.stated:,.0f}, "
            f"parts add up to {self.computed:,.0f} (difference {diff:+,.0f}, rounding allows ±{self.tolerance:.0f})"
        )

    def to_json(self) -> dict:
        return asdict(self) | {"message": self.message()}


def check_documents(docs) -> list[Finding]:
    out: list[Finding] = []
    for doc in docs:
        if doc.plan is not None:
            out += check_plan(doc, doc.plan)
    return out


def check_plan(doc: Document, plan: BusinessPlan) -> list[Finding]:
    found: list[Finding] = []

    def compare(line: int, subject: str, check: str, stated: float | None, parts: list[float]) -> None:
        if stated is None or not parts:
            return
        computed = sum(parts)
        if abs(computed - stated) > len(parts):
            found.append(Finding(doc.doc_id, line, subject, check, stated, computed, len(parts)))

    for dept in plan.departments:
        for unit in dept.unit_projects:
            for year, kind, stated in _by_column(unit.amounts):
                parts = [a.value for s in unit.sub_projects for a in s.amounts if (a.year, a.kind) == (year, kind)]
                compare(unit.span.start, unit.name, f"세부사업 sum for {year} {kind}", stated, parts)
        policy = _category(dept.budget_lines, POLICY_CATEGORY)
        if policy is not None:
            this_year = [a.value for u in dept.unit_projects for a in u.amounts if (a.year, a.kind) == (plan.year, "budget")]
            last_year = [a.value for u in dept.unit_projects for a in u.amounts if (a.year, a.kind) == (plan.year - 1, "budget")]
            compare(policy.span.start, dept.name, f"단위사업 sum against {POLICY_CATEGORY} {plan.year}", policy.current, this_year)
            compare(policy.span.start, dept.name, f"단위사업 sum against {POLICY_CATEGORY} {plan.year - 1}", policy.previous, last_year)
        for goal in dept.policy_goals:
            units = [a.value for u in dept.unit_projects for a in u.amounts if (a.year, a.kind) == (plan.year, "budget")]
            compare(goal.span.start, goal.name, "단위사업 sum against 정책사업목표 budget", goal.budget, units)
        found += _check_lines(doc.doc_id, dept.name, dept.budget_lines)
    bureau = plan.bureau
    found += _check_lines(doc.doc_id, bureau.name, bureau.budget_lines)
    for line in bureau.budget_lines:
        parts = [d_line.current for d in plan.departments for d_line in d.budget_lines if key(d_line.category) == key(line.category)]
        if len(parts) == len(plan.departments):
            compare(line.span.start, bureau.name, f"부서 sum of {line.category}", line.current, parts)
    return found


def _check_lines(doc_id: str, subject: str, lines: tuple[BudgetLine, ...]) -> list[Finding]:
    """Each row with children (by level) against the sum of its children, this and last year."""
    out = []
    for i, line in enumerate(lines):
        children = []
        for nxt in lines[i + 1 :]:
            if nxt.level <= line.level:
                break
            if nxt.level == line.level + 1:
                children.append(nxt)
        for attr in ("current", "previous"):
            parts = [getattr(c, attr) for c in children]
            stated = getattr(line, attr)
            if parts and abs(sum(parts) - stated) > len(parts):
                out.append(Finding(doc_id, line.span.start, subject, f"{line.category} against its parts ({attr})", stated, sum(parts), len(parts)))
    return out


def _by_column(amounts: tuple[Amount, ...]):
    return [(a.year, a.kind, a.value) for a in amounts]


def _category(lines: tuple[BudgetLine, ...], name: str) -> BudgetLine | None:
    return next((x for x in lines if key(x.category) == key(name)), None)
