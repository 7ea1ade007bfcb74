"""Every problem said before the button, never after: the pages run the job's own checks first.

Each page test pairs with the job: the reason under the disabled button is the very sentence
the job fails with when the same files are sent anyway. Real files, real Redis, real worker.
"""

from __future__ import annotations

import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from core.errors import NotAllowed
from pdf.plans import MAX_WORKSHEET_PAGES
from storage.jobs import Status
from tests.make_files import (
    big_page_pdf,
    deep_page_tree_pdf,
    encrypt_pdf,
    make_pdf,
    pdf_bytes,
    zero_page_pdf,
    zip_of,
    zip_with_links,
)
from tests.test_merge_chain import upload, upload_bytes
from tests.test_pages import app, assert_clean, open_details, texts

EXCEPTION_NAMES = ("PdfStreamError", "PdfReadError", "LimitReachedError", "Error)")
PDF = "application/pdf"


def disabled_with(at: AppTest, key: str) -> str:
    """The reason shown under a disabled submit button (fails if the button could be pressed)."""
    button = at.button(key=key)
    assert button.proto.disabled, f"{key} can be pressed"
    reasons = [w.value for w in at.warning if "Not ready yet" in w.value]
    assert len(reasons) == 1, [w.value for w in at.warning]
    return reasons[0]


def failed(jobs, burst, kind: str, inputs: list[dict], options: dict | None = None):
    record = jobs.submit(kind, "Sent anyway", inputs, options or {}, "local")
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FAILED
    return done


# -- §3: what the job would refuse, the page says first --------------------------------------------


def test_class_sets_page_refuses_a_worksheet_over_the_page_limit(app_env, config, jobs, burst):
    worksheet = pdf_bytes(MAX_WORKSHEET_PAGES + 1, "W")
    class_list = b"First name,Surname\nAda,Lovelace\nAlan,Turing\n"
    at = app()
    at.switch_page("ui/class_sets.py").run()
    at.file_uploader(key="class_sets_worksheet").upload("Long.pdf", worksheet, PDF)
    at.file_uploader(key="class_sets_list").upload("7B.csv", class_list, "text/csv")
    at.run()
    assert_clean(at)
    reason = disabled_with(at, "class_sets_submit")
    said = f"Long.pdf has {MAX_WORKSHEET_PAGES + 1} pages; a worksheet for a class set can have at most"
    assert said in reason

    # Sent anyway (as an old page or a script could): the job fails with the same sentence.
    done = failed(
        jobs,
        burst,
        "class_sets",
        [
            {**upload_bytes(config, "Long.pdf", worksheet), "role": "worksheet"},
            {**upload_bytes(config, "7B.csv", class_list), "role": "class_list"},
        ],
        {"first_name_column": "First name", "surname_column": "Surname"},
    )
    assert done.error.message in reason and done.error.permanent


def test_merge_page_refuses_a_zip_holding_a_locked_pdf(app_env, config, jobs, burst, tmp_path):
    locked = encrypt_pdf(make_pdf(tmp_path / "q.pdf", 2), tmp_path / "Quiz.pdf", user_password="pw")
    archive = zip_of({"Quiz.pdf": locked.read_bytes(), "Notes.pdf": pdf_bytes(3)})
    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("week.zip", archive, "application/zip")
    at.run()
    assert_clean(at)
    said = "Quiz.pdf (in week.zip) is protected by a password."
    assert any(said in e.value for e in at.error), [e.value for e in at.error]
    assert said in disabled_with(at, "merge_submit")
    # The good PDF in it is counted already: no "3+ pages", no "counted when the job runs".
    assert "Notes.pdf  ·  from week.zip — 3 pages" in texts(at)

    done = failed(jobs, burst, "merge", [upload_bytes(config, "week.zip", archive)])
    assert said in done.error.message and done.error.permanent

    # Leaving the locked one out makes the rest go.
    at.button(
        key=next(b.key for b in at.button if b.key and b.key.startswith("drop-") and "Quiz" in b.key)
    ).click()
    at.run()
    assert_clean(at)
    assert not at.button(key="merge_submit").proto.disabled
    assert "one PDF of 3 pages" in texts(at)


