"""What an index folder holds, as types: the contract between ``kg.index`` (which writes it)
and ``kg.search`` (which reads it).

Each type reads and writes its own JSON shape, so the files under ``<build>/index/`` are
described here once. ``IndexData.read`` checks nothing but shapes: the manifest's hashes
(``kg.integrity``) have already said the files are the ones written.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

NODES = "nodes.jsonl"
ENTITIES = "entities.json"
LINKS = "links.json"
TYPES = "types.json"
GLOSSARY = "glossary.json"
NEAR = "near_words.json"


@dataclass(frozen=True)
class IndexNode:
    """A searchable node: what a result shows and the tokens the lexical index saw."""

    iri: str
    type: str
    label: str
    text: str  # shown as evidence
    index_tokens: tuple[str, ...] = ()  # distinct content tokens of the index text

    def to_json(self) -> dict:
        return {"iri": self.iri, "type": self.type, "label": self.label, "text": self.text,
                "index_tokens": list(self.index_tokens)}

    @classmethod
    def from_json(cls, row: dict) -> "IndexNode":
        return cls(row["iri"], row["type"], row["label"], row["text"], tuple(row.get("index_tokens", ())))


@dataclass(frozen=True)
class Entity:
    """Something a question may name: its class, its names and the nodes linked to it."""

    iri: str
    type: str
    names: tuple[str, ...]
    linked: frozenset[str]
    # each name read in English through the glossary: per concept it uses, that concept's English
    # words (an English question names the entity when it has a word of every concept)
    english: tuple[tuple[tuple[str, ...], ...], ...] = ()


@dataclass(frozen=True)
class Alignment:
    """A plan project aligned with a brief strategy (``kg links``), with its evidence."""

    project: str
    strategy: str
    strategy_label: str
    score: float
    evidence: str
    centrality: float = 0.0  # how much of the project's own purpose the strategy's aims are (0–1)


@dataclass(frozen=True)
class StrategyInfo:
    """A strategy of the brief: the strategies under it (itself included) and its names' tokens."""

    iri: str
    under: tuple[str, ...]
    name_tokens: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ThemeInfo:
    """A theme concept (국민외교, 공공외교 …): its names and the strategies about it or a near theme."""

    iri: str
    names: tuple[str, ...]
    strategies: tuple[str, ...]


@dataclass
class IndexData:
    """Everything search reads from an index folder except the lexical and dense indexes."""

    nodes: list[IndexNode]
    entities: dict[str, Entity]
    type_words: dict[str, frozenset[str]]  # head word of a class label → node types it names
    alignments: list[Alignment] = field(default_factory=list)
    strategies: dict[str, StrategyInfo] = field(default_factory=dict)
    themes: dict[str, ThemeInfo] = field(default_factory=dict)
    # glossary concepts as groups of their Korean labels' tokens: a question using all tokens
    # of one label is expanded with the others (월세 → 임차료)
    synonyms: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)
    # the index's Korean words Kiwi has an embedding for: word → (Kiwi morpheme id, hubness: the
    # mean cosine of its ten nearest index words), for finding a question word's near index words
    near_words: dict[str, tuple[int, float]] = field(default_factory=dict)
    # words naming the government every plan in the build belongs to (도, 전북): in a question
    # they say whose the entities are, not what they are about (kg.index.texts.scope_words)
    scope_words: frozenset[str] = frozenset()

    def write(self, folder: Path) -> None:
        folder = Path(folder)
        with open(folder / NODES, "w", encoding="utf-8") as f:
            for n in self.nodes:
                f.write(json.dumps(n.to_json(), ensure_ascii=False) + "\n")
        _dump(folder / ENTITIES, {e.iri: [e.type, list(e.names), sorted(e.linked), [[list(g) for g in n] for n in e.english]]
                                  for e in self.entities.values()})
        _dump(folder / TYPES, {k: sorted(v) for k, v in sorted(self.type_words.items())})
        _dump(folder / GLOSSARY, {"synonyms": [[list(label) for label in group] for group in self.synonyms],
                                  "scope": sorted(self.scope_words)})
        _dump(folder / NEAR, {w: [i, round(h, 4)] for w, (i, h) in sorted(self.near_words.items())})
        _dump(folder / LINKS, {
            "alignments": [a.__dict__ for a in self.alignments],
            "strategies": {s.iri: {"under": list(s.under), "name_tokens": [list(t) for t in s.name_tokens]} for s in self.strategies.values()},
            "themes": {t.iri: {"names": list(t.names), "strategies": list(t.strategies)} for t in self.themes.values()},
        })

    @classmethod
    def read(cls, folder: Path) -> "IndexData":
        folder = Path(folder)
        nodes = [IndexNode.from_json(json.loads(x)) for x in (folder / NODES).read_text(encoding="utf-8").splitlines() if x]
        ents = {k: Entity(k, v[0], tuple(v[1]), frozenset(v[2]), tuple(tuple(tuple(g) for g in n) for n in v[3]))
                for k, v in _load(folder / ENTITIES).items()}
        types = {k: frozenset(v) for k, v in _load(folder / TYPES).items()}
        links = _load(folder / LINKS)
        gloss = _load(folder / GLOSSARY)
        return cls(
            nodes=nodes,
            entities=ents,
            type_words=types,
            alignments=[Alignment(**a) for a in links["alignments"]],
            strategies={k: StrategyInfo(k, tuple(v["under"]), tuple(tuple(t) for t in v["name_tokens"])) for k, v in links["strategies"].items()},
            themes={k: ThemeInfo(k, tuple(v["names"]), tuple(v["strategies"])) for k, v in links["themes"].items()},
            synonyms=[tuple(tuple(label) for label in group) for group in gloss["synonyms"]],
            scope_words=frozenset(gloss["scope"]),
            near_words={w: (int(v[0]), float(v[1])) for w, v in _load(folder / NEAR).items()},
        )


def _dump(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
