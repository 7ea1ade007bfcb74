"""ZIP uploads: nothing inside is trusted (paths, links, sizes, counts), with real and made-up archives."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from core.errors import DamagedFile, LimitExceeded, PasswordRequired, UnsupportedFile
from core.zips import MAX_MEMBERS, extract_member, list_members
from tests.make_files import pdf_bytes, zip_of


def write(tmp_path: Path, data: bytes, name: str = "upload.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["zip-slip.zip", "zip-slip-win.zip", "zip-absolute.zip"])
def test_escaping_members_are_never_offered(corpus_dir, name, tmp_path):
    # These archives hold only .txt files besides the escaping ones: asking for PDFs finds none.
    with pytest.raises(UnsupportedFile, match="holds no PDF files"):
        list_members(corpus_dir / "zip" / name, name)
    if name == "zip-absolute.zip":
        with pytest.raises(UnsupportedFile):  # its only members are absolute paths
            list_members(corpus_dir / "zip" / name, name, suffix=".txt")
        return
    members = list_members(corpus_dir / "zip" / name, name, suffix=".txt")
    assert [m.name for m in members] == ["good.txt"]
    for member in members:
        extract_member(corpus_dir / "zip" / name, member.name, tmp_path / member.display, name)
    assert not list(Path("/tmp").glob("evil.txt"))


@pytest.mark.corpus
def test_corpus_zip_of_pdfs_lists_every_pdf_in_order(corpus_dir):
    members = list_members(corpus_dir / "zip" / "corpus-pdfs.zip", "corpus-pdfs.zip")
    assert len(members) == 7
    assert any(m.name.startswith("Unit 2/") for m in members)


def test_symlink_and_drive_letter_members_are_skipped(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("link.pdf")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("C:/evil.pdf", pdf_bytes(1))
        archive.writestr("ok.pdf", pdf_bytes(1))
    assert [m.name for m in list_members(write(tmp_path, buffer.getvalue()), "u.zip")] == ["ok.pdf"]


def test_too_many_members(tmp_path):
    archive = zip_of({f"{n}.pdf": b"%PDF-1.4" for n in range(MAX_MEMBERS + 1)})
    with pytest.raises(LimitExceeded, match=f"limit is {MAX_MEMBERS}"):
        list_members(write(tmp_path, archive), "many.zip")


def test_zip_bomb_ratio_is_refused_before_unpacking(tmp_path):
    archive = zip_of({"bomb.pdf": b"%PDF-1.4\n" + b"\0" * 30_000_000})
    with pytest.raises(LimitExceeded, match="would unpack to"):
        list_members(write(tmp_path, archive), "bomb.zip")


def test_nested_zip_is_not_opened(tmp_path):
    inner = zip_of({"a.pdf": pdf_bytes(1)})
    with pytest.raises(UnsupportedFile):
        list_members(write(tmp_path, zip_of({"inner.zip": inner})), "outer.zip")


def test_member_larger_than_declared_stops(tmp_path):
    data = bytearray(zip_of({"a.pdf": pdf_bytes(2)}))
    # Lower the declared size in the central directory: the real data is longer.
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("a.pdf")
    central = data.rfind(b"PK\x01\x02")
    size_at = central + 24
    data[size_at : size_at + 4] = (info.file_size // 2).to_bytes(4, "little")
    path = write(tmp_path, bytes(data))
    with pytest.raises((LimitExceeded, DamagedFile)):
        extract_member(path, "a.pdf", tmp_path / "out.pdf", "u.zip")
    assert not (tmp_path / "out.pdf").exists()


def test_encrypted_member_asks_for_the_files_themselves(tmp_path):
    data = bytearray(zip_of({"a.pdf": pdf_bytes(1)}))
    # Set the "encrypted" flag on the member, as a password-protected ZIP has it.
    local, central = data.find(b"PK\x03\x04"), data.rfind(b"PK\x01\x02")
    data[local + 6] |= 1
    data[central + 8] |= 1
    path = write(tmp_path, bytes(data))
    with pytest.raises(PasswordRequired, match="protected by a password"):
        extract_member(path, "a.pdf", tmp_path / "out.pdf", "u.zip")


def test_not_a_zip(tmp_path):
    with pytest.raises(DamagedFile, match="not a readable ZIP"):
        list_members(write(tmp_path, pdf_bytes(1)), "fake.zip")
