"""Handouts jobs through a real Redis and a real RQ worker."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from core.errors import BadOptions
from pdf.printing import how_to_print
from storage.jobs import Status
from tests.make_files import make_pdf
from tests.test_merge_chain import upload
from worker.kinds.handouts import HandoutOptions, plan


def run(jobs, config, burst, inputs, options):
    record = jobs.submit("handouts", "Handouts", inputs, options, "t1")
    burst()
    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    return done, PdfReader(jobs.output_path(record.id, done.outputs[0], "t1"))


def test_four_per_sheet_of_two_files(jobs, config, burst, tmp_path):
    a = upload(config, make_pdf(tmp_path / "a.pdf", 5, "Alpha"))
    b = upload(config, make_pdf(tmp_path / "b.pdf", 2, "Beta"))
    done, out = run(
        jobs, config, burst, [a, b], {"layout": "n_up", "per_sheet": 4, "output_name": "revision"}
    )
    assert len(out.pages) == 2
    assert done.outputs[0].name == "revision.pdf"
    first = out.pages[0].extract_text()
    assert all(f"Alpha {i}" in first for i in range(1, 5))
    assert "Beta 2" in out.pages[1].extract_text()
    assert done.steps[1].result["source_pages"] == 7
    assert done.steps[1].result["blank_cells"] == 1


def test_booklet_pads_to_four_and_tells_how_to_print(jobs, config, burst, tmp_path):
    a = upload(config, make_pdf(tmp_path / "a.pdf", 6, "P"))
    done, out = run(jobs, config, burst, [a], {"layout": "booklet", "paper": "A4"})
    assert len(out.pages) == 4  # 8 pages (2 blank) on 2 sheets, both sides
    assert done.steps[1].result["blank_pages_added"] == 2
    box = "\n".join(how_to_print(done.steps[1].result))  # shown on the Jobs card
    assert "both sides" in box and "short edge" in box and "fold the stack" in box
    assert out.viewer_preferences["/Duplex"] == "/DuplexFlipShortEdge"
    width, height = out.pages[0].mediabox.width, out.pages[0].mediabox.height
    assert width > height


def test_bad_options_are_refused_before_anything_is_queued(jobs, config, tmp_path):
    a = upload(config, make_pdf(tmp_path / "a.pdf", 2))
    with pytest.raises(BadOptions, match="5 pages per sheet is not offered"):
        jobs.submit("handouts", "x", [a], {"layout": "n_up", "per_sheet": 5}, "t1")
    assert jobs.list(None).total == 0
    assert jobs.queue.count == 0


def test_bad_options_reaching_a_worker_fail_with_plain_words(jobs, config, burst, tmp_path):
    """Options are checked again in the step: a record edited by hand still fails cleanly."""
    a = upload(config, make_pdf(tmp_path / "a.pdf", 2))
    record = jobs.submit("handouts", "x", [a], {"layout": "n_up", "per_sheet": 4}, "t1")
    jobs.store.transition(record.id, [Status.QUEUED], lambda r: r.options.update(per_sheet=5))
    burst()
    failed = jobs.get(record.id, "t1")
    assert failed.status == Status.FAILED
    assert failed.error.key == "bad_options"
    assert "5 pages per sheet is not offered" in failed.error.message


def test_counts_match_what_the_job_makes(tmp_path):
    sizes = [(595.0, 842.0)] * 13
    counts = plan(sizes, HandoutOptions(per_sheet=4, duplex=True))
    assert (counts.output_pages, counts.sheets_of_paper, counts.blank_pages_added) == (4, 2, 3)
    booklet = plan(sizes, HandoutOptions(layout="booklet"))
    assert (booklet.output_pages, booklet.sheets_of_paper, booklet.blank_pages_added) == (8, 4, 3)
    with pytest.raises(BadOptions):
        HandoutOptions.from_dict({"paper": "A0"})


@pytest.mark.corpus
def test_rotated_and_mixed_corpus_file_four_up(jobs, config, burst, corpus_dir):
    source = corpus_dir / "pdf" / "habibi-rotated.pdf"
    pages = len(PdfReader(source).pages)
    _done, out = run(jobs, config, burst, [upload(config, source)], {"layout": "n_up", "per_sheet": 4})
    assert len(out.pages) == (pages + 3) // 4


def test_page_selection_and_free_placement(jobs, config, burst, tmp_path):
    source = upload(config, make_pdf(tmp_path / "quiz.pdf", 8, "Q"))
    done, out = run(jobs, config, burst, [source], {"layout": "n_up", "per_sheet": 4, "pages": "2-6"})
    assert len(out.pages) == 2
    assert all(f"Q {n}" in out.pages[0].extract_text() for n in (2, 3, 4, 5))
    assert "Q 1" not in out.pages[0].extract_text() and "Q 6" in out.pages[1].extract_text()

    placement = "3, 7\n1, -, 8"
    done, out = run(jobs, config, burst, [source], {"layout": "n_up", "per_sheet": 4, "placement": placement})
    assert len(out.pages) == 2
    first, second = (p.extract_text() for p in out.pages)
    assert "Q 3" in first and "Q 7" in first and "Q 1" not in first
    assert "Q 1" in second and "Q 8" in second
    assert done.steps[1].result["blank_cells"] == 2 + 2


def test_booklet_of_selected_pages(jobs, config, burst, tmp_path):
    source = upload(config, make_pdf(tmp_path / "quiz.pdf", 10, "Q"))
    _done, out = run(jobs, config, burst, [source], {"layout": "booklet", "pages": "2-9"})
    assert len(out.pages) == 4  # 8 pages, 2 sheets, both sides
    outer = out.pages[0].extract_text()
    assert "Q 9" in outer and "Q 2" in outer and "Q 1" not in outer


def test_placement_mistakes_are_named(tmp_path):
    from core.errors import BadPageRange
    from worker.kinds.handouts import parse_placement

    with pytest.raises(BadPageRange, match="Sheet 2 lists 5 pages"):
        parse_placement("1\n1,2,3,4,5", 8, 4)
    with pytest.raises(BadPageRange, match="“9” is not a page"):
        parse_placement("9", 8, 4)
    assert parse_placement("2, -\n\n4", 8, 2) == [[1, None], [3, None]]


@pytest.mark.parametrize(
    "options",
    [{"pages": "5-8"}, {"per_sheet": 2, "order": "down"}, {"layout": "booklet"}, {"placement": "3, -, 1"}],
)
def test_the_preview_is_the_jobs_first_sheet_though_made_from_its_pages_only(tmp_path, options):
    import io

    from PIL import Image, ImageChops

    from pdf.render import render_page_png
    from worker.kinds.handouts import HandoutOptions, make_handouts, preview_png

    src = make_pdf(tmp_path / "Quiz.pdf", 12, "Quiz")
    chosen = HandoutOptions.from_dict(options)
    make_handouts(src, tmp_path / "out.pdf", chosen)
    job = Image.open(io.BytesIO(render_page_png(tmp_path / "out.pdf", 0, 600))).convert("RGB")
    preview = Image.open(io.BytesIO(preview_png(src, chosen, 600))).convert("RGB")
    assert job.size == preview.size
    assert ImageChops.difference(job, preview).getbbox() is None  # the same pixels
