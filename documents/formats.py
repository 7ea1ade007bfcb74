"""The kinds of file that become PDFs, declared once, and what a file really is, by its bytes.

A file is taken for what its content is, not what its name says: a Word 97 file saved as
`.docx`, or a PNG named `.jpg`, converts as what it is. One that is none of these is refused
in words. This module reads at most the first few kilobytes, plus an OLE or ZIP directory;
it imports no converter, so the web app may use its declarations.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

OFFICE = "office"
PHOTO = "photo"
PDF = "pdf"


@dataclass(frozen=True)
class Format:
    """One kind of file: the words for it, the name endings it is uploaded under, how it converts."""

    key: str
    words: str
    suffixes: tuple[str, ...]
    route: str  # OFFICE, PHOTO or PDF (nothing to convert)
    slides: bool = False  # a presentation: its speaker notes can come with it


FORMATS: tuple[Format, ...] = (
    Format("pdf", "a PDF", ("pdf",), PDF),
    Format("docx", "a Word document", ("docx", "docm", "dotx"), OFFICE),
    Format("doc", "a Word 97–2003 document", ("doc", "dot"), OFFICE),
    Format("odt", "an OpenDocument text", ("odt",), OFFICE),
    Format("rtf", "a Rich Text document", ("rtf",), OFFICE),
    Format("pptx", "a PowerPoint presentation", ("pptx", "pptm", "ppsx"), OFFICE, slides=True),
    Format("ppt", "a PowerPoint 97–2003 presentation", ("ppt", "pps"), OFFICE, slides=True),
    Format("odp", "an OpenDocument presentation", ("odp",), OFFICE, slides=True),
    Format("jpeg", "a JPEG photo", ("jpg", "jpeg"), PHOTO),
    Format("png", "a PNG picture", ("png",), PHOTO),
    Format("heic", "an iPhone photo (HEIC)", ("heic", "heif"), PHOTO),
    Format("webp", "a WebP picture", ("webp",), PHOTO),
    Format("tiff", "a TIFF scan", ("tif", "tiff"), PHOTO),
)
BY_KEY = {f.key: f for f in FORMATS}
BY_SUFFIX = {suffix: f for f in FORMATS for suffix in f.suffixes}
# What the upload boxes of the PDF tools accept besides PDFs (and what each becomes).
CONVERTIBLE_SUFFIXES: tuple[str, ...] = tuple(s for f in FORMATS if f.route != PDF for s in f.suffixes)
OFFICE_SUFFIXES: tuple[str, ...] = tuple(s for f in FORMATS if f.route == OFFICE for s in f.suffixes)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"heif"}
_ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.presentation": "odp",
}


def suffix_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def is_convertible_name(name: str) -> bool:
    """Whether the name is one that becomes a PDF first (the page's first guess, before any look)."""
    return suffix_of(name) in CONVERTIBLE_SUFFIXES


def named_format(name: str) -> Format | None:
    return BY_SUFFIX.get(suffix_of(name))


def is_photo_name(name: str) -> bool:
    found = named_format(name)
    return found is not None and found.route == PHOTO


def is_slides_name(name: str) -> bool:
    found = named_format(name)
    return found is not None and found.slides


@dataclass(frozen=True)
class Found:
    """What a file is: its format, or None; and whether it is locked with a password."""

    format: Format | None
    locked: bool = False


def what_is(path: Path) -> Found:
    """The format of the file at `path` by its content (None: none we can use)."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if b"%PDF-" in head[:1024]:
        return Found(BY_KEY["pdf"])
    if head.startswith(b"{\\rtf"):
        return Found(BY_KEY["rtf"])
    if head.startswith(b"\xff\xd8\xff"):
        return Found(BY_KEY["jpeg"])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Found(BY_KEY["png"])
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Found(BY_KEY["webp"])
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Found(BY_KEY["tiff"])
    if head[4:8] == b"ftyp" and (head[8:12] in _HEIF_BRANDS or _HEIF_BRANDS & _brands(head)):
        return Found(BY_KEY["heic"])
    if head.startswith(_OLE_MAGIC):
        return _ole_format(path)
    if head.startswith(b"PK\x03\x04"):
        return Found(_package_format(path))
    return Found(None)


def _brands(head: bytes) -> set[bytes]:
    size = int.from_bytes(head[:4], "big")
    return {head[i : i + 4] for i in range(16, min(size, len(head)), 4)}


def _ole_format(path: Path) -> Found:
    """Word and PowerPoint 97 files, and password-protected new ones, are all OLE containers."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=False)}
    except (OSError, ValueError, IndexError, TypeError):  # olefile says a broken file in many ways
        return Found(None)
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return Found(None, locked=True)
    if "WordDocument" in streams:
        return Found(BY_KEY["doc"], locked=_doc_encrypted(path))
    if "PowerPoint Document" in streams:
        return Found(BY_KEY["ppt"])
    return Found(None)


def _doc_encrypted(path: Path) -> bool:
    """Word 97's own password: the `fEncrypted` bit of the document's file information block."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            fib = ole.openstream("WordDocument").read(12)
    except (OSError, ValueError, IndexError, TypeError):
        return False
    return len(fib) >= 12 and bool(int.from_bytes(fib[10:12], "little") & 0x0100)


def _package_format(path: Path) -> Format | None:
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "mimetype" in names:
                mimetype = package.read("mimetype")[:100].decode("ascii", "replace").strip()
                return BY_KEY.get(_ODF_TYPES.get(mimetype, ""))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("word/") for n in names):
        return BY_KEY["docx"]
    if any(n.startswith("ppt/") for n in names):
        return BY_KEY["pptx"]
    return None
