"""Parser for policy briefs exported from PDF to text (short bulleted reports with sidebars).

The parser knows the layout, never the content. What it keys on:

* Every physical line is followed by a blank line; a run of two or more blank lines is a
  page break (in a PDF, its pages are the pages). A paragraph starts at a bullet (``•``, ``-``, ``①``, ``※``, ``1.``) or at a
  long unmarked line and continues while the previous line was wrapped: a line ending in
  white space was wrapped at a word (join with a space); a line without one that fills
  the text width was wrapped mid-word (join with nothing). Other short unmarked lines are
  headings.
* Headings before the first paragraph of the document are its masthead; headings after
  the last paragraph of a page are that page's captions (sidebar titles, the first one
  being the headline); the others are inline headings that rule the paragraphs below them.
* A diagram is a page tail that starts with the line before the first ``●`` item: a title
  (the root strategy), ``●`` items wrapped over lines, then branch labels. Labels and items
  are tied to inline headings by character-bigram similarity, because flattening the
  diagram lost its geometry.
"""
from __future__ import annotations

import math
import re
import statistics
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from kg.parse.text import SourceText, squash
from kg.lang.keys import key
from kg.records import Passage, Phase, PolicyBrief, Problem, Programme, Section, Span, Strategy

# Generic section-kind words of the policy-brief format naming the problems part. Layout
# alone cannot tell "problems" from "current state", so this is the one vocabulary we use.
PROBLEM_HEADINGS = ("과제", "문제점", "문제", "한계", "쟁점")

_MARKER = re.compile(r"^\s*(?P<m>[•●※\u2460-\u2473]|-(?=\s)|\d{1,2}\.(?=\s))\s*")
_BULLETS = frozenset("•-●")  # pure bullets: dropped from passage text; numbers and notes stay
_TOP_LEVEL = "•"
_DIAGRAM_ITEM = "●"
_AREA = re.compile(r"^(?P<area>[^:：]{1,40}?)\s*[:：]\s*(?P<items>.+)$")
_PHASE = re.compile(r"^(?P<name>[^():：]{1,40}?)\s*\(\s*(?P<n>\d{1,2})\s*[^()\d]{0,6}\)\s*[:：]\s*(?P<desc>.+)$")
_WORD = re.compile(r"\w+")
# A mid-word wrap fills the text column; lines ending a paragraph early fall short of this.
_FULL_LINE = 0.94
# Share of a diagram label's weighted bigrams that a heading must contain to be its match.
_LABEL_MATCH = 0.5


@dataclass(frozen=True)
class _Para:
    marker: str | None
    body: str
    pieces: tuple[tuple[int, int], ...]  # (offset in body, line number) per physical line

    @property
    def text(self) -> str:
        return self.body if self.marker in _BULLETS or self.marker is None else f"{self.marker} {self.body}"

    def lines(self, start: int = 0, end: int | None = None) -> tuple[int, int]:
        """First and last line holding body[start:end]."""
        end = len(self.body) if end is None else end
        stops = [off for off, _ in self.pieces[1:]] + [len(self.body) + 1]
        hit = [n for (off, n), stop in zip(self.pieces, stops) if off < max(end, start + 1) and stop > start]
        return hit[0], hit[-1]


@dataclass(frozen=True)
class _Page:
    entries: tuple[tuple[str, object], ...]  # ("para", _Para) or ("head", line number)
    diagram: tuple[tuple[int, ...], ...]  # blocks of consecutive lines, items and labels
    diagram_title: tuple[int, ...] = ()


