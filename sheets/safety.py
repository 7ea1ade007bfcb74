"""Limits on what a spreadsheet may ask of the server, and the formula-injection guard.

Every limit is a named constant and a field of `Limits`, so a caller (or a
test) can tighten one without touching the others. Going over a limit raises
`LimitExceeded` with a message that names the file, the figure and the limit.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

from core.errors import DamagedFile, LimitExceeded
from core.units import MB

# Size of the uploaded file itself.
MAX_FILE_BYTES = 100 * MB
# Everything a ZIP-based workbook (.xlsx, .xlsm, .ods) unpacks to; stops ZIP bombs.
MAX_UNCOMPRESSED_BYTES = 1000 * MB
# Parts inside one ZIP-based workbook.
MAX_ZIP_MEMBERS = 10_000
# Rows and columns of one sheet (Excel itself stops at 1,048,576 x 16,384).
MAX_ROWS = 500_000
MAX_COLUMNS = 1_000
# Cells held in memory at once: a table read into a DataFrame, or an .xls/.ods sheet
# (their readers load a whole sheet; .xlsx and .csv are streamed row by row).
MAX_CELLS = 10_000_000


@dataclass(frozen=True)
class Limits:
    """The limits one operation runs under."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES
    max_zip_members: int = MAX_ZIP_MEMBERS
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_cells: int = MAX_CELLS


DEFAULT_LIMITS = Limits()


def check_file_size(size: int, name: str, limits: Limits) -> None:
    """Refuse a file larger than the limit."""
    if size > limits.max_file_bytes:
        raise LimitExceeded(
            f"“{name}” is {size / MB:,.1f} MB; the largest spreadsheet accepted is "
            f"{limits.max_file_bytes / MB:,.0f} MB.",
            "Save only the sheets or rows you need in a smaller file and upload that.",
        )


def check_zip(archive: zipfile.ZipFile, name: str, limits: Limits) -> None:
    """Refuse a ZIP container with too many parts or too much unpacked data."""
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        raise LimitExceeded(
            f"“{name}” is made of {len(members):,} parts; a spreadsheet has far fewer "
            f"(the limit is {limits.max_zip_members:,}).",
            "Open it on your computer, save a fresh copy and upload that.",
        )
    # zipfile never returns more than the declared size of a member, so the declared
    # sizes are a true upper bound of what reading can unpack.
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_uncompressed_bytes:
        raise LimitExceeded(
            f"“{name}” unpacks to {unpacked / MB:,.0f} MB, more than the "
            f"{limits.max_uncompressed_bytes / MB:,.0f} MB allowed.",
            "Save only the sheets you need in a smaller file and upload that.",
        )


def check_shape(rows: int, columns: int, where: str, limits: Limits, *, in_memory: bool = False) -> None:
    """Refuse a sheet with more rows, columns (or cells, when held in memory) than allowed."""
    if rows > limits.max_rows:
        raise LimitExceeded(
            f"{where} has more than {limits.max_rows:,} rows, the most one job can handle.",
            "Split it into smaller files (for example one per year group) and run them one at a time.",
        )
    if columns > limits.max_columns:
        raise LimitExceeded(
            f"{where} has {columns:,} columns; the limit is {limits.max_columns:,}.",
            "Delete the columns you do not need, save, and upload the file again.",
        )
    if in_memory and rows * columns > limits.max_cells:
        raise LimitExceeded(
            f"{where} has {rows:,} rows × {columns:,} columns, more than the "
            f"{limits.max_cells:,} cells one job can hold.",
            "Split it into smaller files and run them one at a time.",
        )


class _PrologRead(Exception):
    """Stops the prolog check: the answer is known."""


def declares_doctype(stream: IO[bytes]) -> bool:
    """True when an XML part has a document type declaration, where entity bombs live.

    Workbook XML never needs one. Only the prolog is parsed: reading stops at
    the root element. Malformed XML is left for the real reader to report.
    """
    parser = expat.ParserCreate()
    found = False

    def doctype(*_: object) -> None:
        nonlocal found
        found = True
        raise _PrologRead

    def root(*_: object) -> None:
        raise _PrologRead

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        while chunk := stream.read(16384):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (_PrologRead, expat.ExpatError):
        pass
    return found


def check_xml_parts(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a ZIP-based workbook whose XML parts declare a document type (entity bombs)."""
    for member in archive.namelist():
        if member.lower().endswith((".xml", ".rels")):
            with archive.open(member) as stream:
                if declares_doctype(stream):
                    raise unsafe_xml(name)


def unsafe_xml(name: str) -> DamagedFile:
    """The refusal for a file whose XML declares entities (the shape of an "XML bomb")."""
    return DamagedFile(
        f"“{name}” contains XML declarations that spreadsheets never need and that can be used "
        "to overload a server, so it was not opened.",
        "Open it in Excel or LibreOffice, save a fresh copy, and upload that.",
    )


# Spreadsheet programs treat a cell that starts with one of these as a formula
# (tab and carriage return hide such a start from a quick look).
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Plain numbers such as "-5" or "+3.5" are read as numbers, never as formulas.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def is_risky(text: str) -> bool:
    """True when a text cell would be run as a formula by a spreadsheet program."""
    if len(text) < 2 or not text.startswith(RISKY_STARTS):
        return False
    return _PLAIN_NUMBER.fullmatch(text) is None


def guard_text(text: str) -> str:
    """The text with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + text if is_risky(text) else text
