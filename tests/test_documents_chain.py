"""Word files, slides and photos in the PDF tools' jobs and pages: a real Redis, real RQ workers,
real LibreOffice (#17)."""

from __future__ import annotations

import io
import shutil

import pytest
from pypdf import PdfReader

from services.uploads import Uploads
from storage.jobs import Status
from tests.apptest import looked
from tests.make_files import docx_file, make_pdf, photo_file, pptx_file
from tests.test_merge_chain import upload
from tests.test_pages import app, assert_clean, texts

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice is not installed (make office)"
)

STEP_LABEL = "Turn documents into PDF"


def finished(jobs, burst, record):
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    return done


def test_a_word_worksheet_straight_into_handouts_two_per_sheet(jobs, config, burst, tmp_path):
    worksheet = upload(config, docx_file(tmp_path / "Fractions.docx", pages=4))
    record = jobs.submit("handouts", "Fractions", [worksheet], {"layout": "n_up", "per_sheet": 2}, "t1")
    assert [s.label for s in record.steps] == [STEP_LABEL, "Check files", "Make sheets"]
    done = finished(jobs, burst, record)
    out = PdfReader(jobs.output_path(done.id, done.outputs[0], None))
    assert len(out.pages) == 2  # 4 pages, 2 per sheet
    first = out.pages[0].extract_text()
    assert "Fractions worksheet — part 1" in first and "Fractions worksheet — part 2" in first
    assert done.steps[0].result["reused"] == 0  # no page looked at it first: converted in the job


def test_a_pdf_only_job_has_no_conversion_step(jobs, config, tmp_path):
    record = jobs.submit("handouts", "x", [upload(config, make_pdf(tmp_path / "a.pdf", 2))], {}, "t1")
    assert [s.name for s in record.steps] == ["check", "sheets"]


def test_word_slides_photos_and_pdfs_merge_in_the_teachers_order(jobs, config, burst, tmp_path):
    files = [
        upload(config, make_pdf(tmp_path / "cover.pdf", 1, "Cover")),
        upload(config, docx_file(tmp_path / "Questions.docx", pages=2)),
        upload(config, photo_file(tmp_path / "board.jpg", size=(1600, 1200))),
        upload(config, pptx_file(tmp_path / "Slides.pptx", slides=3)),
    ]
    record = jobs.submit("merge", "Pack", files, {}, "t1")
    done = finished(jobs, burst, record)
    out = PdfReader(jobs.output_path(done.id, done.outputs[0], None))
    assert len(out.pages) == 1 + 2 + 1 + 3
    texts_ = [page.extract_text() for page in out.pages]
    assert "Cover 1" in texts_[0]
    assert "part 2" in texts_[2]
    assert texts_[3].strip() == ""  # the photo: a picture, no text
    assert "Slide 1" in texts_[4] and "Slide 3" in texts_[6]


def test_a_powerpoint_into_a_booklet(jobs, config, burst, tmp_path):
    slides = upload(config, pptx_file(tmp_path / "Cells.pptx", slides=6))
    record = jobs.submit("handouts", "Cells", [slides], {"layout": "booklet"}, "t1")
    done = finished(jobs, burst, record)
    assert done.steps[2].result["blank_pages_added"] == 2  # 6 slides padded to 8 pages
    assert len(PdfReader(jobs.output_path(done.id, done.outputs[0], None)).pages) == 4


def test_the_job_reuses_the_pdf_the_page_made(jobs, config, burst, tmp_path):
    uploads = Uploads(config, None)
    seen = looked(
        uploads, uploads.add(io.BytesIO(docx_file(tmp_path / "w.docx", 3).read_bytes()), "Quiz.docx")
    )
    assert (seen.info.converted_from, seen.info.pages, seen.info.problem) == ("a Word document", 3, "")
    assert seen.as_pdf.ref != seen.stored.ref and seen.as_pdf.ref.endswith(".pdf")
    item = {"ref": seen.stored.ref, "name": seen.stored.name}
    done = finished(jobs, burst, jobs.submit("merge", "Quiz", [item], {}, "t1"))
    assert done.steps[0].result["reused"] == 1
    assert len(PdfReader(jobs.output_path(done.id, done.outputs[0], None)).pages) == 3


