"""What a file really is, judged from its bytes, not its name.

The name of an upload is only a hint: a workbook saved as ".xls" by a web
site, a PDF renamed ".csv" and a real .xlsx named ".xls" all happen. `sniff`
decides from the content and refuses what cannot be read, with words a
teacher can act on: what the file is, and which formats are accepted.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from core.errors import DamagedFile, EmptyDocument, PasswordRequired, UnsupportedFile
from sheets.detect import bom_encoding, nul_pattern_encoding
from sheets.safety import DEFAULT_LIMITS, Limits, check_file_size, check_xml_parts, check_zip

ACCEPTED = "an Excel workbook (.xlsx, .xlsm, .xls), an OpenDocument spreadsheet (.ods) or a CSV or text file (.csv, .txt)"
ACCEPTED_HINT = f"Upload {ACCEPTED}."
SHEET_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}
SAVE_AS_XLSX = "Open it in Excel (or LibreOffice), save it as an Excel Workbook (.xlsx), and upload that."

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OTHER_FORMATS = [
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"II*\x00", "a TIFF picture"),
    (b"MM\x00*", "a TIFF picture"),
    (b"{\\rtf", "a Rich Text document"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
]
_OOXML_WORKBOOK = (
    b"spreadsheetml.sheet.main",
    b"spreadsheetml.template.main",
    b"ms-excel.sheet.macroEnabled.main",
    b"ms-excel.template.macroEnabled.main",
)
_OOXML_OTHER = [
    (b"ms-excel.sheet.binary.macroEnabled.main", "an Excel binary workbook (.xlsb)"),
    (b"wordprocessingml", "a Word document"),
    (b"presentationml", "a PowerPoint presentation"),
]


@dataclass(frozen=True)
class FileType:
    """The real format of a file: "xlsx" (also .xlsm), "xls", "ods" or "text"."""

    kind: str
    macros: bool = False
    note: str | None = None


def sniff(path: Path, limits: Limits = DEFAULT_LIMITS) -> FileType:
    """The real format of a spreadsheet file, or a refusal that says why."""
    name = path.name
    size = path.stat().st_size
    check_file_size(size, name, limits)
    if size == 0:
        raise EmptyDocument(f"“{name}” is empty: it has no bytes at all.")
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith(_ZIP):
        found = _sniff_zip(path, limits)
    elif head.startswith(_OLE):
        found = _sniff_ole(path)
    else:
        for magic, label in _OTHER_FORMATS:
            if head.startswith(magic):
                raise UnsupportedFile(f"“{name}” is {label}, not a spreadsheet.", ACCEPTED_HINT)
        found = _sniff_text(path, head)
    return _with_name_note(found, path)


def _with_name_note(found: FileType, path: Path) -> FileType:
    suffix = path.suffix.lower()
    expected = {".xls": "xls", ".ods": "ods"}.get(suffix, "xlsx" if suffix in SHEET_SUFFIXES else "text")
    if found.kind == expected or found.note:
        return found
    label = {
        "xlsx": "an Excel workbook (.xlsx)",
        "xls": "an old-style Excel workbook (.xls)",
        "ods": "an OpenDocument spreadsheet (.ods)",
    }[found.kind]
    note = f"The file is named “{path.name}” but is really {label}; it was read as one."
    return FileType(found.kind, found.macros, note)


def _sniff_zip(path: Path, limits: Limits) -> FileType:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, name, limits)
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                types = _read_small(archive, "[Content_Types].xml")
                if any(marker in types for marker in _OOXML_WORKBOOK):
                    check_xml_parts(archive, name)
                    macros = any(n.lower().endswith("vbaproject.bin") or "macrosheets/" in n for n in names)
                    return FileType("xlsx", macros=macros)
                for marker, label in _OOXML_OTHER:
                    if marker in types:
                        hint = SAVE_AS_XLSX if "xlsb" in label else ACCEPTED_HINT
                        raise UnsupportedFile(f"“{name}” is {label}, which cannot be read here.", hint)
            if "mimetype" in names:
                mimetype = _read_small(archive, "mimetype").strip()
                if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
                    manifest = _read_small(archive, "META-INF/manifest.xml", missing_ok=True)
                    if b"encryption-data" in manifest:
                        raise PasswordRequired(
                            f"“{name}” is protected by a password, so it cannot be opened here.",
                            "Open it in LibreOffice Calc, choose File → Save As, untick “Save with "
                            "password”, and upload that copy.",
                        )
                    check_xml_parts(archive, name)
                    return FileType("ods")
                if mimetype.startswith(b"application/vnd.oasis.opendocument"):
                    raise UnsupportedFile(
                        f"“{name}” is an OpenDocument file but not a spreadsheet.", ACCEPTED_HINT
                    )
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, NotImplementedError) as exc:
        # A broken container shows up as any of these, depending on which byte is wrong.
        raise DamagedFile(
            f"“{name}” is damaged: it is packed like a workbook, but the packing is broken."
        ) from exc
    raise UnsupportedFile(f"“{name}” is a ZIP archive, not a spreadsheet.", ACCEPTED_HINT)


def _read_small(archive: zipfile.ZipFile, member: str, missing_ok: bool = False) -> bytes:
    """The first megabyte of a small part of the container: enough to recognise it."""
    try:
        with archive.open(member) as handle:
            return handle.read(1024 * 1024)
    except KeyError:
        if missing_ok:
            return b""
        raise


def _ole_names(path: Path) -> set[str]:
    """Names of the streams stored in an OLE2 container (an .xls or an encrypted .xlsx)."""
    wanted = {name: name.encode("utf-16-le") + b"\x00\x00" for name in _OLE_STREAMS}
    found: set[str] = set()
    overlap = max(len(pattern) for pattern in wanted.values())
    offset = 0
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            data = tail + chunk
            base = offset - len(tail)
            for name, pattern in wanted.items():
                start = data.find(pattern)
                while start != -1:
                    # Directory entries are 128 bytes each and start on 128-byte boundaries.
                    if (base + start) % 128 == 0:
                        found.add(name)
                        break
                    start = data.find(pattern, start + 1)
            offset += len(chunk)
            tail = data[-overlap:]
    return found


_OLE_STREAMS = ("Workbook", "Book", "EncryptedPackage", "WordDocument", "PowerPoint Document")


def _xls_encrypted(path: Path) -> bool:
    """True when the workbook stream of an .xls declares a password (a FILEPASS record)."""
    with path.open("rb") as handle:
        data = handle.read(16 * 1024 * 1024)
    match = re.search(rb"\x09\x08[\x08\x10]\x00\x00[\x05\x06]\x05\x00", data)
    if match is None:
        return False
    position = match.start()
    for _ in range(64):
        if position + 4 > len(data):
            return False
        record, length = struct.unpack_from("<HH", data, position)
        if record == 0x002F:
            return True
        if record == 0x000A:
            return False
        position += 4 + length
    return False


def _sniff_ole(path: Path) -> FileType:
    name = path.name
    streams = _ole_names(path)
    if "EncryptedPackage" in streams:
        raise PasswordRequired(
            f"“{name}” is protected by a password, so it cannot be opened here.",
            "Open it in Excel, remove the password (File → Info → Protect Workbook → Encrypt with "
            "Password, and clear it), save, and upload that copy.",
        )
    if streams & {"Workbook", "Book"}:
        if _xls_encrypted(path):
            raise PasswordRequired(
                f"“{name}” is protected by a password, so it cannot be opened here.",
                "Open it in Excel, remove the password, save it as an Excel Workbook (.xlsx), "
                "and upload that copy.",
            )
        return FileType("xls")
    if "WordDocument" in streams:
        raise UnsupportedFile(f"“{name}” is a Word document, not a spreadsheet.", ACCEPTED_HINT)
    if "PowerPoint Document" in streams:
        raise UnsupportedFile(f"“{name}” is a PowerPoint presentation, not a spreadsheet.", ACCEPTED_HINT)
    raise DamagedFile(f"“{name}” looks like an old Office file, but no workbook could be found inside it.")


def _sniff_text(path: Path, head: bytes) -> FileType:
    name = path.name
    suffix = path.suffix.lower()
    encoding = bom_encoding(head) or nul_pattern_encoding(head) or "utf-8"
    text = head.decode(encoding, errors="replace")
    if _looks_binary(text):
        if suffix in SHEET_SUFFIXES:
            raise DamagedFile(
                f"“{name}” is damaged or not really a workbook: its bytes are not a {suffix} file's."
            )
        raise UnsupportedFile(f"“{name}” is not a spreadsheet or a text file.", ACCEPTED_HINT)
    start = text.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html")) or (start.startswith("<") and "<table" in start):
        raise UnsupportedFile(
            f"“{name}” is a web page (HTML) that only looks like a spreadsheet.", SAVE_AS_XLSX
        )
    if start.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in start:
        raise UnsupportedFile(f"“{name}” is an Excel 2003 XML spreadsheet, an old format.", SAVE_AS_XLSX)
    if suffix in TEXT_SUFFIXES:
        return FileType("text")
    if suffix in SHEET_SUFFIXES:
        return FileType(
            "text",
            note=f"The file is named “{name}” but holds plain text (CSV), not a workbook; it was read as text.",
        )
    raise UnsupportedFile(f"Files like “{name}” cannot be read here.", ACCEPTED_HINT)


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    return controls > max(2, len(text) // 100)
