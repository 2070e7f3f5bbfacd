"""What a document is, beside what it says: its issuer, bureau, year and kind.

Each is read from the document where it states it, or given with ``kg add --meta KEY=VALUE``
(kept in the source folder's ``metadata.json``, by file name, for every later build):

- **kind**: ``plan``, ``brief`` or ``other``, from the format the parsers detect;
- **issuer**: of the governments, ministries and institutes ``ontology/issuers.ttl`` lists,
  the one the document names most (a plan: among the governments, the plan's own province
  names itself most, in its 시행주체 and text); with its type (government, ministry, institute);
- **bureau**: a plan's 소관실국;
- **year**: a plan's fiscal year (its latest budget column); another document's first year
  written as a date (``2023년``, ``2023.``), the year it speaks from.

A field neither stated nor given is None, and ``kg documents`` shows where each came from.
"""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError
from kg.records import DocumentMeta

META_FILE = "metadata.json"
ISSUERS_FILE = "issuers.ttl"
KINDS = {"business_plan": "plan", "policy_brief": "brief"}
"""The kind of a document by its detected format (anything else is ``other``)."""
ISSUER_TYPES = {"ProvincialGovernments": "government", "Ministries": "ministry", "Institutes": "institute"}
"""The collections of ``issuers.ttl`` and the issuer type each stands for."""
FIELDS = ("issuer", "issuer_type", "bureau", "year", "kind")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*(?:년|\.\s*\d{1,2}\s*\.)")


