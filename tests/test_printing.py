"""How to print: every two-sided result gets one "How to print" box, and its PDF tells the print dialog."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from pypdf import PdfReader

from pdf.printing import how_to_print
from storage.jobs import Status
from tests.apptest import app_test
from tests.make_files import make_pdf
from tests.test_merge_chain import upload, upload_bytes


def finished(jobs, burst, kind: str, title: str, inputs: list[dict], options: dict):
    record = jobs.submit(kind, title, inputs, options, "local")
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    return done


def result_pdf(jobs, done) -> PdfReader:
    [pdf] = [o for o in done.outputs if o.name.endswith(".pdf")]
    return PdfReader(jobs.output_path(done.id, pdf, None))


def box(done) -> str:
    return "\n".join(line for step in done.steps for line in how_to_print(step.result))


def class_list(config) -> dict:
    book = openpyxl.Workbook()
    book.active.append(["Name"])
    for name in ("Anna Smith", "Ben Jones", "Chloé Martin"):
        book.active.append([name])
    data = io.BytesIO()
    book.save(data)
    return {**upload_bytes(config, "class.xlsx", data.getvalue()), "role": "class_list"}


@pytest.mark.parametrize(
    ("per_sheet", "edge", "duplex"),
    [(4, "long", "/DuplexFlipLongEdge"), (2, "short", "/DuplexFlipShortEdge")],
)
def test_two_sided_pages_per_sheet_say_how_to_print(jobs, config, burst, tmp_path, per_sheet, edge, duplex):
    source = upload(config, make_pdf(tmp_path / "notes.pdf", 9, "Notes"))
    options = {"layout": "n_up", "per_sheet": per_sheet, "duplex": True}
    done = finished(jobs, burst, "handouts", "Handouts", [source], options)
    out = result_pdf(jobs, done)
    # Four portrait pages make a portrait sheet, two a landscape one: the flip follows the sheet.
    sheet = out.pages[0].mediabox
    assert (sheet.width > sheet.height) == (edge == "short")
    assert out.viewer_preferences["/Duplex"] == duplex
    assert out.viewer_preferences["/PrintScaling"] == "/None"
    text = box(done)
    assert f"both sides of the paper, flipping on the {edge} edge" in text
    assert "actual size" in text
    assert "The file asks the print dialog for these settings" in text


def test_one_sided_handouts_keep_their_size_but_get_no_two_sided_box(jobs, config, burst, tmp_path):
    source = upload(config, make_pdf(tmp_path / "notes.pdf", 8, "Notes"))
    done = finished(jobs, burst, "handouts", "Handouts", [source], {"layout": "n_up", "per_sheet": 4})
    preferences = result_pdf(jobs, done).viewer_preferences
    assert "/Duplex" not in preferences
    assert preferences["/PrintScaling"] == "/None"
    assert box(done) == ""


def test_booklet_box_is_the_same_box_plus_folding(jobs, config, burst, tmp_path):
    source = upload(config, make_pdf(tmp_path / "story.pdf", 8, "Story"))
    booklet = finished(jobs, burst, "handouts", "Booklet", [source], {"layout": "booklet"})
    two_up = finished(
        jobs, burst, "handouts", "Two up", [source], {"layout": "n_up", "per_sheet": 2, "duplex": True}
    )
    assert result_pdf(jobs, booklet).viewer_preferences["/Duplex"] == "/DuplexFlipShortEdge"
    # Both are landscape and two-sided: the booklet's box is the same box, with the folding after it.
    assert box(booklet).startswith(box(two_up))
    assert "fold the stack in the middle" in box(booklet)


@pytest.mark.parametrize(("per_sheet", "duplex"), [(1, "/DuplexFlipLongEdge"), (2, "/DuplexFlipShortEdge")])
def test_two_sided_class_set_says_how_to_print(jobs, config, burst, tmp_path, per_sheet, duplex):
    worksheet = {**upload(config, make_pdf(tmp_path / "quiz.pdf", 3, "Quiz")), "role": "worksheet"}
    options = {"name_column": "Name", "duplex": True, "per_sheet": per_sheet}
    done = finished(jobs, burst, "class_sets", "Class set", [worksheet, class_list(config)], options)
    out = result_pdf(jobs, done)
    assert out.viewer_preferences["/Duplex"] == duplex
    assert out.viewer_preferences["/PrintScaling"] == "/None"
    assert "both sides of the paper" in box(done)


def test_merge_padded_for_both_sides_keeps_the_hint_through_finishing(jobs, config, burst, tmp_path):
    a = upload(config, make_pdf(tmp_path / "a.pdf", 3, "Alpha"))
    b = upload(config, make_pdf(tmp_path / "b.pdf", 1, "Beta"))
    plain = finished(jobs, burst, "merge", "Plain", [a, b], {})
    assert result_pdf(jobs, plain).viewer_preferences is None  # printed however the teacher likes
    assert box(plain) == ""

    numbered = finished(jobs, burst, "merge", "Numbered", [a, b], {"duplex": True, "numbers": True})
    preferences = result_pdf(jobs, numbered).viewer_preferences
    assert preferences["/Duplex"] == "/DuplexFlipLongEdge"
    assert "/PrintScaling" not in preferences  # the teacher's own pages: the dialog may fit them
    assert "flipping on the long edge" in box(numbered)

    parts = finished(
        jobs, burst, "merge", "Parts", [a, b], {"duplex": True, "split": "every", "split_every": 2}
    )
    [archive] = parts.outputs
    with zipfile.ZipFile(jobs.output_path(parts.id, archive, None)) as zf:
        for name in zf.namelist():
            part = PdfReader(io.BytesIO(zf.read(name)))
            assert part.viewer_preferences["/Duplex"] == "/DuplexFlipLongEdge", name


def test_jobs_page_shows_the_box_on_two_sided_results_only(app_env, jobs, config, burst, tmp_path):
    source = upload(config, make_pdf(tmp_path / "notes.pdf", 8, "Notes"))
    finished(jobs, burst, "handouts", "Two-sided notes", [source], {"per_sheet": 4, "duplex": True})
    finished(jobs, burst, "handouts", "One-sided notes", [source], {"per_sheet": 4})
    at = app_test(30).run()
    at.switch_page("ui/jobs.py").run()
    assert not at.exception
    boxes = [i.value for i in at.info if "How to print" in i.value]
    assert len(boxes) == 1
    assert "flipping on the long edge" in boxes[0] and "actual size" in boxes[0]