def test_merge_page_refuses_a_zip_without_pdfs(app_env, config, jobs, burst):
    archive = zip_of({"readme.txt": b"hello"})
    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("slip.zip", archive, "application/zip")
    at.run()
    assert_clean(at)
    reason = disabled_with(at, "merge_submit")
    assert "slip.zip holds no PDF files that can be used." in reason
    assert "+ pages" not in texts(at) and "1 files" not in texts(at)
    done = failed(jobs, burst, "merge", [upload_bytes(config, "slip.zip", archive)])
    assert done.error.message in reason


@pytest.mark.parametrize("page, uploader, button", [
    ("ui/handouts.py", "handouts_files", "handouts_submit"),
    ("ui/merge.py", "merge_files", "merge_submit"),
])  # fmt: skip
def test_a_pdf_without_pages_is_said_at_upload(app_env, config, jobs, burst, page, uploader, button):
    at = app()
    at.switch_page(page).run()
    at.file_uploader(key=uploader).upload("Empty.pdf", zero_page_pdf(), PDF)
    at.run()
    assert_clean(at)
    assert any("Empty.pdf has no pages." in e.value for e in at.error), [e.value for e in at.error]
    assert "Empty.pdf has no pages." in disabled_with(at, button)
    assert "to begin" not in texts(at)
    kind = page.removeprefix("ui/").removesuffix(".py")
    done = failed(jobs, burst, kind, [upload_bytes(config, "Empty.pdf", zero_page_pdf())])
    assert done.error.message == "Empty.pdf has no pages." and done.error.permanent


def test_merge_options_out_of_range_disable_the_button_with_the_reason(app_env):
    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("Quiz.pdf", pdf_bytes(6), PDF)
    at.run()
    at.text_input(key="merge_keep").input("9").run()
    assert_clean(at)
    assert "Page 9 does not exist" in disabled_with(at, "merge_submit")


# -- Retry only where a second try can change something ------------------------------------------


def test_permanent_failure_offers_no_retry_and_a_lost_worker_does(app_env, config, jobs, burst, tmp_path):
    from worker.failures import worker_lost
    from worker.tasks import _store, fail_job

    locked = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 1), tmp_path / "Quiz.pdf", user_password="pw")
    refused = failed(jobs, burst, "merge", [upload(config, locked)])
    assert refused.error.key == "password_required" and refused.error.permanent
    with pytest.raises(NotAllowed):
        jobs.retry(refused.id, None)

    stopped = jobs.submit(
        "merge", "Stopped midway", [upload(config, make_pdf(tmp_path / "b.pdf", 1))], {}, "local"
    )
    assert fail_job(_store(config), stopped.id, 0, 1, worker_lost())
    assert not jobs.get(stopped.id, None).error.permanent

    at = app()
    at.switch_page("ui/jobs.py").run()
    assert_clean(at)
    open_details(at, refused.id)
    open_details(at, stopped.id)
    keys = {b.key for b in at.button}
    assert f"retry-{refused.id}" not in keys and f"again-{refused.id}" in keys
    assert f"retry-{stopped.id}" in keys
    at.button(key=f"retry-{stopped.id}").click().run()
    assert_clean(at)
    assert jobs.get(stopped.id, None).status == Status.QUEUED


@pytest.mark.parametrize(
    ("page", "uploads", "button", "reason"),
    [
        (  # a class list that holds no names: the page stops at the list, the button says why
            "ui/class_sets.py",
            {"class_sets_worksheet": ("Quiz.pdf", None), "class_sets_list": ("7B.csv", b"")},
            "class_sets_submit",
            "7B.csv",
        ),
        (  # a workbook that is not one
            "ui/spreadsheets.py",
            {"sheets_files": ("Marks.xlsx", b"PK\x03\x04 not really a workbook")},
            "sheets_submit",
            "Marks.xlsx",
        ),
    ],
)
def test_a_page_that_stops_at_a_problem_shows_the_button_disabled_with_it(
    app_env, page, uploads, button, reason
):
    at = app()
    at.switch_page(page).run()
    for key, (name, data) in uploads.items():
        at.file_uploader(key=key).upload(
            name, pdf_bytes(2) if data is None else data, "application/octet-stream"
        )
    at.run()
    assert_clean(at)
    assert reason in disabled_with(at, button)


# -- §4: messages that tell the truth -------------------------------------------------------------