def looks_like_brief(lines: Sequence[str]) -> bool:
    """True for a PDF-exported brief: bullet paragraphs, one line per blank, no tab tables."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 8:
        return False
    tabbed = sum(1 for i in filled if "\t" in lines[i])
    spaced = sum(1 for i in filled if i + 1 < len(lines) and not lines[i + 1].strip())
    bullets = sum(1 for i in filled if _marker(lines[i]) in ("•", "\u2460", "\u2461", "\u2462"))
    return tabbed <= 0.05 * len(filled) and spaced >= 0.7 * len(filled) and bullets >= 3


def parse_brief(src: SourceText, doc_id: str) -> tuple[str, PolicyBrief, tuple[Passage, ...]]:
    """Parse a policy brief.

    Args:
        src: the decoded source, lines already normalised.
        doc_id: document id put into every span.

    Returns:
        (title, brief, passages).
    """
    lines = src.lines
    full = _FULL_LINE * _reference_width(lines)
    spaced = _wrap_space(lines)
    pages = [_read_page(lines, blocks, full, spaced) for blocks in _pages(lines, src.page_starts())]
    masthead, captions, inline = _classify_headings(pages)
    sections, paras, heading_of, section_of = _sections(lines, pages, captions, inline, doc_id)
    strategies, about = _strategies(lines, pages, inline, paras, heading_of, doc_id)
    passages = tuple(
        Passage(i, p.text, Span(doc_id, *p.lines()), section_of[i - 1], about.get(heading_of[i - 1]))
        for i, p in enumerate(paras, 1)
    )
    problems = tuple(
        Problem(p.body, Span(doc_id, *p.lines()))
        for p, h in zip(paras, heading_of)
        if h is not None and p.marker == _TOP_LEVEL and key(lines[h - 1]) in PROBLEM_HEADINGS
    )
    brief = PolicyBrief(sections, _programmes(paras, doc_id), problems, strategies, _phases(paras, doc_id))
    return _title(lines, masthead, captions, paras), brief, passages


def _sections(lines, pages, captions, inline, doc_id):
    """Section records, the paragraphs, and the inline heading and section title of each.

    Captions are a page's titles, so in reading order they precede its inline headings;
    a caption's span is its own line, an inline heading's runs to its last paragraph.
    A paragraph takes the inline heading above it on its page; a run of paragraphs under
    none takes the page caption its text best matches (sidebars sit beside such runs),
    or on a page without captions the section in force before it.
    """
    title_at = {n: squash(lines[n - 1]) for n in (*captions, *inline)}
    sections: list[Section] = []
    paras: list[_Para] = []
    heading_of: list[int | None] = []
    section_of: list[str | None] = []
    carried: str | None = None
    for page in pages:
        page_caps = [n for kind, n in page.entries if kind == "head" and n in captions]
        for n in (*page_caps, *(n for kind, n in page.entries if kind == "head" and n in inline)):
            sections.append(Section(title_at[n], len(sections) + 1, Span(doc_id, n, n)))
        current: int | None = None
        run: list[_Para] = []
        for kind, item in (*page.entries, ("end", None)):
            if kind != "para" and run:
                cap = _best([_grams(title_at[n]) for n in page_caps], _grams(" ".join(p.body for p in run)), True)
                carried = title_at[page_caps[cap[0]]] if cap else carried
                section_of.extend([carried] * len(run))
                run = []
            if kind == "head" and item in inline:
                current = item
            elif kind == "para":
                paras.append(item)
                heading_of.append(current)
                if current is None:
                    run.append(item)
                else:
                    carried = title_at[current]
                    section_of.append(carried)
    for i, s in enumerate(sections):
        ends = [p.lines()[1] for p, h in zip(paras, heading_of) if h == s.span.start]
        if ends:
            sections[i] = Section(s.title, s.ordinal, Span(doc_id, s.span.start, max(ends)))
    return tuple(sections), paras, heading_of, section_of


# ---------------------------------------------------------------- layout


def _width(line: str) -> float:
    """Printed width in em: full-width characters 1, narrow ones 0.5, spaces 0.3."""
    wide = lambda ch: 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5  # noqa: E731
    return sum(0.3 if ch.isspace() else wide(ch) for ch in line.strip())


def _reference_width(lines: Sequence[str]) -> float:
    """Width of a full text line: the median word-wrapped line (they end in white space)."""
    widths = [_width(x) for x in lines if x.strip()] or [1.0]
    wrapped = [_width(x) for x in lines if x.strip() and x[-1].isspace()]
    wrapped = [w for w in wrapped if w >= max(widths) / 2]
    if len(wrapped) >= 3:
        return statistics.median(wrapped)
    return sorted(widths)[int(0.9 * (len(widths) - 1))]  # trailing spaces lost: use long lines


def _pages(lines: Sequence[str], starts: frozenset[int] = frozenset()) -> list[list[tuple[int, ...]]]:
    """Pages as lists of blocks (runs of consecutive non-blank lines, 1-based numbers): a page
    ends at two blank lines or more, and before each line of ``starts`` (a PDF's pages)."""
    pages: list[list[tuple[int, ...]]] = [[]]
    block: list[int] = []
    blanks = 0
    for n, line in enumerate((*lines, ""), 1):
        if n in starts and block:
            pages[-1].append(tuple(block))
            block = []
        if n in starts or line.strip() and blanks >= 2:
            if pages[-1]:
                pages.append([])
        if line.strip():
            block.append(n)
            blanks = 0
            continue
        if block:
            pages[-1].append(tuple(block))
            block = []
        blanks += 1
    return [p for p in pages if p]


def _wrap_space(lines: Sequence[str]):
    """How to tell a line wrapped at a word from one broken mid-word: by its trailing space when
    the document writes one where it wrapped at a word (a text export, or a PDF whose producer
    draws the space: three such lines or more), else (a PDF without them) by asking the Korean
    analyser whether a space belongs where the lines meet (kiwipiepy's ``Kiwi.space``)."""
    if sum(1 for x in lines if x.strip() and x[-1].isspace()) >= 3:
        return _trailing_space

    def belongs(prev: str, nxt: str) -> bool:
        from kg.lang.korean import kiwi

        left, right = " ".join(prev.split()[-2:]), " ".join(nxt.split()[:2])  # the words around the join
        if not left or not right:
            return False
        spaced = kiwi().space(left + right, reset_whitespace=False)
        return spaced.startswith(left + " ")

    return belongs


def _trailing_space(prev: str, nxt: str) -> bool:
    """A line wrapped at a word ends in the space it was wrapped at."""
    return prev[-1:].isspace()


def _read_page(lines: Sequence[str], blocks: list[tuple[int, ...]], full: float, spaced=_trailing_space) -> _Page:
    """Split a page into paragraphs and headings, and cut off its diagram tail."""
    first_item = next((i for i, b in enumerate(blocks) if _marker(lines[b[0] - 1]) == _DIAGRAM_ITEM), None)
    diagram: tuple[tuple[int, ...], ...] = ()
    title: tuple[int, ...] = ()
    if first_item is not None:
        start = first_item
        if start and _marker(lines[blocks[start - 1][0] - 1]) is None:
            start -= 1  # the unmarked line above the first box titles the diagram
            title = blocks[start]
        diagram, blocks = tuple(blocks[first_item:]), blocks[:start]
    entries: list[tuple[str, object]] = []
    group: list[int] = []

    def close() -> None:
        if group:
            entries.append(("para", _join(lines, group, spaced)))
            group.clear()

    for n in (n for b in blocks for n in b):
        line = lines[n - 1]
        if _marker(line) is not None:
            close()
            group.append(n)
        elif group and _wrapped(lines[group[-1] - 1], full):
            group.append(n)
        elif _width(line) >= full:
            close()
            group.append(n)
        else:
            close()
            entries.append(("head", n))
    close()
    return _Page(tuple(entries), diagram, title)


def _marker(line: str) -> str | None:
    m = _MARKER.match(line)
    return m["m"] if m else None


def _wrapped(line: str, full: float) -> bool:
    return line[-1:].isspace() or _width(line) >= full


def _join(lines: Sequence[str], numbers: list[int], spaced=_trailing_space) -> _Para:
    """Join a paragraph's lines: a space after a word wrap, nothing after a mid-word wrap
    (``spaced(prev, next)`` tells them apart)."""
    m = _MARKER.match(lines[numbers[0] - 1])
    body, pieces = "", []
    for i, n in enumerate(numbers):
        raw = lines[n - 1]
        if i:
            prev = lines[numbers[i - 1] - 1]
            # A middle dot binds the words around it (A·B), even when the line breaks after it.
            body += " " if not prev.rstrip().endswith("·") and spaced(prev, raw) else ""
        pieces.append((len(body), n))
        body += squash(raw[m.end():] if i == 0 and m else raw)
    return _Para(m["m"] if m else None, body, tuple(pieces))


def _classify_headings(pages: list[_Page]) -> tuple[list[int], set[int], set[int]]:
    """Masthead lines, captions (headings after a page's last paragraph), inline headings."""
    masthead: list[int] = []
    captions: set[int] = set()
    inline: set[int] = set()
    seen_para = False
    for page in pages:
        last_para = max((i for i, (kind, _) in enumerate(page.entries) if kind == "para"), default=-1)
        for i, (kind, n) in enumerate(page.entries):
            if kind == "para":
                seen_para = True
            elif not seen_para:
                masthead.append(n)
            elif i > last_para:
                captions.add(n)
            else:
                inline.add(n)
    return masthead, captions, inline


def _title(lines, masthead: list[int], captions: set[int], paras: list[_Para]) -> str:
    """Masthead and headline (the first caption), e.g. ``series: headline``."""
    head = squash(" ".join(lines[n - 1] for n in masthead))
    headline = squash(lines[min(captions) - 1]) if captions else ""
    if head and headline:
        return f"{head}: {headline}"
    return head or headline or (paras[0].body[:60] if paras else "")


# ---------------------------------------------------------------- similarity


def _grams(text: str) -> set[str]:
    """Character bigrams inside words (one-letter words kept whole): robust to spacing."""
    grams: set[str] = set()
    for word in _WORD.findall(unicodedata.normalize("NFC", text)):
        grams.update([word] if len(word) == 1 else (word[i : i + 2] for i in range(len(word) - 1)))
    return grams


def _similarities(candidates: list[set[str]], text: set[str], candidate_in_text: bool) -> list[float]:
    """How similar each candidate is to ``text``.

    Bigrams are weighted by rarity among the candidates (those shared by all barely count).
    The score is the weighted share of the candidate's bigrams found in ``text`` when
    ``candidate_in_text``, else the share of the text's bigrams found in the candidate.
    """
    df: dict[str, int] = {}
    for c in candidates:
        for g in c:
            df[g] = df.get(g, 0) + 1
    weight = lambda g: math.log((len(candidates) + 1) / df.get(g, 1))  # noqa: E731
    scores = []
    for c in candidates:
        needle, hay = (c, text) if candidate_in_text else (text, c)
        total = sum(weight(g) for g in needle)
        scores.append(sum(weight(g) for g in needle if g in hay) / total if total else 0.0)
    return scores


def _best(candidates: list[set[str]], text: set[str], candidate_in_text: bool) -> tuple[int, float] | None:
    """Index and score of the candidate most similar to ``text`` (see ``_similarities``)."""
    if not candidates:
        return None
    scores = _similarities(candidates, text, candidate_in_text)
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return best, scores[best]


def _assign(names: list[str], paragraphs: list[str]) -> list[str | None]:
    """Each item's evidence paragraph: the most similar one, distinct paragraphs while they last.

    A branch argues each of its items in a paragraph of its own, so once a paragraph is
    the clear best for one item the others look elsewhere (greedy, best pairs first).
    """
    grams = [_grams(p) for p in paragraphs]
    sims = [_similarities(grams, _grams(n), False) if grams else [] for n in names]
    pairs = sorted(((s, i, j) for i, row in enumerate(sims) for j, s in enumerate(row) if s > 0), key=lambda x: (-x[0], x[1], x[2]))
    out: list[str | None] = [None] * len(names)
    taken: set[int] = set()
    for _, i, j in pairs:
        if out[i] is None and (j not in taken or len(taken) >= len(paragraphs)):
            out[i] = paragraphs[j]
            taken.add(j)
    return out


# ---------------------------------------------------------------- content records


def _programmes(paras: list[_Para], doc_id: str) -> tuple[Programme, ...]:
    """``① AREA: item, item (a, b), item`` paragraphs: one Programme per top-level item."""
    out = []
    for p in paras:
        if p.marker is None or not "\u2460" <= p.marker <= "\u2473" or not (m := _AREA.match(p.body)):
            continue
        area, pos, depth = squash(m["area"]), m.start("items"), 0
        for i, ch in enumerate(p.body[pos:] + ",", pos):
            depth += (ch in "(（[") - (ch in ")）]")
            if ch in ",，" and (depth <= 0 or i == len(p.body)):  # an unclosed "(" ends at the end
                name = p.body[pos:i].strip()
                if name:
                    lead = pos + len(p.body[pos:i]) - len(p.body[pos:i].lstrip())
                    out.append(Programme(name, area, Span(doc_id, *p.lines(lead, i))))
                pos = i + 1
    return tuple(out)


def _phases(paras: list[_Para], doc_id: str) -> tuple[Phase, ...]:
    """``NAME(N…) : description`` bullets: stage N of a roadmap."""
    return tuple(
        Phase(int(m["n"]), squash(m["name"]), m["desc"].strip(), Span(doc_id, *p.lines()))
        for p in paras
        if p.marker is not None and (m := _PHASE.match(p.body))
    )


def _strategies(lines, pages, inline, paras, heading_of, doc_id):
    """Strategy tree of each diagram, and the branch key of each inline heading it uses."""
    out: list[Strategy] = []
    about: dict[int, str] = {}
    used: set[str] = set()

    def add(name: str, description, parent, start: int, end: int, alt=()) -> str:
        k, i = key(name), 2
        while k in used:
            k, i = f"{key(name)}-{i}", i + 1
        used.add(k)
        out.append(Strategy(k, name, description, parent, Span(doc_id, start, end), alt))
        return k

    text_of = lambda block: squash(" ".join(lines[n - 1] for n in block))  # noqa: E731
    for page in pages:
        if not page.diagram:
            continue
        title, blocks = page.diagram_title, page.diagram
        root = add(text_of(title), None, None, title[0], title[-1]) if title else None
        items: list[list[int]] = []
        labels: list[tuple[int, ...]] = []
        heads = sorted(h for h in inline if h < blocks[0][0])
        head_grams = [_grams(lines[h - 1]) for h in heads]
        is_item = [_marker(lines[b[0] - 1]) == _DIAGRAM_ITEM for b in blocks]
        last_item = max((i for i, x in enumerate(is_item) if x), default=-1)
        for i, block in enumerate(blocks):
            if is_item[i]:
                items.append(list(block))
            elif i > last_item and (labels or _score(head_grams, text_of(block)) >= _LABEL_MATCH):
                labels.append(block)  # labels close the diagram; the first one matching a heading starts them
            else:
                items[-1].extend(block)  # a box wrapped over several lines
        branches: list[tuple[str, set[str], list[str]]] = []
        for block in labels:
            name = text_of(block)
            match = _best(head_grams, _grams(name), False)
            head = heads[match[0]] if match and match[1] >= _LABEL_MATCH else None
            own = [p for p, h in zip(paras, heading_of) if head is not None and h == head]
            body = [p.body for p in own]
            alt = (squash(lines[head - 1]),) if head is not None and key(lines[head - 1]) != key(name) else ()
            k = add(name, " ".join(body) or None, root, block[0], block[-1], alt)
            if head is not None:
                about.setdefault(head, k)
            # items are argued in the sub-bullets; the top-level bullets summarise the branch
            detail = [p.body for p in own if p.marker != _TOP_LEVEL] or body
            branches.append((k, _grams(" ".join([name, *alt, *body])), detail))
        placed = []  # (name, block, branch index or None)
        for block in items:
            name = text_of(block)
            name = name[_MARKER.match(name).end():]
            match = _best([g for _, g, _ in branches], _grams(name), False)
            placed.append((name, block, match[0] if match else None))
        evidence: dict[int, str | None] = {}
        for b, (_, _, detail) in enumerate(branches):
            mine = [i for i, (_, _, at) in enumerate(placed) if at == b]
            evidence.update(zip(mine, _assign([placed[i][0] for i in mine], detail)))
        for i, (name, block, at) in enumerate(placed):
            add(name, evidence.get(i), branches[at][0] if at is not None else root, block[0], block[-1])
    return tuple(out), about


def _score(candidates: list[set[str]], text: str) -> float:
    return (_best(candidates, _grams(text), False) or (0, 0.0))[1]
