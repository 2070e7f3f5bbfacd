"""Reading and normalising exported text: decoding, export noise, cells and numbers.

Normalisation keeps the line count, so a line number in a record is a line number in
the source file.
"""
from __future__ import annotations

import hashlib
import html
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_BLOCK_TAG = re.compile(r"</?(?:li|ul|ol|p|div|br|tr|td|th)\b[^<>]*>", re.I)
_HEADING_MARK = re.compile(r"^\s{0,3}#{1,6}\s+")
_RULE = re.compile(r"^\s*(?:-{2,}|={2,}|\*{3,}|_{3,})\s*$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
# every Unicode space separator (NBSP, U+2000–U+200A, ideographic space …) becomes a space
_SPACES = str.maketrans({c: " " for c in "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"})
_CELL_SPLIT = re.compile(r"\t| {2,}")
# control characters (C0 but tab, DEL, C1): a document's text never carries them into the graph,
# where they would make XML ill-formed and reach terminals as escape sequences
_CONTROLS = dict.fromkeys([*range(0, 9), *range(10, 32), *range(127, 160)], None)


@dataclass(frozen=True)
class SourceLimits:
    """How big a source document may be. The parsers are not built for huge inputs (a 5 MB text
    took 155 s and 1.6 GB; 50 MB ran 13 minutes to 15.5 GB before it was killed), and a provincial
    plan exported as text is 20–500 k characters (this corpus's plan: 45 KB, 21,601)."""

    max_bytes: int = 10_000_000
    """Largest file read (checked before reading)."""
    max_chars: int = 500_000
    """Most characters of one decoded document (23 × the corpus plan)."""


LIMITS = SourceLimits()


PAGE_PLACE = "{}쪽"
"""The place of a line on a PDF's page N (``places``)."""


@dataclass(frozen=True)
class SourceText:
    """A decoded source file: raw text, normalised lines (1-based via ``line(n)``)."""

    path: Path
    raw: str
    lines: tuple[str, ...]
    encoding: str
    sha256: str
    places: tuple[str, ...] = ()  # where each line is in a PDF (its page) or 한글 document (paragraph, table row)

    def line(self, number: int) -> str:
        return self.lines[number - 1]

    def page_starts(self) -> frozenset[int]:
        """The numbers of the lines that begin a PDF's pages after its first (none for a text
        export, whose page breaks are in its text, or a 한글 document, which has no pages)."""
        suffix = PAGE_PLACE.format("")
        return frozenset(n for n in range(2, len(self.places) + 1)
                         if self.places[n - 1] != self.places[n - 2] and self.places[n - 1].endswith(suffix))


def check_file(path: Path, limits: SourceLimits = LIMITS) -> os.stat_result:
    """The file's status if it is a regular file (not a link, device or pipe) within the size limit."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=str(path)) from None
    if stat.S_ISLNK(st.st_mode):
        raise InputError("a symbolic link; copy the document into the folder instead", path=str(path))
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file", path=str(path))
    if st.st_size > limits.max_bytes:
        raise InputError(f"{st.st_size / 1e6:,.1f} MB; a source may be at most {limits.max_bytes / 1e6:,.1f} MB "
                         "(KG_MAX_SOURCE_MB)", path=str(path))
    return st


def read_source(path: Path, limits: SourceLimits = LIMITS) -> SourceText:
    """Read a source document — text, or a PDF, HWPX or HWP 5.0 file told by its content
    (``kg.parse.readers``) — into lines; raise ``InputError`` naming the file if it is unusable.
    Links, devices and pipes are never read, nor more than ``limits`` allow. ``encoding`` is the
    text's encoding, or the container (``pdf``, ``hwpx``, ``hwp``) it was read from."""
    path = Path(path)
    check_file(path, limits)
    try:  # O_NOFOLLOW: the file checked is the file read, even if it was swapped for a link since
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=str(path)) from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise InputError("not a regular file", path=str(path))
        data = f.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise InputError(f"larger than {limits.max_bytes / 1e6:,.1f} MB (KG_MAX_SOURCE_MB)", path=str(path))
    if not data.strip():
        raise InputError("empty file", path=str(path))
    from kg.parse.readers import read_container, sniff

    container = sniff(data, str(path))  # by content: a .txt holding a PDF is read as the PDF it is
    places: list[str] = []
    if container == "text":
        text, encoding = decode(data, str(path))
    else:
        (text, places), encoding = read_container(container, data, str(path)), container
    if len(text) > limits.max_chars:
        raise InputError(f"{len(text):,} characters; a document may have at most {limits.max_chars:,} "
                         "(KG_MAX_DOCUMENT_CHARS)", path=str(path))
    lines = tuple(normalise_line(x) for x in split_lines(text))
    if len(places) != len(lines):
        places = []  # a reader's line breaks inside a line: no places rather than wrong ones
    return SourceText(path, text, lines, encoding, hashlib.sha256(data).hexdigest(), tuple(places))


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM, also UTF-16 with BOM) or EUC-KR/CP949."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data or _control_ratio(data) > 0.05:
        raise InputError("binary file, not text", path=name)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("cp949")
    except UnicodeDecodeError:
        text = None
    # CP949 decodes many byte soups; accept it only when the result is mostly Hangul text.
    if text is not None and _looks_korean(text):
        return text, "cp949"
    line = data[: utf8_error.start].count(b"\n") + 1
    raise InputError(
        f"not UTF-8 text (invalid byte 0x{data[utf8_error.start]:02x}) and not EUC-KR/CP949",
        path=name,
        line=line,
    )


