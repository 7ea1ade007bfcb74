"""Arranging pages one by one (#18): the page list turns single pages and adds blank ones, and the
job's output has exactly the order and turns asked for (read from the file and by rendering)."""

from __future__ import annotations

import shutil

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from storage.jobs import Status
from tests.make_files import pdf_bytes

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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


# -- page pictures --------------------------------------------------------------------------------


def test_pages_are_drawn_once_each_turned_as_shown_and_a_page_too_big_gets_a_placeholder(tmp_path):
    import pikepdf

    from pdf.thumbnails import THUMB_WIDTH_PX, draw_thumbnails, drawn, thumb_path
    from tests.make_files import make_pdf

    src = make_pdf(tmp_path / "three.pdf", 3)
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        pdf.pages[1].Rotate = 90
        pdf.pages[2].MediaBox = [0, 0, 10, 14400]  # a ribbon: far too tall once drawn 200 px wide
        pdf.save(src)
    folder = tmp_path / "thumbs"
    assert draw_thumbnails(src, [0, 1, 2], folder) == {0: True, 1: True, 2: False}
    from PIL import Image

    first, turned = (Image.open(thumb_path(folder, i)) for i in (0, 1))
    assert first.width == THUMB_WIDTH_PX and first.height > first.width  # A4 upright
    assert turned.width == THUMB_WIDTH_PX and turned.height < turned.width  # shown turned
    assert drawn(folder, 2) is False and drawn(folder, 5) is None
    made = thumb_path(folder, 0).stat().st_mtime_ns
    assert draw_thumbnails(src, [0, 1, 2, 99], folder) == {0: True, 1: True, 2: False, 99: False}
    assert thumb_path(folder, 0).stat().st_mtime_ns == made  # never drawn twice


def test_the_page_asks_a_worker_for_batches_and_reads_what_was_drawn(app_env, tmp_path):
    """The web side reads pictures from the volume; pages not drawn yet are one look per batch."""
    import io

    from rq import Queue
    from rq.serializers import JSONSerializer

    from services.looks import Looks
    from services.thumbnails import BATCH, PagePictures
    from storage.config import load_config
    from storage.files import FileStore
    from storage.redis_conn import get_redis
    from tests.apptest import answer_looks
    from tests.make_files import make_pdf

    config = load_config()
    src = make_pdf(tmp_path / "long.pdf", 60)
    stored = FileStore(config).save_upload(io.BytesIO(src.read_bytes()), "Long.pdf")
    looks = Looks(config)
    queue = Queue(config.look_queue_name, connection=get_redis(config), serializer=JSONSerializer)
    long = PagePictures(looks, stored, 60)
    window = long.read(range(20, 30))  # pages 21-30: two batches (1-24, 25-48)
    assert window.pending and len(window.keys) == 2 and queue.count == 2
    answer_looks()
    window = long.read(range(20, 30))
    assert not window.pending and sorted(window.pages) == list(range(20, 30))
    assert all(data[:3] == b"\xff\xd8\xff" for data in window.pages.values())  # JPEG pictures
    again = long.read(range(BATCH))  # drawn already with pages 21-24's batch
    assert not again.pending and queue.count == 0 and len(again.pages) == BATCH
    # The next screen is asked for ahead, reading nothing; batches drawn already are not asked again.
    long.ahead(range(0, 60))
    assert queue.count == 1  # pages 49-60 only: 1-48 are drawn
    answer_looks()
    assert long.read(range(48, 60)).pages.keys() == set(range(48, 60))
    # Deleting the upload takes its pictures with it.
    folder = FileStore(config).thumbs_dir(stored.ref, stored.sha256, 200)
    assert folder.is_dir()
    FileStore(config).delete_upload(stored.ref)
    assert not folder.exists()


# -- editing an arrangement ---------------------------------------------------------------------------


def test_each_edit_gives_the_arrangement_and_what_stays_picked():
    from pdf.arrangement import blank_after, duplicate, every_page, left_out, move, put_back, remove, turn
    from pdf.ranges import Placed, format_arrangement

    pages = every_page(8)
    pages, picked = turn(pages, [3], 90)  # turn page 4 only
    assert picked == [3] and format_arrangement(pages) == "1-3, 4r, 5-8"
    pages, picked = remove(pages, [1])  # remove page 2
    assert picked == [] and format_arrangement(pages) == "1, 3, 4r, 5-8"
    pages, picked = duplicate(pages, [3])  # duplicate page 5 (now 4th)
    assert picked == [4] and format_arrangement(pages) == "1, 3, 4r, 5, 5-8"
    pages, picked = move(pages, [6], 0)  # move 7 before 1
    assert picked == [0] and format_arrangement(pages) == "7, 1, 3, 4r, 5, 5, 6, 8"
    pages, picked = blank_after(pages, [0, 7])
    assert picked == [1, 9] and format_arrangement(pages) == "7, blank, 1, 3, 4r, 5, 5, 6, 8, blank"
    turned, _ = turn(pages, [1], 90)  # a blank page keeps its shape
    assert turned == pages
    moved, picked = move(pages, [2, 3], 10)  # a group, to the end, in its order
    assert format_arrangement(moved) == "7, blank, 4r, 5, 5, 6, 8, blank, 1, 3" and picked == [8, 9]
    assert left_out(pages, 8) == [1] and left_out((Placed(None),), 2) == [0, 1]
    back, picked = put_back(pages, [], 8)
    assert format_arrangement(back).endswith("8, blank, 2") and picked == [len(pages)]