def test_a_page_tree_too_deep_is_a_limit_with_details_not_damage(app_env, config, jobs, burst):
    at = app()
    at.switch_page("ui/handouts.py").run()
    at.file_uploader(key="handouts_files").upload("Deep.pdf", deep_page_tree_pdf(5000), PDF)
    at.run()
    assert_clean(at)
    shown = " ".join(e.value for e in at.error)
    assert (
        "Deep.pdf is too large or too complex to process: its list of pages is nested more than 100" in shown
    )
    assert "damaged" not in shown and not any(name in shown for name in EXCEPTION_NAMES)
    assert "Print → Save as PDF" in shown and "Split the work" not in shown
    details = next(x for x in at.expander if x.label == "Details for your IT person")
    assert "LimitReachedError" in details.code[0].value
    assert "too complex" in disabled_with(at, "handouts_submit")

    done = failed(jobs, burst, "handouts", [upload_bytes(config, "Deep.pdf", deep_page_tree_pdf(5000))])
    assert done.error.key == "limit_exceeded" and done.error.message in shown
    assert "LimitReachedError" in done.error.details


def test_a_page_too_large_to_copy_names_the_limit_and_a_fitting_hint(config, jobs, burst, tmp_path):
    big = big_page_pdf(tmp_path / "Poster.pdf", 76_000_000)  # over pypdf's 75 MB per stream
    done = failed(jobs, burst, "merge", [upload(config, big)])
    assert done.error.key == "limit_exceeded", done.error
    assert done.error.message == (
        "Page 1 of Poster.pdf is too large or too complex to process: a picture or the drawing of a "
        "page in it is larger than 75 MB once unpacked."
    )
    assert "damaged" not in done.error.message
    assert "Split the work" not in done.error.hint and "Print → Save as PDF" in done.error.hint
    assert done.error.permanent


def test_damaged_pdf_keeps_exception_names_off_the_page(app_env, config, jobs, burst):
    broken = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"
    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("Broken.pdf", broken, PDF)
    at.run()
    assert_clean(at)
    shown = " ".join([e.value for e in at.error] + [w.value for w in at.warning])
    assert "Broken.pdf is damaged and could not be read." in shown
    assert not any(name in shown for name in EXCEPTION_NAMES), shown
    assert any(x.label == "Details for your IT person" for x in at.expander)
    done = failed(jobs, burst, "merge", [upload_bytes(config, "Broken.pdf", broken)])
    assert done.error.message == "Broken.pdf is damaged and could not be read."
    assert done.error.details  # the cause is kept for the IT person


def test_zip_members_left_out_for_safety_are_named_on_the_page_and_the_job(app_env, config, jobs, burst):
    archive = zip_with_links(
        {"../../x.pdf": pdf_bytes(1), "Good.pdf": pdf_bytes(2), "/etc/abs.pdf": pdf_bytes(1)},
        {"link.pdf": "/etc/passwd"},
    )
    said = (
        "3 files in slip.zip were left out: ../../x.pdf (its path points outside the ZIP); "
        "/etc/abs.pdf (its path starts at the top of a disk, not inside the ZIP); "
        "link.pdf (it is a link to another file, not a file)."
    )
    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("slip.zip", archive, "application/zip")
    at.run()
    assert_clean(at)
    assert said in [i.value for i in at.info]
    assert not at.button(key="merge_submit").proto.disabled  # the good PDF still goes

    record = jobs.submit("merge", "Slip", [upload_bytes(config, "slip.zip", archive)], {}, "local")
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    assert said in done.steps[0].result["notes"]

    one = zip_with_links({"../../x.pdf": pdf_bytes(1), "Good.pdf": pdf_bytes(1)}, {})
    record = jobs.submit("merge", "One", [upload_bytes(config, "slip.zip", one)], {}, "local")
    burst()
    assert (
        "1 file in slip.zip was left out: ../../x.pdf (its path points outside the ZIP)."
        in (jobs.get(record.id, None).steps[0].result["notes"])
    )


