"""Arranging pages one by one (#18): the page list turns single pages and adds blank ones, and the
job's output has exactly the order and turns asked for (read from the file and by rendering)."""

from __future__ import annotations

import pypdfium2 as pdfium
from pypdf import PdfReader

from storage.jobs import Status
from tests.make_files import pdf_bytes


def pages_of(path) -> list[tuple[str, int, bool]]:
    """Each page's words, its /Rotate, and whether it renders wider than tall."""
    reader = PdfReader(path)
    document = pdfium.PdfDocument(str(path))
    try:
        drawn = [document[i].render(scale=0.2).to_pil().size for i in range(len(document))]
    finally:
        document.close()
    return [
        ((page.extract_text() or "").strip(), page.rotation, w > h)
        for page, (w, h) in zip(reader.pages, drawn, strict=True)
    ]


def test_one_page_turned_one_removed_one_twice_and_one_moved_to_the_front(app_env, config, burst, jobs):
    """Turn page 4 only, remove page 2, duplicate page 5, move 7 before 1, as the Merge page's page list."""
    from tests.test_pages import app, assert_clean, texts

    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("Quiz.pdf", pdf_bytes(8, "Quiz"), "application/pdf")
    at.run()
    at.text_input(key="merge_keep").input("7, 1, 3, 4r, 5, 5, 6, 8").run()
    assert_clean(at)
    assert "one PDF of 8 pages" in texts(at)
    at.button(key="merge_submit").click().run()
    burst()
    (record,) = jobs.list(None).records
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED
    got = pages_of(jobs.output_path(done.id, done.outputs[0], None))
    words = [text.rsplit(" ", 1)[-1] for text, _, _ in got]
    assert words == ["7", "1", "3", "4", "5", "5", "6", "8"], got
    assert [rotate for _, rotate, _ in got] == [0, 0, 0, 90, 0, 0, 0, 0]
    assert [wide for _, _, wide in got] == [False, False, False, True, False, False, False, False]


def test_a_blank_page_and_a_turn_left_across_two_files(jobs, config, burst, tmp_path):
    from tests.make_files import make_pdf
    from tests.test_merge_chain import upload

    a, b = make_pdf(tmp_path / "a.pdf", 2, "Alpha"), make_pdf(tmp_path / "b.pdf", 3, "Beta")
    options = {"keep": "3l, blank, 1-2, 4-5rr"}
    record = jobs.submit("merge", "m", [upload(config, a), upload(config, b)], options, "t1")
    burst()
    done = jobs.get(record.id, "t1")
    got = pages_of(jobs.output_path(done.id, done.outputs[0], None))
    assert [(text.split(" ")[0] if text else "", rotate) for text, rotate, _ in got if text] == [
        ("Beta", 270), ("Alpha", 0), ("Alpha", 0), ("Beta", 180), ("Beta", 180)
    ]  # fmt: skip
    assert got[1][0] == "" and got[1][2] is True  # the blank page is shaped as the turned page before it
    assert next(s.result for s in done.steps if "blank_pages" in s.result)["blank_pages"] == 1