def test_a_class_set_from_a_word_worksheet(jobs, config, burst, tmp_path):
    worksheet = {**upload(config, docx_file(tmp_path / "Quiz.docx", pages=1)), "role": "worksheet"}
    names = tmp_path / "7B.csv"
    names.write_text("First name,Surname\nAda,Lovelace\nAlan,Turing\n")
    class_list = {**upload(config, names), "role": "class_list"}
    options = {"first_name_column": "First name", "surname_column": "Surname"}
    record = jobs.submit("class_sets", "7B", [worksheet, class_list], options, "t1")
    assert record.steps[0].label == STEP_LABEL
    done = finished(jobs, burst, record)
    print_file = PdfReader(jobs.output_path(done.id, done.outputs[0], None))
    assert len(print_file.pages) == 2
    assert "Ada Lovelace" in print_file.pages[0].extract_text()


def test_bad_documents_fail_the_job_in_words_naming_each(jobs, config, burst, tmp_path):
    fake = tmp_path / "Lesson.docx"
    fake.write_text("this is not a Word file")
    whole = photo_file(tmp_path / "whole.jpg").read_bytes()
    broken = tmp_path / "Board.jpg"
    broken.write_bytes(whole[:300])
    record = jobs.submit("merge", "x", [upload(config, fake), upload(config, broken)], {}, "t1")
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FAILED
    assert "2 files could not be used" in done.error.message
    assert "Lesson.docx is not a Word document" in done.error.message
    assert "Board.jpg could not be read as a picture" in done.error.message
    assert done.error.permanent  # Run again… with other files, not Retry
    # The worker lives on: the next job runs.
    ok = jobs.submit("merge", "y", [upload(config, make_pdf(tmp_path / "ok.pdf", 1))], {}, "t1")
    assert finished(jobs, burst, ok)


# -- The pages ----------------------------------------------------------------------------------


def test_handouts_page_counts_and_previews_a_word_file_before_the_button(
    app_env, config, burst, jobs, tmp_path
):
    at = app()
    at.switch_page("ui/handouts.py").run()
    data = docx_file(tmp_path / "w.docx", pages=3).read_bytes()
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    at.file_uploader(key="handouts_files").upload("Lesson.docx", data, mime)
    at.run()
    assert_clean(at)
    assert "**Lesson.docx** (a Word document) becomes a PDF of 3 pages." in texts(at)
    assert {m.label: m.value for m in at.metric}["Pages in"] == "3"
    assert len(at.get("image")) == 1  # the first sheet, from the converted PDF
    at.button(key="handouts_submit").click().run()
    assert "Submitted" in texts(at)
    burst()
    record = jobs.list(None).records[0]
    assert record.status == Status.FINISHED, record.error
    assert record.steps[0].result["reused"] == 1  # converted once, on the page's look


def test_a_file_that_is_not_what_it_says_is_named_on_the_page(app_env, tmp_path):
    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("Slides.pptx", b"plain text, not slides", "text/plain")
    at.run()
    assert_clean(at)
    assert "Slides.pptx is not a PowerPoint presentation, even though its name says so" in texts(at)


# -- Make PDF -----------------------------------------------------------------------------------


def test_three_phone_photos_into_one_pdf_or_two_per_page(jobs, config, burst, tmp_path):
    photos = [
        upload(config, photo_file(tmp_path / f"board {n}.jpg", size=(1600, 1200), orientation=o))
        for n, o in ((1, 1), (2, 6), (3, 1))
    ]
    done = finished(jobs, burst, jobs.submit("make_pdf", "Board", photos, {}, "t1"))
    assert [s.label for s in done.steps] == [STEP_LABEL, "Check files", "Make the PDF"]
    out = PdfReader(jobs.output_path(done.id, done.outputs[0], None))
    assert done.outputs[0].name == "board 1.pdf"
    assert len(out.pages) == 3
    # The sideways one is upright on a portrait A4 page; the others on landscape A4.
    shapes = [page.mediabox.width > page.mediabox.height for page in out.pages]
    assert shapes == [True, False, True]
    two = finished(jobs, burst, jobs.submit("make_pdf", "Board", photos, {"per_page": 2}, "t1"))
    assert len(PdfReader(jobs.output_path(two.id, two.outputs[0], None)).pages) == 2


