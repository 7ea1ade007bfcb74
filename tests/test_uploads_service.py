"""The one uploads service the pages use: add, look again, unlock (real files, the test Redis)."""

from __future__ import annotations

import io

import pytest

from core.errors import TeacherPrinterError
from services.library import MyFiles
from services.uploads import Uploads
from storage.files import FileStore
from tests.make_files import encrypt_pdf, make_pdf, pdf_bytes, png_bytes


@pytest.fixture
def uploads(config):
    return Uploads(config, MyFiles(config, "ann@school.org"))


def names_listed(config) -> list[str]:
    return [entry.name for entry in MyFiles(config, "ann@school.org").recent()]


def test_add_saves_looks_by_type_and_lists_what_is_usable(config, uploads):
    pdf = uploads.add(io.BytesIO(pdf_bytes(3)), "Quiz.pdf")
    sheet = uploads.add(io.BytesIO(b"First name,Surname\nAda,Lovelace\n"), "7B.csv")
    photo = uploads.add(io.BytesIO(png_bytes()), "Photo.pdf")
    assert (pdf.info.kind, pdf.info.pages, pdf.info.usable) == ("pdf", 3, True)
    assert (sheet.info.kind, sheet.info.usable) == ("sheet", True)
    assert not photo.info.usable and "not a PDF" in photo.info.problem
    assert sorted(names_listed(config)) == ["7B.csv", "Quiz.pdf"]
    assert FileStore(config).upload_kept(photo.stored.ref)  # kept for the page, just not listed


def test_the_same_file_again_is_the_one_kept_and_a_removed_one_is_gone(config, uploads):
    first = uploads.add(io.BytesIO(pdf_bytes(2)), "Quiz.pdf")
    second = uploads.add(io.BytesIO(pdf_bytes(2)), "Quiz again.pdf")
    assert second.stored.ref == first.stored.ref and second.stored.name == "Quiz again.pdf"
    assert uploads.again(first.stored).info.pages == 2
    FileStore(config).delete_upload(first.stored.ref)  # as the clean-up does
    assert uploads.again(first.stored) is None


def test_unlock_lists_the_unprotected_copy_only(config, uploads, tmp_path):
    locked_path = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 4), tmp_path / "Locked.pdf", "secret")
    locked = uploads.add(io.BytesIO(locked_path.read_bytes()), "Locked.pdf")
    assert locked.info.needs_password and names_listed(config) == []
    with pytest.raises(TeacherPrinterError):
        uploads.unlock(locked.stored, "wrong")
    opened = uploads.unlock(locked.stored, "secret")
    assert opened.stored.ref != locked.stored.ref
    assert (opened.info.pages, opened.info.needs_password) == (4, False)
    assert names_listed(config) == ["Locked.pdf"]


def test_without_the_job_service_files_are_still_saved_and_looked_at(config):
    upload = Uploads(config, None).add(io.BytesIO(pdf_bytes(1)), "Quiz.pdf")
    assert upload.info.pages == 1 and FileStore(config).upload_kept(upload.stored.ref)