def test_unlocked_pdf_shows_an_unlocked_state_not_the_lock(app_env, config, tmp_path):
    locked = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 2), tmp_path / "Test.pdf", user_password="sesame")
    at = app()
    at.switch_page("ui/handouts.py").run()
    at.file_uploader(key="handouts_files").upload("Test.pdf", locked.read_bytes(), PDF)
    at.run()
    assert "Add a PDF, a Word or PowerPoint file, or a photo to begin." not in texts(at)
    assert "Test.pdf is protected by a password" in disabled_with(at, "handouts_submit")
    password = next(t for t in at.text_input if t.key and "__pw__" in t.key)
    password.input("sesame").run()
    at.button(key=password.key.replace("__pw__", "__unlock__")).click().run()
    assert_clean(at)
    assert "protected by a password" not in texts(at)
    assert not [t for t in at.text_input if t.key and "__pw__" in t.key]
    assert any("**Test.pdf** is unlocked (2 pages)" in s.value for s in at.success)
    assert "Add a PDF, a Word or PowerPoint file, or a photo to begin." not in texts(at)
    assert not at.button(key="handouts_submit").proto.disabled


def test_one_upload_limit_in_the_browsers_megabytes(app_env, monkeypatch):
    monkeypatch.setenv("MAX_UPLOAD_MB", "1")
    at = app()
    at.switch_page("ui/handouts.py").run()
    uploader = at.file_uploader(key="handouts_files")
    # The browser's uploader refuses above max_upload_size_mb × 1,000,000 bytes (× 1,048,576 on Windows).
    assert uploader.proto.max_upload_size_mb == 1
    assert "Up to 1 MB each (1 MB = 1,000,000 bytes)." in uploader.help
    exactly = pdf_bytes(1)
    exactly += b"%" * (1_000_000 - len(exactly))
    uploader.upload("Exactly.pdf", exactly, PDF)
    uploader.upload("Over.pdf", exactly + b"%", PDF)
    at.run()
    assert_clean(at)
    assert [e.value for e in at.error if "Over.pdf" in e.value] == [
        "Over.pdf is larger than 1 MB, the largest file you can upload. Make the file smaller (for a scan, "
        "save it at a lower resolution) or split it."
    ]
    assert {m.label: m.value for m in at.metric}["Pages in"] == "1"  # Exactly.pdf is taken


def test_plain_words_on_the_pages(app_env):
    at = app()
    at.switch_page("ui/handouts.py").run()
    at.file_uploader(key="handouts_files").upload("One.pdf", pdf_bytes(1), PDF)
    at.run()
    assert "printed sides" not in texts(at)
    assert "The file has 1 page of A4" in texts(at)
    at.radio(key="handouts_layout").set_value("booklet").run()
    assert "printed sides" not in texts(at) and "The file has 2 pages to print on both sides" in texts(at)

    at.switch_page("ui/spreadsheets.py").run()
    at.file_uploader(key="sheets_files").upload("7B.csv", b"Name,Mark\nAda,5\n", "text/csv")
    at.run()
    labels = [c.label for c in at.checkbox]
    assert not [label for label in labels if "Protect against formulas" in label]
    assert "Keep text that starts with = + - or @ as plain text (recommended)" in labels


def test_zip_reading_lists_what_it_leaves_out(tmp_path):
    from core.zips import read_zip

    path = tmp_path / "mixed.zip"
    path.write_bytes(zip_with_links({"a/../../b.pdf": b"x", "c.pdf": b"y", "notes.txt": b"z"}, {}))
    contents = read_zip(path, "mixed.zip")
    assert [m.name for m in contents.members] == ["c.pdf"]
    assert contents.left_out == [("a/../../b.pdf", "(its path points outside the ZIP)")]
    with zipfile.ZipFile(path) as zf:
        assert len(zf.infolist()) == 3


def test_class_set_counts_refuse_a_print_file_over_the_limit_as_the_job_does():
    from core.errors import LimitExceeded
    from pdf.plans import MAX_PRINT_PAGES
    from worker.kinds.class_sets import ClassSetOptions, check_counts, plan, worksheet_name

    options = ClassSetOptions.from_dict({"name_column": "Name"})
    check_counts(plan(100, MAX_PRINT_PAGES // 100, options), "Fits.pdf")
    with pytest.raises(
        LimitExceeded, match=f"The print file would have 20,099 pages; the limit is {MAX_PRINT_PAGES:,}"
    ):
        check_counts(plan(101, 199, options), worksheet_name(["a.pdf", "b.pdf"]))
    with pytest.raises(LimitExceeded, match=r"^The worksheet \(a.pdf and 1 more\) has 201 pages"):
        check_counts(plan(1, 201, options), worksheet_name(["a.pdf", "b.pdf"]))
