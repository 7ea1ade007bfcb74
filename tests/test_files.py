"""The file store: safe names, atomic writes, references that cannot escape."""

from __future__ import annotations

import io

import pytest

from core.errors import LimitExceeded
from core.files import atomic_path, safe_name
from storage.files import FileStore


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("report\x00.pdf", "report.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("lpt1", "_lpt1"),
        ("  .hidden  ", "hidden"),
        ("", "file"),
        ("..", "file"),
        ("evil\u202egpj.pdf", "evilgpj.pdf"),
        ("Übung für Klasse 5ä.pdf", "Übung für Klasse 5ä.pdf"),
        ("Контрольная работа.pdf", "Контрольная работа.pdf"),
        ("算数ドリル.pdf", "算数ドリル.pdf"),
        ('a<b>c:d"e|f?g*h.pdf', "a_b_c_d_e_f_g_h.pdf"),
        ("tab\there\nnewline.pdf", "tabherenewline.pdf"),
    ],
)
def test_safe_name(given, expected):
    assert safe_name(given) == expected


def test_very_long_name_is_cut_on_a_character_boundary_and_keeps_extension():
    name = safe_name("é" * 300 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name.encode()) <= 150
    name.encode().decode()  # still valid UTF-8


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    dest = tmp_path / "out.pdf"
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("crash in the middle")
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces_whole(tmp_path):
    dest = tmp_path / "out.pdf"
    dest.write_bytes(b"old")
    with atomic_path(dest) as tmp:
        tmp.write_bytes(b"new")
    assert dest.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def test_upload_saved_in_chunks_under_safe_name(config):
    store = FileStore(config)
    data = b"%PDF-1.7\n" + b"x" * (3 * 1024 * 1024)
    stored = store.save_upload(io.BytesIO(data), "../../Fractions worksheet.pdf")
    assert stored.ref.startswith("uploads/") and stored.ref.endswith("/Fractions worksheet.pdf")
    assert stored.size == len(data)
    assert store.resolve(stored.ref).read_bytes() == data


def test_upload_over_limit_is_refused_and_leaves_nothing(config):
    store = FileStore(config)
    with pytest.raises(LimitExceeded, match="largest file you can upload"):
        store.save_upload(io.BytesIO(b"x" * 2048), "big.pdf", max_bytes=1024)
    assert not any((config.data_dir / "uploads").rglob("big.pdf"))


@pytest.mark.parametrize("ref", ["../outside", "/etc/passwd", "uploads/../../x", ""])
def test_references_cannot_escape(config, ref):
    with pytest.raises(ValueError):
        FileStore(config).resolve(ref)


def test_job_ids_are_checked(config):
    with pytest.raises(ValueError):
        FileStore(config).job_dir("../../etc")