def test_the_organizer_turns_removes_duplicates_and_moves_pages_and_the_job_follows(
    app_env, config, burst, jobs
):
    """The issue's walk-through on the Merge page, through the organizer's own buttons: turn page 4
    only, remove page 2, duplicate page 5, move 7 before 1; undo once and redo; the page list shows
    each change, and the job's output has exactly that order and those turns."""
    from tests.test_pages import app, assert_clean, texts

    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("Quiz.pdf", pdf_bytes(8, "Quiz"), "application/pdf")
    at.run()
    at.toggle(key="merge_organize").set_value(True).run()  # its looks answered as the page runs
    assert_clean(at)
    assert "Drawing the pages" not in texts(at)
    (upload,) = (config.data_dir / "uploads").iterdir()
    assert len(list(upload.glob("thumbs/*/*.jpg"))) == 8  # every page drawn, by a worker

    def act(picked: str, button: str, move_to: int | None = None) -> str:
        at.text_input(key="merge_picked").input(picked).run()
        if move_to is not None:
            at.number_input(key="merge_move_to").set_value(move_to).run()
        at.button(key=f"merge_{button}").click().run()
        assert_clean(at)
        return at.text_input(key="merge_keep").value

    assert act("4", "turn_right") == "1-3, 4r, 5-8"
    assert act("2", "remove") == "1, 3, 4r, 5-8"
    assert act("4", "duplicate") == "1, 3, 4r, 5, 5-8"
    assert act("7", "move", move_to=1) == "7, 1, 3, 4r, 5, 5, 6, 8"
    at.button(key="merge_undo_button").click().run()
    assert at.text_input(key="merge_keep").value == "1, 3, 4r, 5, 5-8"
    assert act("7", "move", move_to=1) == "7, 1, 3, 4r, 5, 5, 6, 8"
    assert "Left out: pages 2 of 8" in texts(at)
    at.button(key="merge_submit").click().run()
    burst()
    (record,) = jobs.list(None).records
    done = jobs.get(record.id, None)
    got = pages_of(jobs.output_path(done.id, done.outputs[0], None))
    assert [text.rsplit(" ", 1)[-1] for text, _, _ in got] == ["7", "1", "3", "4", "5", "5", "6", "8"]
    assert [(rotate, wide) for _, rotate, wide in got] == [(0, False)] * 3 + [(90, True)] + [(0, False)] * 4


def test_typing_the_page_list_rearranges_the_pictures(app_env):
    from tests.test_pages import app, assert_clean, texts

    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("Quiz.pdf", pdf_bytes(8, "Quiz"), "application/pdf")
    at.run()
    at.toggle(key="merge_organize").set_value(True).run()
    at.text_input(key="merge_keep").input("1-3, 7").run()
    assert_clean(at)
    assert "Left out: pages 4-6, 8 of 8" in texts(at)
    at.button(key="merge_put_back").click().run()
    assert at.text_input(key="merge_keep").value == "1-3, 7, 4-6, 8"


# -- a result before downloading -------------------------------------------------------------------


def captions(at) -> list[str]:
    return [caption for e in at.main if type(e).__name__ == "Image" for caption in e.captions]


def test_a_finished_jobs_details_show_its_first_sheets_and_look_through_all(
    app_env, config, burst, jobs, tmp_path
):
    from tests.make_files import make_pdf
    from tests.test_merge_chain import upload
    from tests.test_pages import app, assert_clean, open_details, texts

    src = make_pdf(tmp_path / "long.pdf", 30, "Long")
    record = jobs.submit("merge", "Long", [upload(config, src)], {}, "local")
    burst()
    at = app()
    at.switch_page("ui/jobs.py").run()
    open_details(at, record.id)
    assert_clean(at)
    assert captions(at) == ["Page 1", "Page 2", "Page 3"]
    at.toggle(key=f"look-{record.id}-0").set_value(True).run()
    assert captions(at) == [f"Page {n}" for n in range(1, 25)]  # one screen of pages, drawn by a worker
    at.selectbox(key=f"look-{record.id}-0-screen").set_value(1).run()
    assert captions(at) == [f"Page {n}" for n in range(25, 31)]
    done = jobs.get(record.id, None)
    outputs = config.data_dir / "jobs" / record.id / "outputs"
    assert not list(outputs.rglob("*.jpg"))  # the pictures are kept beside the results, not among them
    assert len(list((config.data_dir / "jobs" / record.id / "thumbs").rglob("*.jpg"))) == 30
    assert "Long" in texts(at) and done.status.value == "finished"


