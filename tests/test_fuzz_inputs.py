"""Property test: random bytes and mutated real files never crash a validator or an operation.

Every input either works or raises a TeacherPrinterError (a message for the teacher);
any other exception is a bug that would show "something went wrong".
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import TeacherPrinterError
from core.zips import list_members
from pdf.impose import n_up
from pdf.inputs import check_pdf
from tests.conftest import corpus_path
from tests.make_files import pdf_bytes, zip_of

SMALL_PDFS = sorted(
    p for p in (corpus_path() or Path("/nonexistent")).glob("pdf/*.pdf") if p.stat().st_size < 130_000
)
SEEDS = [pdf_bytes(3, "Seed")] + [p.read_bytes() for p in SMALL_PDFS]

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "junk", "drop"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at:]
        elif kind == "junk":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "drop":
            del data[at : at + draw(st.integers(1, 512))]
    return bytes(data)


def run_pdf_pipeline(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        src = Path(folder) / "input.pdf"
        src.write_bytes(data)
        try:
            checked = check_pdf(src, "input.pdf", Path(folder) / "checked.pdf")
            n_up(checked.path, Path(folder) / "out.pdf", 4)
        except TeacherPrinterError as exc:
            assert exc.message  # a real sentence for the teacher


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_as_pdf(data):
    run_pdf_pipeline(data)


@FUZZ
@given(mutated())
def test_mutated_pdfs(data):
    run_pdf_pipeline(data)


@FUZZ
@given(st.binary(max_size=2048) | mutated().map(lambda pdf: zip_of({"a.pdf": pdf, "../b.pdf": pdf})))
def test_zip_listing(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.zip"
        path.write_bytes(data)
        try:
            members = list_members(path, "upload.zip")
        except TeacherPrinterError:
            return
        assert all(".." not in m.name for m in members)


SMALL_SHEETS = sorted(
    p
    for folder in ("sheets", "csv")
    for p in (corpus_path() or Path("/nonexistent")).glob(f"{folder}/*")
    if p.is_file() and p.stat().st_size < 100_000
)
SHEET_SEEDS = [(b"Name,Class\nAnna,7A\n", ".csv")] + [(p.read_bytes(), p.suffix) for p in SMALL_SHEETS]


@st.composite
def mutated_sheet(draw) -> tuple[bytes, str]:
    data, suffix = draw(st.sampled_from(SHEET_SEEDS))
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if draw(st.booleans()) and data:
            data[at] ^= draw(st.integers(1, 255))
        else:
            del data[at : at + draw(st.integers(1, 256))]
    return bytes(data), draw(st.sampled_from([suffix, ".csv", ".xlsx"]))


@FUZZ
@given(mutated_sheet())
def test_mutated_spreadsheets(sample):
    from sheets import list_sheets, preview

    data, suffix = sample
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"list{suffix}"
        path.write_bytes(data)
        try:
            sheets = list_sheets(path)
            if sheets:
                preview(path, sheets[0].name, 5)
        except TeacherPrinterError as exc:
            assert exc.message


@pytest.mark.corpus
def test_every_corpus_pdf_gets_a_result_or_a_message(corpus_dir, tmp_path):
    for path in sorted((corpus_dir / "pdf").glob("*.pdf")):
        run_pdf_pipeline(path.read_bytes())