def test_one_pdf_each_in_a_zip_named_after_the_files(jobs, config, burst, tmp_path):
    files = [
        upload(config, docx_file(tmp_path / "Lesson.docx", pages=2)),
        upload(config, photo_file(tmp_path / "Board.heic", fmt="HEIF")),
        upload(config, make_pdf(tmp_path / "Answers.pdf", 1)),
    ]
    done = finished(jobs, burst, jobs.submit("make_pdf", "x", files, {"result": "each"}, "t1"))
    import zipfile

    with zipfile.ZipFile(jobs.output_path(done.id, done.outputs[0], None)) as archive:
        assert archive.namelist() == ["Lesson.pdf", "Board.pdf", "Answers.pdf"]
        pages = [len(PdfReader(io.BytesIO(archive.read(n))).pages) for n in archive.namelist()]
    assert pages == [2, 1, 1]
    assert done.outputs[0].name == "Lesson as PDFs.zip"


def test_make_pdf_page_counts_three_photos_and_submits(app_env, config, burst, jobs, tmp_path):
    at = app()
    at.switch_page("ui/make_pdf.py").run()
    assert_clean(at)
    uploader = at.file_uploader(key="make_pdf_files")
    for n in (1, 2, 3):
        uploader.upload(
            f"photo {n}.jpg", photo_file(tmp_path / f"{n}.jpg", size=(800, 600)).read_bytes(), "image/jpeg"
        )
    at.run()
    assert_clean(at)
    assert {m.label: m.value for m in at.metric} == {"Pages": "3"}
    at.selectbox(key="make_pdf_per_page").set_value(2).run()
    assert {m.label: m.value for m in at.metric} == {"Pages": "2"}
    at.button(key="make_pdf_submit").click().run()
    assert "Submitted" in texts(at)
    burst()
    record = jobs.list(None).records[0]
    assert record.kind == "make_pdf" and record.status == Status.FINISHED, record.error
    assert len(PdfReader(jobs.output_path(record.id, record.outputs[0], None)).pages) == 2


def test_slides_with_their_speaker_notes_when_asked(jobs, config, burst, tmp_path):
    deck = upload(config, pptx_file(tmp_path / "Cells.pptx", slides=3, notes="Ask the class"))
    plain = finished(jobs, burst, jobs.submit("make_pdf", "x", [deck], {}, "t1"))
    noted = finished(jobs, burst, jobs.submit("make_pdf", "x", [deck], {"speaker_notes": True}, "t1"))
    plain_pages = PdfReader(jobs.output_path(plain.id, plain.outputs[0], None)).pages
    noted_pages = PdfReader(jobs.output_path(noted.id, noted.outputs[0], None)).pages
    assert len(plain_pages) == len(noted_pages) == 3
    assert "Ask the class" not in plain_pages[0].extract_text()
    assert "Slide 2" in noted_pages[1].extract_text() and "Ask the class 2" in noted_pages[1].extract_text()
    assert noted_pages[0].mediabox.height > noted_pages[0].mediabox.width  # a notes page is upright


def test_make_pdf_page_keeps_the_teachers_order(app_env, config, burst, jobs, tmp_path):
    at = app()
    at.switch_page("ui/make_pdf.py").run()
    uploader = at.file_uploader(key="make_pdf_files")
    uploader.upload("board.jpg", photo_file(tmp_path / "b.jpg", size=(800, 600)).read_bytes(), "image/jpeg")
    word = docx_file(tmp_path / "w.docx", pages=2).read_bytes()
    uploader.upload("Questions.docx", word, "application/octet-stream")
    at.run()
    assert_clean(at)
    rows = [m.value for m in at.markdown if m.value.startswith("**")]
    assert rows[:2] == [
        "**1.** board.jpg  ·  a JPEG photo — 1 page",
        "**2.** Questions.docx  ·  a Word document — 2 pages",
    ]
    up = next(b for b in at.button if b.key and b.key.startswith("up-") and not b.disabled)
    up.click().run()
    rows = [m.value for m in at.markdown if m.value.startswith("**")]
    assert rows[0].startswith("**1.** Questions.docx")
    at.button(key="make_pdf_submit").click().run()
    burst()
    record = jobs.list(None).records[0]
    assert record.status == Status.FINISHED, record.error
    assert [i["name"] for i in record.inputs] == ["Questions.docx", "board.jpg"]
    pages = PdfReader(jobs.output_path(record.id, record.outputs[0], None)).pages
    assert "part 1" in pages[0].extract_text() and pages[2].extract_text().strip() == ""
