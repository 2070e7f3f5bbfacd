"""Budget series across years: the same bureau's plans of several years, joined project by project.

A province's bureau publishes a plan every year, with mostly the same departments and projects
and moving budgets. A project of one year's plan and a project of another year's are the same
project when the plans have the same issuer and bureau (``kg.meta``) and the projects the same
department and the same name, compared as keys (``kg.lang.keys.key``: spacing and middle-dot
variants aside) — a 단위사업 by department and name, a 세부사업 by department, unit and name,
or, where its unit was renamed, by department and name when that name is the department's only
one of that year on both sides. Each such project is a ``kg:ProjectSeries`` in the links graph
(it rests on several documents) naming its members (``kg:seriesMember``); a member's year is its
document's ``kg:documentYear``, its budget the figure of that year (saved query
``budget-series``).

What cannot be matched is reported, never guessed: for every two consecutive years of a bureau's
plans, the projects of the earlier year the later one does not have (ended, or renamed) and
those of the later year the earlier one does not have (new, or renamed) — ``series.json`` in the
build, ``kg series``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg.lang.keys import key
from kg.rdf.vocab import ID, KG, KGC

SERIES_FILE = "series.json"


@dataclass(frozen=True)
class Member:
    """One year's project of a series (or a project left unmatched)."""

    iri: str
    name: str
    level: str  # UnitProject | SubProject
    department: str
    unit: str  # the 단위사업 a 세부사업 is under (its own name for a 단위사업)
    year: int
    budget: float | None  # that year's 예산 (백만원), as that year's plan states it


@dataclass(frozen=True)
class Series:
    iri: str
    issuer: str
    bureau: str
    members: tuple[Member, ...]  # by year

    def to_json(self) -> dict:
        return {"iri": self.iri, "issuer": self.issuer, "bureau": self.bureau, "name": self.members[-1].name,
                "level": self.members[0].level, "department": self.members[-1].department,
                "years": {str(m.year): m.budget for m in self.members}, "members": [m.iri for m in self.members]}


@dataclass(frozen=True)
class Unmatched:
    """A project one year of a bureau's plans has and the next (or the previous) has not."""

    issuer: str
    bureau: str
    member: Member
    missing_in: int  # the year whose plan has no such project
    reading: str  # "ended or renamed" (missing in the next year) | "new or renamed" (missing in the previous)

    def to_json(self) -> dict:
        return {"issuer": self.issuer, "bureau": self.bureau, **asdict(self.member), "missing_in": self.missing_in,
                "reading": self.reading}


@dataclass(frozen=True)
class SeriesReport:
    series: tuple[Series, ...] = ()
    unmatched: tuple[Unmatched, ...] = ()
    bureaus: tuple[tuple[str, str, tuple[int, ...]], ...] = field(default=())  # (issuer, bureau, years) with ≥ 2 years

    def to_json(self) -> dict:
        return {"bureaus": [{"issuer": i, "bureau": b, "years": list(y)} for i, b, y in self.bureaus],
                "series": [s.to_json() for s in self.series], "unmatched": [u.to_json() for u in self.unmatched]}


def _label(g: Graph, node) -> str:
    return str(g.value(node, RDFS.label) or "")


def _budget(g: Graph, node, year: int) -> float | None:
    for b in g.objects(node, KG.budget):
        if g.value(b, KG.fiscalYear) == Literal(year) and g.value(b, KG.budgetKind) == KGC.Budget:
            amount = g.value(b, KG.amount)
            return float(amount) if amount is not None else None
    return None


def _members(doc_id: str, g: Graph) -> tuple[tuple[str, str, int] | None, list[Member]]:
    """((issuer, bureau, year) of a plan's graph, or None; its projects)."""
    doc = ID[f"doc/{doc_id}"]
    issuer, bureau, year = g.value(doc, KG.issuer), g.value(doc, KG.issuingBureau), g.value(doc, KG.documentYear)
    if g.value(doc, KG.documentKind) != Literal("plan") or issuer is None or bureau is None or year is None:
        return None, []
    y = int(year)
    out = []
    for dept in sorted(g.subjects(RDF.type, KG.Department)):
        dname = _label(g, dept)
        for unit in sorted(g.objects(dept, KG.hasUnitProject)):
            uname = _label(g, unit)
            out.append(Member(str(unit), uname, "UnitProject", dname, uname, y, _budget(g, unit, y)))
            for sub in sorted(g.objects(unit, KG.hasSubProject)):
                out.append(Member(str(sub), _label(g, sub), "SubProject", dname, uname, y, _budget(g, sub, y)))
    return (str(issuer), str(bureau), y), out