def _control_ratio(data: bytes) -> float:
    sample = data[:65536]
    bad = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return bad / max(1, len(sample))


def _looks_korean(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    hangul = sum(1 for c in letters if "\uac00" <= c <= "\ud7a3")
    odd = sum(1 for c in letters if unicodedata.category(c) == "Lo" and not "\uac00" <= c <= "\ud7a3")
    return hangul / len(letters) > 0.3 and odd < hangul


def split_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR, keeping the count a text editor would show."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def normalise_line(line: str) -> str:
    """Remove export noise from one line; keep tabs, runs of spaces and trailing space."""
    line = unicodedata.normalize("NFC", line.translate(_INVISIBLE).translate(_SPACES))
    if "<" in line:
        line = _BLOCK_TAG.sub(" ", line)
        line = _TAG.sub("", line)
    if "&" in line:
        line = html.unescape(line).translate(_SPACES)
    if _RULE.match(line):
        return ""
    line = _HEADING_MARK.sub("", line)
    line = line.replace("**", "").replace("__", "")
    return line.translate(_CONTROLS)


def cells(line: str) -> list[str]:
    """Table cells of a line: split on tabs, or on runs of two or more spaces.

    Empty cells are dropped: exports that turn tabs into spaces lose them, so table
    parsers must key on the shape of the non-empty cells.
    """
    return [c.strip() for c in _CELL_SPLIT.split(line) if c.strip()]


def squash(text: str) -> str:
    """Collapse white space runs to one space."""
    return " ".join(text.split())


_NUMBER = re.compile(r"^(?P<neg>[△▲▽-])?\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?\s*(?P<suffix>%|[^\d\s]{1,3})?$")


def number(cell: str) -> float | None:
    """Parse ``1,234``, ``△565`` (negative), ``4.11%``, ``90회``; None if not a number."""
    m = _NUMBER.match(cell.strip())
    if not m:
        return None
    value = float(m["num"].replace(",", "") + ("." + m["frac"] if m["frac"] else ""))
    return -value if m["neg"] else value


def is_number(cell: str) -> bool:
    return number(cell) is not None


def plain_number(cell: str) -> float | None:
    """Like ``number`` but without a unit suffix (budget cells)."""
    m = _NUMBER.match(cell.strip())
    if not m or (m["suffix"] and m["suffix"] != "%"):
        return None
    return number(cell)
