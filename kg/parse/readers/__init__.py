"""Containers a document comes in — text, PDF, HWPX, HWP 5.0 — told apart by their content
(magic bytes, the zip's contents), never by the file's name alone, and read into the text the
format parsers consume: lines, with a table's cells separated by tabs, one row a line.

- ``sniff``: the container of some bytes (``text``, ``pdf``, ``hwpx``, ``hwp``), or InputError
  for a file that is none of them (a zip that is not HWPX, a compound file that is not HWP);
- ``pdf``: pdfplumber (text and drawn tables), pypdfium2 for letter-spaced lines;
- ``hwp``: HWPX and HWP 5.0 through python-hwpx (tables as tab-separated rows); password,
  배포용 and DRM documents are refused by name.

A plan is then a plan whether it came as text, PDF or 한글: the readers' text goes through the
same normalisation and the same detection as a text export.
"""
from __future__ import annotations

import io
import zipfile

from kg.errors import InputError

CONTAINERS = ("text", "pdf", "hwpx", "hwp")
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: HWP 5.0 (and .doc, .xls …)
_HWP5_SIGNATURE = b"HWP Document File"
_HWPX_MIMETYPE = b"application/hwp+zip"


def sniff(data: bytes, name: str) -> str:
    """The container of ``data``: ``pdf``, ``hwpx``, ``hwp`` or ``text`` (what is left, to be
    decoded as text). Raises InputError for a known binary container that is not a document."""
    head = data[:1024]
    if head.lstrip(b"\x00\t\r\n ").startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data, name)
    if head.startswith(_CFB):
        if _HWP5_SIGNATURE in data[:1 << 20]:
            return "hwp"
        raise InputError("an OLE compound file that is not an HWP 5.0 document (a Word or Excel file?); "
                         "save it as PDF, HWPX or text", path=name)
    return "text"


def _zip_kind(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            mimetype = z.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError) as exc:
        raise InputError(f"a damaged zip archive ({type(exc).__name__}); an HWPX document cannot be read from it",
                         path=name) from None
    if mimetype == _HWPX_MIMETYPE or any(n.startswith("Contents/section") for n in names):
        return "hwpx"
    raise InputError("a zip archive that is not an HWPX document (a .docx or an archive of files?); "
                     "unpack it or save the document as PDF, HWPX or text", path=name)


def read_container(kind: str, data: bytes, name: str) -> tuple[str, list[str]]:
    """The text of a PDF, HWPX or HWP 5.0 document (tables as tab-separated rows), and for each of
    its lines where it is in the document (its page, paragraph or table row)."""
    if kind == "pdf":
        from kg.parse.readers.pdf import read_pdf

        return read_pdf(data, name)
    from kg.parse.readers.hwp import read_hwp

    return read_hwp(data, name, kind)
