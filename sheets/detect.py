"""How a table is written: a CSV file's encoding, delimiter and decimal mark, and a sheet's header row."""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sheets.infer import classify

# -- encodings --------------------------------------------------------------------------------

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252 (Western European)",
    "latin-1": "Latin-1 (ISO-8859-1)",
}


def bom_encoding(head: bytes) -> str | None:
    """The codec a byte-order mark at the start names, or None."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def nul_pattern_encoding(head: bytes) -> str | None:
    """UTF-16 without a byte-order mark: every other byte of plain text is zero."""
    sample = head[: len(head) // 2 * 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """The codec that reads a text file: a byte-order mark, else UTF-8, else Windows-1252, else Latin-1."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    found = bom_encoding(head) or nul_pattern_encoding(head)
    if found:
        return found
    # The whole file is checked: a single é far down a cp1252 class list would break UTF-8.
    # Windows-1252 comes before Latin-1 because Latin-1 gives control characters where
    # Windows text has “quotes” and dashes; it fails only on its five unused bytes.
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    return "latin-1"


# -- delimiter and decimal mark ---------------------------------------------------------------

DELIMITERS = (",", ";", "\t", "|")


def detect_delimiter(sample: str) -> str:
    """The delimiter that splits the sample's rows into the most consistent number of cells."""
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [
            len(row)
            for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            if any(cell.strip() for cell in row)
        ][:200]
        if not counts:
            continue
        width, hits = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = (hits / len(counts), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


_COMMA_DECIMAL = re.compile(r"-?(\d{1,3}(\.\d{3})+|\d+),\d+")
_POINT_DECIMAL = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)\.\d+")
_THREE_AFTER = re.compile(r"-?\d{1,3}[.,]\d{3}")


def detect_decimal(rows: Sequence[Sequence[str | None]], delimiter: str) -> str:
    """The decimal mark of the numbers in a CSV file: "." or ","."""
    if delimiter == ",":
        return "."
    comma = point = either = 0
    for row in rows:
        for cell in row:
            text = (cell or "").strip()
            if not text or not text[-1].isdigit():
                continue
            if _THREE_AFTER.fullmatch(text):
                # "1,500" and "1.500" read either way; they only break a tie.
                either += "," in text
            elif _COMMA_DECIMAL.fullmatch(text):
                comma += 1
            elif _POINT_DECIMAL.fullmatch(text):
                point += 1
    if comma != point:
        return "," if comma > point else "."
    return "," if either and delimiter == ";" else "."


@dataclass(frozen=True)
class TextFormat:
    """How a CSV file is written."""

    encoding: str
    delimiter: str
    decimal: str

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)


def detect_text_format(path: Path) -> TextFormat:
    """The encoding, delimiter and decimal mark of a CSV or text file."""
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(65536)
    if len(sample) == 65536:
        # Keep whole lines only, so the last row does not look short.
        sample = sample[: max(sample.rfind("\n"), sample.rfind("\r"), 0)]
    delimiter = detect_delimiter(sample)
    rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))[:500]
    return TextFormat(encoding, delimiter, detect_decimal(rows, delimiter))


# -- header row -------------------------------------------------------------------------------

HEADER_SCAN_ROWS = 30


def detect_header_row(rows: Sequence[tuple[int, Sequence[object]]], decimal: str = ".") -> int:
    """The row number of the header among the first rows of a sheet, or 0 when there is none.

    A title or notes above the table fill fewer cells than the table does, so
    the header is the first row that fills most of the table's width; it is
    not a header when it reads like the data row below it.
    """
    rows = [row for row in rows if any(classify(v, decimal) != "empty" for v in row[1])][:HEADER_SCAN_ROWS]
    if not rows:
        return 0
    filled = [sum(classify(v, decimal) != "empty" for v in values) for _, values in rows]
    wide = [count for count in filled if count >= 2]
    target = max(Counter(wide).items(), key=lambda item: (item[1], item[0]))[0] if wide else 1
    threshold = max(2 if target >= 2 else 1, math.ceil(target * 0.5))
    index = next(i for i, count in enumerate(filled) if count >= threshold)
    number, values = rows[index]
    kinds = [classify(v, decimal) for v in values]
    if "text" not in kinds:
        return 0
    if index + 1 < len(rows):
        below = [classify(v, decimal) for v in rows[index + 1][1]]
        width = max(len(kinds), len(below))
        kinds += ["empty"] * (width - len(kinds))
        below += ["empty"] * (width - len(below))
        if kinds == below and any(kind not in ("text", "empty") for kind in kinds):
            return 0
    return number
