"""Inputs the core suite makes for itself: PDFs with known text, ZIPs of them, and files that fail their check."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter


def make_pdf(path: Path, pages: int, label: str = "Page", size: str = "A4", landscape: bool = False) -> Path:
    """A PDF whose page i (1-based) says '<label> i'."""
    pdf = FPDF(orientation="L" if landscape else "P", format=size)
    pdf.set_font("helvetica", size=28)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"{label} {number}")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def pdf_bytes(pages: int, label: str = "Page") -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=28)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"{label} {number}")
    return bytes(pdf.output())


def encrypt_pdf(src: Path, dest: Path, user_password: str, owner_password: str = "owner") -> Path:
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    writer.write(dest)
    return dest


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def page_texts(path: Path) -> list[str]:
    return [page.extract_text().strip() for page in PdfReader(path).pages]


def png_bytes() -> bytes:
    """A real 1×1 PNG picture (named .pdf, it is the classic "not really a PDF")."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def damaged_pdf_bytes(pages: int = 3) -> bytes:
    """A PDF cut off halfway, as an interrupted download leaves it: beyond repair."""
    data = pdf_bytes(pages)
    return data[: len(data) // 2]


def locked_ods_bytes() -> bytes:
    """An OpenDocument spreadsheet saved with a password, as LibreOffice packs it (its parts are encrypted)."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" '
        'manifest:size="1200"><manifest:encryption-data manifest:checksum-type="SHA1/1K" '
        'manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
        'manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", bytes(range(256)) * 5, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