@dataclass(frozen=True)
class Issuers:
    """The issuers a document may name: their names (prefLabel@ko), types and the names that
    count as each."""

    types: dict[str, str] = field(default_factory=dict)  # name → government | ministry | institute
    names: dict[str, str] = field(default_factory=dict)  # any label → name

    @classmethod
    def load(cls, ontology_dir: Path) -> Issuers:
        """From ``ontology_dir/issuers.ttl`` (none if the file is not there)."""
        path = Path(ontology_dir) / ISSUERS_FILE
        if not path.is_file():
            return cls()
        from rdflib import Graph, URIRef
        from rdflib.namespace import SKOS

        from kg.rdf.vocab import BASE

        g = Graph().parse(path, format="turtle")
        types, names = {}, {}
        for collection, kind in ISSUER_TYPES.items():
            for member in g.objects(URIRef(f"{BASE}concept/{collection}"), SKOS.member):
                name = next((str(x) for x in g.objects(member, SKOS.prefLabel) if x.language == "ko"), None)
                if name is None:
                    continue
                types[name] = kind
                for label in (*g.objects(member, SKOS.prefLabel), *g.objects(member, SKOS.altLabel)):
                    if label.language == "ko":
                        names[str(label)] = name
        return cls(types, names)

    def pattern(self) -> re.Pattern | None:
        if not self.names:
            return None
        return re.compile("|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True)))

    def most_named(self, text: str, kinds: set[str] | None = None) -> str | None:
        """The issuer ``text`` names most (of ``kinds``; ties: the first named), or None."""
        pattern = self.pattern()
        if pattern is None:
            return None
        counts: Counter = Counter()
        first: dict[str, int] = {}
        for m in pattern.finditer(text):
            name = self.names[m.group(0)]
            if kinds is None or self.types[name] in kinds:
                counts[name] += 1
                first.setdefault(name, m.start())
        if not counts:
            return None
        return min(counts, key=lambda n: (-counts[n], first[n]))

    def canonical(self, name: str) -> str:
        """The issuer's own name for any of its names (a name not listed stays as it is)."""
        return self.names.get(name.strip(), name.strip())


@dataclass(frozen=True)
class MetaReader:
    """Reads each document's metadata as it is parsed: ``issuers`` to recognise, ``given`` the
    fields given by file name (``metadata.json``)."""

    issuers: Issuers = field(default_factory=Issuers)
    given: dict[str, dict] = field(default_factory=dict)

    def read(self, source_name: str, fmt: str, lines: list[str], plan=None) -> DocumentMeta:
        text = "\n".join(lines)
        kind = KINDS.get(fmt, "other")
        issuer = self.issuers.most_named(text, {"government"} if kind == "plan" else None)
        if plan is not None:
            bureau, year = plan.bureau.name or None, plan.year or None
        else:
            m = _YEAR.search(text)
            bureau, year = None, int(m.group(1)) if m else None
        stated = {"kind": kind, "issuer": issuer, "bureau": bureau, "year": year}
        given = self.given.get(source_name, {})
        values = {**stated, **{k: v for k, v in given.items() if k != "issuer_type"}}
        if "issuer" in given:
            values["issuer"] = self.issuers.canonical(str(given["issuer"]))
        issuer_type = given.get("issuer_type") or (self.issuers.types.get(values["issuer"]) if values["issuer"] else None)
        return DocumentMeta(kind=values["kind"], issuer=values["issuer"], issuer_type=issuer_type, bureau=values["bureau"],
                            year=values["year"], given=tuple(k for k in FIELDS if k in given))


# ---------------------------------------------------------------- given metadata


def parse_pairs(pairs: list[str]) -> dict:
    """``KEY=VALUE`` pairs of ``--meta`` as fields, checked. Raises InputError naming the bad one."""
    out: dict = {}
    for pair in pairs or ():
        key, sep, value = str(pair).partition("=")
        key, value = key.strip().replace("-", "_"), value.strip()
        if not sep or key not in FIELDS or not value:
            raise InputError(f"--meta {str(pair)[:80]!r}: give KEY=VALUE with KEY one of {', '.join(FIELDS)}")
        out[key] = _checked(key, value)
    return out


def _checked(key: str, value):
    if key == "year":
        try:
            year = int(str(value))
        except ValueError:
            raise InputError(f"--meta year={str(value)[:20]}: a year is four digits, e.g. year=2024") from None
        if not 1900 <= year <= 2200:
            raise InputError(f"--meta year={year}: not a year of a policy document")
        return year
    if key == "kind" and value not in ("plan", "brief", "other"):
        raise InputError(f"--meta kind={str(value)[:20]}: the kinds are plan, brief and other")
    if key == "issuer_type" and value not in set(ISSUER_TYPES.values()) | {"other"}:
        raise InputError(f"--meta issuer_type={str(value)[:20]}: the types are {', '.join(ISSUER_TYPES.values())} and other")
    value = str(value)
    if len(value) > 200 or any(ord(c) < 32 for c in value):
        raise InputError(f"--meta {key}: a name of at most 200 characters on one line")
    return value


def given_meta(raw_dir: Path) -> dict[str, dict]:
    """The fields given for the source folder's files (``metadata.json``; none if absent)."""
    path = Path(raw_dir) / META_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ValueError("not an object of objects")
        return {str(name): {k: _checked(k, v) for k, v in fields.items() if k in FIELDS} for name, fields in data.items()}
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable metadata file ({exc}); fix or remove it") from None


def _write(raw_dir: Path, entries: dict[str, dict]) -> None:
    path = Path(raw_dir) / META_FILE
    if not entries:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(f".{META_FILE}.{os.getpid()}")
    tmp.write_text(json.dumps(dict(sorted(entries.items())), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@contextmanager
def changing(raw_dir: Path, add: dict[str, dict] | None = None, drop: list[str] = ()) -> Iterator[None]:
    """``metadata.json`` with ``add`` (fields by file name, merged) and without ``drop`` for the
    time of the block; as it was again if the block fails."""
    path = Path(raw_dir) / META_FILE
    before = given_meta(raw_dir)
    after = {k: dict(v) for k, v in before.items() if k not in set(drop)}
    for name, fields in (add or {}).items():
        after.setdefault(name, {}).update(fields)
    if after == before:
        yield
        return
    kept = path.read_bytes() if path.is_file() else None
    _write(raw_dir, after)
    try:
        yield
    except BaseException:
        if kept is None:
            path.unlink(missing_ok=True)
        else:  # the very bytes it had
            tmp = path.with_name(f".{META_FILE}.{os.getpid()}")
            tmp.write_bytes(kept)
            os.replace(tmp, path)
        raise


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class Within:
    """Which documents a search or an exact answer reads: those of any of ``issuers``, of any
    of ``years`` and of any of ``kinds`` (an empty set: any). No condition: every document."""

    issuers: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    kinds: frozenset[str] = frozenset()

    @classmethod
    def of(cls, issuers=(), years=(), kinds=(), known: Issuers | None = None) -> Within:
        """From the values a user gives (a year as text too); issuers by any of their names."""
        try:
            ys = frozenset(int(y) for y in years or ())
        except (TypeError, ValueError):
            raise InputError("a year to filter by is four digits, e.g. --year 2024") from None
        bad = [k for k in kinds or () if k not in ("plan", "brief", "other")]
        if bad:
            raise InputError(f"{bad[0]!r}: the kinds are plan, brief and other")
        names = frozenset((known.canonical(str(i)) if known else str(i).strip()) for i in issuers or () if str(i).strip())
        return cls(names, ys, frozenset(kinds or ()))

    def __bool__(self) -> bool:
        return bool(self.issuers or self.years or self.kinds)

    def admits(self, meta: dict | None) -> bool:
        """Whether a document with ``meta`` (``DocumentMeta.to_json()``) is read."""
        meta = meta or {}
        return ((not self.issuers or meta.get("issuer") in self.issuers)
                and (not self.years or meta.get("year") in self.years)
                and (not self.kinds or meta.get("kind", "other") in self.kinds))

    def documents(self, metas: dict[str, dict | None]) -> frozenset[str]:
        """The ids of the documents read, of ``metas`` (document id → its metadata)."""
        return frozenset(d for d, m in metas.items() if self.admits(m))

    def describe(self) -> str:
        """The condition as the interpretation of an answer says it."""
        parts = []
        if self.issuers:
            parts.append("발행 기관=" + "·".join(sorted(self.issuers)))
        if self.years:
            parts.append("문서 연도=" + "·".join(str(y) for y in sorted(self.years)))
        if self.kinds:
            parts.append("문서 종류=" + "·".join(sorted(self.kinds)))
        return ", ".join(parts)

    def to_json(self) -> dict:
        return {"issuer": sorted(self.issuers), "year": sorted(self.years), "kind": sorted(self.kinds)}


def document_of(iri: str, documents) -> str | None:
    """The document whose node ``iri`` is (its IRI under the document's id, or the document node
    itself), of ``documents`` (ids); None for a node no document owns (a region, a concept)."""
    from kg.rdf.vocab import ID

    base = str(ID)
    if not iri.startswith(base):
        return None
    head, _, rest = iri[len(base):].partition("/")
    if head == "doc":
        head = rest.split("/", 1)[0]
    return head if head in documents else None


def build_documents(build_dir: Path) -> dict[str, dict | None]:
    """The build's documents by id, with their metadata (None for a build made before it)."""
    path = Path(build_dir) / "manifest.json"
    try:
        docs = json.loads(path.read_text(encoding="utf-8")).get("documents") or []
        return {d["doc_id"]: d.get("meta") for d in docs if isinstance(d, dict) and "doc_id" in d}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}
