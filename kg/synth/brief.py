"""Synthetic policy briefs in the layout ``kg.parse.brief`` reads: a PDF's text export where
every physical line is followed by a blank line and two blank lines end a page.

Page one: masthead, background bullets, 추진 현황 (``① area: programme, …``), 문제점 bullets and
the page's captions (the headline first). Page two: one inline heading per strategy area with
its bullets, then the diagram — the root strategy, ``●`` items wrapped over two lines, the
branch labels. Page three: the roadmap's phases. The specification (``BriefSpec``) is the truth.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from kg.synth import words as W

WIDTH = 42.0  # the text column, in em (full-width characters 1, narrow 0.5, spaces 0.3)


@dataclass
class Area:
    name: str  # the strategy area (a branch of the diagram)
    programmes: tuple[str, ...]  # its programmes in 추진 현황
    leaves: tuple[str, ...]  # its items in the diagram


@dataclass
class BriefSpec:
    code: str
    issuer: str
    topic: str
    year: int
    month: int
    root: str
    areas: list[Area]
    problems: tuple[str, ...]
    phases: tuple[tuple[str, str], ...]  # (name, description)

    @property
    def file_name(self) -> str:
        return f"{self.code}_{self.year}{self.month:02d}_brief.txt"


_ISSUERS = ("외교부", "국립외교원", "한국지방행정연구원", "국토연구원", "한국개발연구원", "지방자치인재개발원")
_PHASES = ("착수기", "확산기", "정착기")


def spec(code: str, rng: random.Random, year: int, month: int) -> BriefSpec:
    topic, areas, programmes = rng.choice(W.BRIEF_TOPICS)
    picked = rng.sample(areas, rng.randint(2, 3))
    pool = list(programmes)
    rng.shuffle(pool)
    out = []
    for i, area in enumerate(picked):
        progs = tuple(pool[i::len(picked)][: rng.randint(1, 2)])
        leaves = tuple(f"{area} {w}" for w in rng.sample(("지원 확대", "제도 개선", "협력망 구축", "거점 조성", "교육 강화"), rng.randint(2, 3)))
        out.append(Area(f"{area} 활성화", progs, leaves))
    problems = tuple(f"{a.name.split()[0]} 관련 제도가 부족하고 참여가 일회성 행사에 머무는 한계가 지적됨" for a in out[: rng.randint(1, 3)])
    phases = tuple((name, f"{out[min(i, len(out) - 1)].name.split()[0]} 기반을 마련하고 성과를 넓혀 나감")
                   for i, name in enumerate(_PHASES[: rng.randint(2, 3)]))
    return BriefSpec(code, rng.choice(_ISSUERS), topic, year, month, f"{topic} 기반 조성", out, problems, phases)


def _width(text: str) -> float:
    wide = lambda ch: 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5  # noqa: E731
    return sum(0.3 if ch.isspace() else wide(ch) for ch in text)


def _wrap(text: str) -> list[str]:
    """A paragraph as the PDF laid it out: wrapped at words, a wrapped line keeping its space."""
    lines, cur = [], ""
    for word in text.split(" "):
        if cur and _width(cur + " " + word) > WIDTH:
            lines.append(cur + " ")
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if " " in cur and _width(cur) > 0.8 * WIDTH:  # a last line this long would read as wrapped mid-word
        head, cur = cur.rsplit(" ", 1)
        lines.append(head + " ")
    return lines + [cur]


def text(b: BriefSpec) -> str:
    out: list[str] = []

    def line(x: str = "") -> None:
        out.extend([x, ""])

    def para(x: str) -> None:
        for physical in _wrap(x):
            line(physical)

    def page_break() -> None:
        out.extend(["", ""])

    line("꼭 알아야 할 ")
    line(f"{b.topic} 정책브리프")
    para(f"• {b.topic}은 {b.issuer}가 {b.year}년 주요 과제로 제시한 분야로, 지역과 시민이 함께 참여하는 정책을 찾고 "
         "있으며 중앙과 지방의 역할 분담이 중요해지고 있음")
    para(f"• 지역 단위의 {b.topic} 노력이 국가 목표 달성에 결정적인 역할을 하기 때문에 지방정부의 실행 역량을 높이는 "
         "방안이 필요함")
    line("추진 현황")
    for i, a in enumerate(b.areas):
        para(f"{chr(0x2460 + i)} {a.name.split()[0]}: {', '.join(a.programmes)}")
    line("문제점")
    for p in b.problems:
        para(f"• {p}")
    line(f"{b.topic} 정책의 전환이 시급하다")
    line(f"{b.topic}의 배경")
    line("추진 현황과 문제점")
    page_break()
    for a in b.areas:
        line(a.name)
        para(f"• {a.name.split()[0]} 분야에서 {', '.join(a.leaves)}을 차례로 추진하여 성과를 높여야 함")
        para(f"- {' 및 '.join(a.leaves)} 과제를 우선 추진함")
    line(f"  {b.root}  ")
    for a in b.areas:
        for leaf in a.leaves:
            head, tail = leaf.rsplit(" ", 1)
            line(f"● {head}")
            line(tail)
    for a in b.areas:
        head, tail = a.name.rsplit(" ", 1)
        out.extend([head, tail, ""])
    page_break()
    para(f"• {b.topic} 정책의 추진 단계를 {', '.join(n for n, _ in b.phases)}로 구분하고 단계별로 중점 과제를 다음과 같이 정함")
    for i, (name, desc) in enumerate(b.phases, 1):
        para(f"- {name}({i}단계) : {desc}")
    line("단계별 추진방향")
    return "\n".join(out).rstrip("\n") + "\n"


def truth(b: BriefSpec) -> dict:
    return {
        "kind": "brief", "file": b.file_name, "issuer": b.issuer, "topic": b.topic, "year": b.year,
        "strategies": 1 + len(b.areas) + sum(len(a.leaves) for a in b.areas),
        "tree": {a.name: sorted(a.leaves) for a in b.areas},
        "programmes": [p for a in b.areas for p in a.programmes],
        "problems": len(b.problems),
        "phases": [n for n, _ in b.phases],
    }
