"""The SKOS themes (``kgc:Themes``) a text uses, and how close two themes are.

A text uses a theme when it contains one of the theme's Korean labels (preferred or
alternative), compared without white space. Longer labels are tried first and each
stretch of text counts for one label only, so "국제관계대사" is the ambassador theme and
not also "국제관계".
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from kg.lang.keys import key, longest_matches
from kg.rdf.vocab import KGC

# closeness of two themes: the same, one directly broader than the other, or skos:related
SAME, BROADER, RELATED = 1.0, 0.6, 0.4


@dataclass(frozen=True)
class Mention:
    theme: URIRef
    label: str  # the label as written in the scheme
    start: int  # offset in the white-space-free text


class ThemeMatcher:
    def __init__(self, g: Graph):
        labels = []
        for c in set(g.subjects(SKOS.inScheme, KGC.Themes)):
            for p in (SKOS.prefLabel, SKOS.altLabel):
                for label in g.objects(c, p):
                    k = key(str(label)).lower()
                    if getattr(label, "language", None) == "ko" and len(k) >= 2:
                        labels.append((k, str(label), c))
        self._labels = sorted(labels, key=lambda x: (-len(x[0]), x[0], str(x[2])))
        self.abroad = frozenset(g.objects(KGC.AbroadFacingThemes, SKOS.member))
        self.name = {c: str(v) for c in {c for *_, c in labels} for v in g.objects(c, SKOS.prefLabel) if v.language == "ko"}
        self._near: dict[tuple[URIRef, URIRef], float] = {}
        for a, b in g.subject_objects(SKOS.broader):
            self._near[(a, b)] = self._near[(b, a)] = BROADER
        for a, b in g.subject_objects(SKOS.related):
            self._near.setdefault((a, b), RELATED)
            self._near.setdefault((b, a), RELATED)

    def mentions(self, text: str) -> list[Mention]:
        """Every theme label the text uses, longest first, without overlaps, in text order."""
        found = longest_matches(key(text).lower(), [(k, (label, c)) for k, label, c in self._labels])
        return sorted((Mention(c, label, start) for start, _, (label, c) in found), key=lambda m: m.start)

    def themes(self, text: str) -> set[URIRef]:
        return {m.theme for m in self.mentions(text)}

    def closeness(self, a: URIRef, b: URIRef) -> float:
        return SAME if a == b else self._near.get((a, b), 0.0)
