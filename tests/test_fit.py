"""Fit to paper (#19): pages made for Letter onto A4 and back, landscape on landscape, or at actual
size, on Merge & arrange; checked by page geometry, the drawing's own scale, and pdfium's text."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
from pypdf import PdfReader, PdfWriter

from pdf.fit import fit_to_paper
from pdf.layout import paper_size
from storage.jobs import Status
from tests.make_files import make_pdf
from tests.test_merge_chain import upload


def scales(pdf) -> list[float]:
    """The scale each page's drawing of its source page uses (the `cm` before its `Do`)."""
    number = r"([-\d.]+)"
    found = []
    for page in PdfReader(pdf).pages:
        data = page.get_contents().get_data().decode()
        a, b = map(
            float, re.search(rf"{number} {number} [-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ cm /P0 Do", data).groups()
        )
        found.append(round(max(abs(a), abs(b)), 4))
    return found


def sizes(pdf) -> list[tuple[float, float]]:
    return [
        (round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1)) for p in PdfReader(pdf).pages
    ]


def mixed(tmp_path):
    """Letter portrait, Letter landscape and A3 pages in one file."""
    writer = PdfWriter()
    for part in (make_pdf(tmp_path / "l.pdf", 1, "Letter", size="Letter"),
                 make_pdf(tmp_path / "ll.pdf", 1, "Wide", size="Letter", landscape=True),
                 make_pdf(tmp_path / "a3.pdf", 1, "Poster", size="A3")):  # fmt: skip
        writer.append(str(part))
    path = tmp_path / "mixed.pdf"
    writer.write(path)
    return path


def test_pages_made_for_other_paper_are_fitted_to_a4_whole_landscape_on_landscape(tmp_path):
    out = tmp_path / "a4.pdf"
    result = fit_to_paper(mixed(tmp_path), out, "a4")
    a4, a4_wide = paper_size("A4"), paper_size("A4", "landscape")
    assert sizes(out) == [tuple(round(v, 1) for v in s) for s in (a4, a4_wide, a4)]
    assert (result.pages, result.resized_pages, result.cut_pages) == (3, 3, 0)
    # Letter is wider than A4: scaled to A4's width; A3 down to A4 (1/√2).
    assert scales(out) == [
        round(a4[0] / 612, 4),
        round(a4_wide[1] / 612, 4),
        round(a4[0] / paper_size("A3")[0], 4),
    ]
    texts = [" ".join(p.extract_text().split()) for p in PdfReader(out).pages]
    assert texts == ["Letter 1", "Wide 1", "Poster 1"]
    assert PdfReader(out).viewer_preferences["/PrintScaling"] == "/None"


def test_actual_size_keeps_the_scale_and_counts_what_is_cut(tmp_path):
    out = tmp_path / "actual.pdf"
    result = fit_to_paper(mixed(tmp_path), out, "A4", actual_size=True)
    assert scales(out) == [1.0, 1.0, 1.0]
    # Letter is 2.2 mm wider than A4 (and, turned, 5 mm taller than landscape A4); A3 is larger.
    assert result.cut_pages == 3
    document = pdfium.PdfDocument(str(out))
    try:  # the A3 poster's title sat in its top-left corner: centred on A4 at its size, it is off the sheet
        poster = document[2].render(scale=0.5, grayscale=True).to_pil()
        letter = document[0].render(scale=0.5, grayscale=True).to_pil()
    finally:
        document.close()
    assert poster.getextrema() == (255, 255)
    assert letter.getextrema()[0] < 128  # Letter's title is still on the sheet


def test_a4_pages_stay_as_they_are_on_a4(tmp_path):
    out = tmp_path / "same.pdf"
    result = fit_to_paper(make_pdf(tmp_path / "a4.pdf", 2, "Same"), out, "A4")
    assert result.resized_pages == 0 and scales(out) == [1.0, 1.0]


def test_merge_fits_letter_worksheets_to_a4_before_numbering_them(jobs, burst, tmp_path):
    letter = upload(jobs.config, make_pdf(tmp_path / "US worksheet.pdf", 3, "Question", size="Letter"))
    record = jobs.submit("merge", "Merge PDFs — US worksheet.pdf", [letter],
                         {"paper": "A4", "numbers": True, "number_style": "page_x_of_y"}, "local")  # fmt: skip
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    out = jobs.output_path(done.id, done.outputs[0], None)
    assert set(sizes(out)) == {tuple(round(v, 1) for v in paper_size("A4"))}
    finish = next(s for s in done.steps if s.result.get("paper"))
    assert (finish.result["paper"], finish.result["resized_pages"], finish.result["cut_pages"]) == (
        "A4",
        3,
        0,
    )
    document = pdfium.PdfDocument(str(out))
    try:  # the numbers sit in A4's own bottom margin: stamped after fitting
        page = document[1]
        width, _ = page.get_size()
        assert "Page 2 of 3" in page.get_textpage().get_text_bounded(0, 0, width, 40)
    finally:
        document.close()


def test_merge_says_which_pages_actual_size_cut(jobs, burst, tmp_path):
    poster = upload(jobs.config, make_pdf(tmp_path / "Poster.pdf", 1, "Poster", size="A3"))
    record = jobs.submit(
        "merge", "Merge PDFs — Poster.pdf", [poster], {"paper": "A4", "actual_size": True}, "local"
    )
    burst()
    done = jobs.get(record.id, None)
    notes = [n for s in done.steps for n in s.result.get("notes", [])]
    assert notes == ["1 page was larger than A4, so at actual size its edges were cut off. "
                     "Untick “Actual size” to fit every page to the paper instead."]  # fmt: skip


def test_the_merge_page_fits_a_letter_file_to_a4(app_env, jobs, burst, tmp_path):
    from tests.test_pages import app, assert_clean, texts

    at = app()
    at.switch_page("ui/merge.py").run()
    letter = make_pdf(tmp_path / "Letter worksheet.pdf", 2, "Q", size="Letter")
    at.file_uploader(key="merge_files").upload(letter.name, letter.read_bytes(), "application/pdf")
    at.run()
    at.selectbox(key="merge_paper").set_value("A4").run()
    assert not at.checkbox(key="merge_actual_size").value  # fitted unless asked
    at.button(key="merge_submit").click().run()
    assert_clean(at)
    assert "Submitted" in texts(at)
    burst()
    [done] = jobs.list(None).records
    assert done.status == Status.FINISHED, done.error
    assert set(sizes(jobs.output_path(done.id, done.outputs[0], None))) == {(595.3, 841.9)}