def test_a_zip_result_lists_its_pdfs_with_their_pages(app_env, config, burst, jobs, tmp_path):
    from tests.make_files import make_pdf
    from tests.test_merge_chain import upload
    from tests.test_pages import app, assert_clean, open_details

    src = make_pdf(tmp_path / "five.pdf", 5)
    record = jobs.submit(
        "merge", "Split", [upload(config, src)], {"split": "every", "split_every": 2}, "local"
    )
    burst()
    at = app()
    at.switch_page("ui/jobs.py").run()
    open_details(at, record.id)
    assert_clean(at)
    (listing,) = [e for e in at.expander if "holds 3 PDFs" in e.label]
    shown = "\n".join(m.value for m in listing.markdown)
    assert shown.count("— 2 pages") == 2 and shown.count("— 1 page") == 1, shown


def test_the_pdfs_inside_a_zip_get_their_pictures_and_arrange_like_files(app_env, config):
    from tests.make_files import zip_of
    from tests.test_pages import app, assert_clean, texts

    at = app()
    at.switch_page("ui/merge.py").run()
    bundle = zip_of({"Week 1.pdf": pdf_bytes(2, "One"), "Week 2.pdf": pdf_bytes(3, "Two")})
    at.file_uploader(key="merge_files").upload("Weeks.zip", bundle, "application/zip")
    at.run()
    at.toggle(key="merge_organize").set_value(True).run()
    assert_clean(at)
    (upload,) = (config.data_dir / "uploads").iterdir()
    folders = sorted(upload.glob("thumbs/*"))
    assert sorted(len(list(f.glob("*.jpg"))) for f in folders) == [2, 3]  # one folder per PDF inside
    at.text_input(key="merge_picked").input("3").run()
    at.button(key="merge_turn_left").click().run()
    assert at.text_input(key="merge_keep").value == "1, 2, 3l, 4, 5"  # Week 2's first page turned
    assert "Drawing the pages" not in texts(at)


# -- Class sets: the worksheet's pages ------------------------------------------------------------


def test_a_class_set_of_chosen_worksheet_pages_and_its_page(app_env, config, burst, jobs, tmp_path):
    """Each copy has only pages 3 and 1 of the worksheet, in that order; the page counts them so."""
    from tests.make_files import make_pdf
    from tests.test_class_sets_chain import finished, outputs, submit
    from tests.test_merge_chain import upload, upload_bytes
    from tests.test_pages import app, assert_clean, texts

    class_list = upload_bytes(config, "7C.csv", b"Name\nAda Lovelace\nAlan Turing\n")
    worksheet = upload(config, make_pdf(tmp_path / "Sheet.pdf", 3, "Sheet"))
    done = finished(
        jobs, burst, submit(jobs, worksheet, class_list, {"name_column": "Name", "pages": "3, 1"})
    )
    printed = PdfReader(outputs(jobs, done)["class set.pdf"])
    words = [page.extract_text() for page in printed.pages]
    assert len(words) == 4 and "Sheet 3" in words[0] and "Ada Lovelace" in words[0] and "Sheet 1" in words[1]
    assert "Sheet 3" in words[2] and "Alan Turing" in words[2]
    # The page: typing the pages counts them, and a page that does not exist is said before the button.
    at = app()
    at.switch_page("ui/class_sets.py").run()
    at.file_uploader(key="class_sets_worksheet").upload("Sheet.pdf", pdf_bytes(3, "Sheet"), "application/pdf")
    at.file_uploader(key="class_sets_list").upload("7C.csv", b"Name\nAda Lovelace\nAlan Turing\n", "text/csv")
    at.run()
    at.text_input(key="class_sets_pages").input("2").run()
    assert_clean(at)
    assert [m.value for m in at.metric if m.label == "Pages per copy"] == ["1"]
    at.text_input(key="class_sets_pages").input("5").run()
    assert "Page 5 does not exist" in texts(at)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed (make office)")
def test_a_word_file_is_arranged_by_the_pictures_of_the_pdf_it_becomes(app_env, config, tmp_path):
    """A document's pictures are drawn from the PDF its look made (beside that PDF), and its pages
    arrange like a PDF's."""
    from tests.apptest import app_test
    from tests.make_files import docx_file
    from tests.test_pages import assert_clean

    word = docx_file(tmp_path / "Lesson.docx", pages=3)
    at = app_test(180).run()  # the conversion takes LibreOffice a few seconds
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("Lesson.docx", word.read_bytes(), DOCX)
    at.run()
    at.toggle(key="merge_organize").set_value(True).run()
    assert_clean(at)
    pictures = list((config.data_dir / "looks").rglob("thumbs/*/*.jpg"))
    assert len(pictures) == 3  # beside the converted PDF, not the upload
    at.text_input(key="merge_picked").input("3").run()
    at.button(key="merge_move").click().run()  # to place 1
    assert at.text_input(key="merge_keep").value == "3, 1, 2"
