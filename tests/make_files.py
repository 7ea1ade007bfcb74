"""Inputs the core suite makes for itself: PDFs with known text, ZIPs of them."""

from __future__ import annotations

import io
import zipfile
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