def _full(m: Member) -> tuple:
    return (m.level, key(m.department), key(m.unit) if m.level == "SubProject" else "", key(m.name))


def _loose(m: Member) -> tuple:
    return (m.level, key(m.department), key(m.name))


def series(documents: dict[str, Graph]) -> SeriesReport:
    """The series of the plans among ``documents`` (document id → its graph)."""
    by_bureau: dict[tuple[str, str], dict[int, list[Member]]] = defaultdict(dict)
    for doc_id, g in sorted(documents.items()):
        head, members = _members(doc_id, g)
        if head is None:
            continue
        issuer, bureau, year = head
        if year in by_bureau[(issuer, bureau)]:
            continue  # two plans of one bureau and year: the first (by id) is its plan of that year
        by_bureau[(issuer, bureau)][year] = members
    found, unmatched, bureaus = [], [], []
    for (issuer, bureau), years in sorted(by_bureau.items()):
        if len(years) < 2:
            continue
        bureaus.append((issuer, bureau, tuple(sorted(years))))
        groups: dict[tuple, dict[int, Member]] = {}
        for year in sorted(years):
            for m in years[year]:
                groups.setdefault(_full(m), {}).setdefault(year, m)
        _join_renamed_units(groups)
        chains = [dict(sorted(g.items())) for g in groups.values()]
        for chain in chains:
            if len(chain) >= 2:
                first = next(iter(chain.values()))
                iri = ID[f"series/{_slug(issuer)}/{_slug(bureau)}/{_slug(first.department)}/" + "/".join(
                    _slug(x) for x in ((first.unit, first.name) if first.level == "SubProject" else (first.name,)))]
                found.append(Series(str(iri), issuer, bureau, tuple(chain.values())))
        ordered = sorted(years)
        for before, after in zip(ordered, ordered[1:]):
            for chain in chains:
                if before in chain and after not in chain:
                    unmatched.append(Unmatched(issuer, bureau, chain[before], after, "ended or renamed"))
                if after in chain and before not in chain:
                    unmatched.append(Unmatched(issuer, bureau, chain[after], before, "new or renamed"))
    found.sort(key=lambda s: s.iri)
    return SeriesReport(tuple(found), tuple(unmatched), tuple(bureaus))


def _join_renamed_units(groups: dict[tuple, dict[int, Member]]) -> None:
    """A 세부사업 whose 단위사업 was renamed: joined by department and name when, on both sides,
    it is the department's only 세부사업 of that name that year."""
    loose: dict[tuple, list[tuple]] = defaultdict(list)
    for full, chain in groups.items():
        if full[0] == "SubProject":
            loose[_loose(next(iter(chain.values())))].append(full)
    for fulls in loose.values():
        if len(fulls) < 2:
            continue
        years = [set(groups[f]) for f in fulls]
        if any(years[i] & years[j] for i in range(len(years)) for j in range(i + 1, len(years))):
            continue  # two of that name in one year: which is which is not known
        keep = fulls[0]
        for other in fulls[1:]:
            groups[keep].update(groups.pop(other))


def _slug(text: str) -> str:
    from kg.rdf.build import slug

    return slug(text)


def add_series(g: Graph, report: SeriesReport) -> int:
    """Each series as a ``kg:ProjectSeries`` node naming its members. Returns how many."""
    for s in report.series:
        node = URIRef(s.iri)
        g.add((node, RDF.type, KG.ProjectSeries))
        g.add((node, RDFS.label, Literal(s.members[-1].name, lang="ko")))
        for m in s.members:
            g.add((node, KG.seriesMember, URIRef(m.iri)))
    return len(report.series)


def iter_lines(report: dict) -> Iterable[str]:
    """``series.json`` as text lines for ``kg series``."""
    for b in report.get("bureaus", []):
        yield f"{b['issuer']} {b['bureau']}: plans of {', '.join(map(str, b['years']))}"
    yield ""
    for s in report.get("series", []):
        years = "  ".join(f"{y}: {'-' if v is None else f'{v:,.0f}'}" for y, v in s["years"].items())
        yield f"[{'단위' if s['level'] == 'UnitProject' else '세부'}] {s['department']} · {s['name']}  {years}"
    if report.get("unmatched"):
        yield ""
        yield "not matched:"
        for u in report["unmatched"]:
            yield (f"  {u['year']} [{'단위' if u['level'] == 'UnitProject' else '세부'}] {u['department']} · {u['name']}: "
                   f"none in {u['missing_in']} ({u['reading']})")
