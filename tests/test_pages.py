"""The pages under Streamlit's AppTest, against a real Redis and a real RQ worker."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from storage.jobs import Status
from tests.apptest import app_test
from tests.make_files import encrypt_pdf, make_pdf, pdf_bytes
from ui.tools import PAGES

TIMEOUT = 30


def app() -> AppTest:
    at = app_test(TIMEOUT)
    return at.run()


def open_details(at: AppTest, job_id: str) -> AppTest:
    """Turn on a job's "Details" on the Jobs page (its actions are drawn only then)."""
    return at.toggle(key=f"details-{job_id}").set_value(True).run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [i.value for i in at.info]
    parts += [w.value for w in at.warning] + [s.value for s in at.success] + [c.value for c in at.caption]
    parts += [m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption]
    return "\n".join(str(p) for p in parts)


def test_every_page_opens(app_env, monkeypatch):
    monkeypatch.setenv("PRINT_ROOM_EMAILS", "repro@school.org")  # without sign-in: the print room's page too
    at = app()
    assert_clean(at)
    assert "Teacher Printer" in at.title[0].value
    assert "Job service running" in texts(at)
    for page in PAGES:
        at.switch_page(page.script).run()
        assert_clean(at)


def test_redis_down_shows_banner_not_traceback(app_env, monkeypatch):
    from storage.redis_server import free_port

    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    at = app()
    assert_clean(at)
    assert "job service is not reachable" in texts(at)
    at.switch_page("ui/jobs.py").run()
    assert_clean(at)
    assert "job service is not reachable" in texts(at)


def test_redis_down_upload_kept_and_not_submitted(app_env, monkeypatch):
    from storage.redis_server import free_port

    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("notes.pdf", pdf_bytes(2), "application/pdf")
    at.run()
    # The file cannot be looked at (the workers are reached through Redis), so nothing can be submitted.
    assert_clean(at)
    assert "job service (Redis) cannot be reached" in texts(at)
    assert at.button(key="merge_submit").disabled
    saved = list((app_env / "uploads").glob("*/notes.pdf"))
    assert len(saved) == 1 and saved[0].read_bytes().startswith(b"%PDF")


def test_merge_page_submits_and_jobs_page_shows_progress(app_env, config, burst):
    at = app()
    at.switch_page("ui/merge.py").run()
    uploader = at.file_uploader(key="merge_files")
    uploader.upload("Fractions.pdf", pdf_bytes(3, "F"), "application/pdf")
    uploader.upload("Answers.pdf", pdf_bytes(1, "A"), "application/pdf")
    at.run()
    assert_clean(at)
    assert "4 pages" in texts(at)
    # Move the second file up, then submit.
    at.button(key=[b.key for b in at.button if b.key and b.key.startswith("up-")][1]).click().run()
    at.button(key="merge_submit").click().run()
    assert_clean(at)
    assert "Submitted" in texts(at)

    at.switch_page("ui/jobs.py").run()
    assert_clean(at)
    assert "Merge & arrange" in texts(at)
    assert len(at.get("progress")) == 1

    burst()
    at.run()
    assert_clean(at)
    downloads = at.get("download_button")
    assert len(downloads) == 1
    # Named after the first file in the teacher's order, not the first uploaded.
    assert "Download" in downloads[0].proto.label and "Answers merged.pdf" in downloads[0].proto.label


def test_failed_job_has_error_expander_and_delete(app_env, config, burst, jobs, tmp_path):
    from tests.test_merge_chain import upload

    locked = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 1), tmp_path / "Quiz.pdf", user_password="pw")
    record = jobs.submit("merge", "Merge PDFs — Quiz.pdf", [upload(config, locked)], {}, "local")
    burst()
    at = app()
    at.switch_page("ui/jobs.py").run()
    assert_clean(at)
    assert any("protected by a password" in e.value for e in at.error)
    open_details(at, record.id)
    assert any("What went wrong" in x.label for x in at.expander)
    # Retrying with the same locked file cannot help (tests/test_checks_first.py has a job that can).
    assert f"retry-{record.id}" not in {b.key for b in at.button}
    assert f"delete-{record.id}" in {b.key for b in at.button}
    at.button(key=f"delete-{record.id}").click().run()
    at.button(key=f"delete-final-{record.id}").click().run()
    assert_clean(at)
    assert jobs.get(record.id, None) is None


def test_delete_asks_first_and_keeps_the_files_until_confirmed(app_env, config, burst, jobs, tmp_path):
    from tests.test_merge_chain import upload

    record = jobs.submit(
        "merge", "Friday worksheets", [upload(config, make_pdf(tmp_path / "a.pdf", 2))], {}, "local"
    )
    burst()
    done = jobs.get(record.id, None)
    result = jobs.output_path(record.id, done.outputs[0], None)
    at = app()
    at.switch_page("ui/jobs.py").run()

    open_details(at, record.id)

    at.button(key=f"delete-{record.id}").click().run()  # a misclick next to "Run again…"
    assert_clean(at)
    assert jobs.get(record.id, None) is not None and result.is_file()
    [question] = [w.value for w in at.warning if "Delete “Friday worksheets”" in w.value]
    assert "cannot be undone" in question
    at.button(key=f"delete-keep-{record.id}").click().run()
    assert_clean(at)
    assert jobs.get(record.id, None) is not None and result.is_file()
    assert not any("Delete “Friday worksheets”" in w.value for w in at.warning)

    open_details(at, record.id)

    at.button(key=f"delete-{record.id}").click().run()
    at.button(key=f"delete-final-{record.id}").click().run()
    assert_clean(at)
    assert jobs.get(record.id, None) is None
    assert not result.exists()


@pytest.mark.parametrize("count", [25])
def test_jobs_page_pages_twenty_at_a_time(app_env, config, jobs, tmp_path, count):
    from tests.test_merge_chain import upload

    item = upload(config, make_pdf(tmp_path / "a.pdf", 1))
    for n in range(count):
        jobs.submit("merge", f"Job number {n}", [item], {}, "local")
    at = app()
    at.switch_page("ui/jobs.py").run()
    assert_clean(at)
    shown = [m.value for m in at.markdown if "Job number" in m.value]
    assert len(shown) == 20
    assert "Job number 24" in shown[0]
    at.text_input(key="jobs_search").input("number 3").run()
    shown = [m.value for m in at.markdown if "Job number" in m.value]
    assert len(shown) == 1


def test_handouts_page_previews_counts_and_submits(app_env, config, burst, jobs):
    at = app()
    at.switch_page("ui/handouts.py").run()
    assert_clean(at)
    at.file_uploader(key="handouts_files").upload("Fractions.pdf", pdf_bytes(9, "F"), "application/pdf")
    at.run()
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Pages in": "9", "Sheets of paper": "3"}
    assert len(at.get("image")) == 1
    at.radio(key="handouts_layout").set_value("booklet").run()
    assert_clean(at)
    assert {m.label: m.value for m in at.metric}["Sheets of paper"] == "3"
    at.button(key="handouts_submit").click().run()
    assert_clean(at)
    assert "Submitted" in texts(at)
    burst()
    listing = jobs.list(None)
    assert listing.total == 1 and listing.records[0].status == Status.FINISHED
    assert listing.records[0].kind == "handouts"


def test_password_pdf_can_be_unlocked_on_the_page(app_env, config, tmp_path):
    locked = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 2), tmp_path / "Test.pdf", user_password="sesame")
    at = app()
    at.switch_page("ui/handouts.py").run()
    at.file_uploader(key="handouts_files").upload("Test.pdf", locked.read_bytes(), "application/pdf")
    at.run()
    assert "protected by a password" in texts(at)
    password = next(t for t in at.text_input if t.key and "__pw__" in t.key)
    password.input("wrong").run()
    at.button(key=password.key.replace("__pw__", "__unlock__")).click().run()
    assert "did not open" in texts(at)
    password = next(t for t in at.text_input if t.key and "__pw__" in t.key)
    password.input("sesame").run()
    at.button(key=password.key.replace("__pw__", "__unlock__")).click().run()
    assert_clean(at)
    assert {m.label: m.value for m in at.metric}["Pages in"] == "2"


def test_spreadsheets_page_previews_and_converts(app_env, config, burst, jobs):
    csv = (
        "Class list 7B\n\nStudent ID,Name,Born\n00123,Zoë Ångström,2013-04-01\n00456,Пётр Иванов,2012-11-30\n"
    )
    at = app()
    at.switch_page("ui/spreadsheets.py").run()
    assert_clean(at)
    at.file_uploader(key="sheets_files").upload("7B.csv", csv.encode("utf-8"), "text/csv")
    at.run()
    assert_clean(at)
    assert "Column names read from row 3." in texts(at)
    # The first rows, as the job reads them (the ID keeps its zeros), drawn as a table.
    table = next(m.value for m in at.markdown if m.value.startswith("| Student ID"))
    assert table.splitlines()[0] == "| Student ID | Name | Born |"
    assert table.splitlines()[2].startswith("| 00123 | Zoë Ångström | 2013\\-04\\-01")
    at.button(key="sheets_submit").click().run()
    assert_clean(at)
    assert "Submitted" in texts(at)
    burst()
    record = jobs.list(None).records[0]
    assert record.status == Status.FINISHED, record.error
    assert record.outputs[0].name == "7B.xlsx"


def test_spreadsheets_page_refuses_a_pdf_named_csv(app_env):
    at = app()
    at.switch_page("ui/spreadsheets.py").run()
    at.file_uploader(key="sheets_files").upload("marks.csv", pdf_bytes(1), "text/csv")
    at.run()
    assert_clean(at)
    assert any("PDF" in e.value for e in at.error), [e.value for e in at.error]


def test_merge_page_arrange_options_counts_and_errors(app_env, config, burst, jobs):
    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload("Quiz.pdf", pdf_bytes(6, "Q"), "application/pdf")
    at.run()
    assert "one PDF of 6 pages" in texts(at)
    at.text_input(key="merge_keep").input("2-4, last").run()
    at.text_input(key="merge_blanks").input("2").run()
    assert_clean(at)
    assert "one PDF of 5 pages" in texts(at) and "1 blank page" in texts(at)
    at.text_input(key="merge_keep").input("9").run()
    assert any("Page 9 does not exist" in e.value for e in at.error)
    assert at.button(key="merge_submit").proto.disabled
    at.text_input(key="merge_keep").input("").run()
    at.checkbox(key="merge_numbers").check().run()
    at.radio(key="merge_split").set_value("every").run()
    at.number_input(key="merge_every").set_value(2).run()
    assert "a ZIP of 4 PDFs" in texts(at)
    at.button(key="merge_submit").click().run()
    assert_clean(at)
    burst()
    record = jobs.list(None).records[0]
    assert record.status == Status.FINISHED, record.error
    assert record.outputs[0].name.endswith(".zip")


def selectbox(at: AppTest, label: str):
    return next(s for s in at.selectbox if s.label == label)


def test_class_sets_page_preselects_columns_previews_counts_and_submits(app_env, config, burst, jobs):
    class_list = (
        "Klassenliste 9 — Schuljahr 2026\n\nVorname;Nachname;Klasse\nПётр;Иванов;9A\n"
        "Νίκος;Παπαδόπουλος;9B\n  Minh Khai ; Nguyễn ;9A\nZoë;Ångström;9B\n小明;王;9B\n"
    )
    at = app()
    at.switch_page("ui/class_sets.py").run()
    assert_clean(at)
    at.file_uploader(key="class_sets_worksheet").upload("Fractions.pdf", pdf_bytes(3, "F"), "application/pdf")
    at.file_uploader(key="class_sets_list").upload("9.csv", class_list.encode(), "text/csv")
    at.run()
    assert_clean(at)
    assert selectbox(at, "First name column").value == "Vorname"
    assert selectbox(at, "Surname column").value == "Nachname"
    assert selectbox(at, "Class column (if any)").value == "Klasse"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Students": "5",
        "Pages per copy": "3",
        "Pages in the print file": "15",
        "Sheets of paper": "15",
    }
    assert len(at.get("image")) == 1
    assert "Extra spaces were removed from 2 names." in texts(at)
    assert "1 name uses letters the font on this server cannot print: “小明 王”" in texts(at)
    at.checkbox(key="class_sets_duplex").check().run()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Pages per copy"], metrics["Sheets of paper"]) == ("4", "10")
    classes = next(m for m in at.multiselect if m.label == "Only these classes")
    classes.select("9A").run()
    assert {m.label: m.value for m in at.metric}["Students"] == "2"
    at.button(key="class_sets_submit").click().run()
    assert_clean(at)
    assert "Submitted" in texts(at)
    burst()
    record = jobs.list(None).records[0]
    assert record.kind == "class_sets" and record.status == Status.FINISHED, record.error
    assert "Иванов" not in record.title
    assert [o.name for o in record.outputs] == [
        "Fractions class set (9A).pdf",
        "Fractions class set (9A) - single copies.zip",
        "Fractions class set (9A) - checklist.xlsx",
    ]
    at.switch_page("ui/jobs.py").run()
    assert_clean(at)
    open_details(at, record.id)
    assert len(at.get("download_button")) == 3


def test_class_sets_page_explains_a_list_without_names(app_env):
    at = app()
    at.switch_page("ui/class_sets.py").run()
    at.file_uploader(key="class_sets_worksheet").upload("Quiz.pdf", pdf_bytes(1), "application/pdf")
    at.file_uploader(key="class_sets_list").upload(
        "marks.csv", b"Student ID,Mark\n1001,5\n1002,7\n", "text/csv"
    )
    at.run()
    assert_clean(at)
    assert "Choose the column with the students' names." in texts(at)
    assert all(b.proto.disabled for b in at.button if b.key == "class_sets_submit")  # cannot be pressed
    next(r for r in at.radio if r.label == "The names are in").set_value(False).run()
    assert_clean(at)
    assert any("holds numbers, not names" in e.value for e in at.error), [e.value for e in at.error]
    assert all(b.proto.disabled for b in at.button if b.key == "class_sets_submit")  # cannot be pressed


def test_jobs_page_leaves_clean_up_and_rebuilding_to_the_workers(app_env, config, jobs):
    """The page runs only the bounded lost-worker check; the workers' sweep removes and rebuilds."""
    from storage.files import new_id
    from storage.jobs import JobRecord, StepRecord, now
    from worker.sweep import sweep

    def ended(title: str, when: float) -> JobRecord:
        step = StepRecord("ping", "Ping", status=Status.FINISHED)
        return JobRecord(
            new_id(), "selftest", title, "local", when, [step], status=Status.FINISHED, ended_at=when
        )

    store = jobs.store
    lost = store.create(ended("Lost by Redis", now()))
    store.conn.flushdb()  # Redis lost its record; its manifest is still on the shared volume
    expired = store.create(ended("Past retention", now() - (config.retention_days + 1) * 86400))

    at = app()
    at.switch_page("ui/jobs.py").run()
    assert_clean(at)
    assert "Past retention" in texts(at) and "Lost by Redis" not in texts(at)
    assert store.files.job_dir(expired.id).exists()

    sweep(store, config)  # what a worker runs every SWEEP_INTERVAL
    assert store.get(expired.id) is None and not store.files.job_dir(expired.id).exists()
    assert store.get(lost.id) is not None
    at.run()
    assert_clean(at)
    assert "Past retention" not in texts(at) and "Lost by Redis" in texts(at)


def test_a_preview_cell_shows_its_text_and_never_formats_links_or_icons():
    import re

    from ui._sheets import _cell

    for text in (
        "[click](http://evil.example)",
        "*bold* _it_ `code`",
        ":material/home: :smile:",
        "a | b",
        "=1+2",
    ):
        shown = _cell(text)
        # Every Markdown character is escaped: what the teacher sees is the text itself.
        assert re.sub(r"\\(.)", r"\1", shown) == text
        assert not re.search(r"(?<!\\)[\[\]()*_`:|]", shown), shown
    assert _cell("two\nlines") == "two lines" and _cell("") == " "


def test_a_long_pdf_shows_its_counts_while_every_page_is_still_checked(app_env, config):
    """The counts come from the early answer; the button waits for the job's own check of every page."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    from storage.files import FileStore
    from storage.looks import LookStore
    from storage.redis_conn import get_redis
    from tests.apptest import answer_looks
    from tests.conftest import ROOT
    from worker.looks import EARLY_COUNT_FROM_PAGES, LookContext, describe

    pages = EARLY_COUNT_FROM_PAGES + 1
    at = AppTest(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()  # looks stay unanswered
    at.switch_page("ui/handouts.py").run()
    at.file_uploader(key="handouts_files").upload("Manual.pdf", pdf_bytes(pages), "application/pdf")
    at.run()
    assert "Looking inside **Manual.pdf**" in texts(at)
    conn = get_redis(config)
    (job,) = Queue(config.look_queue_name, connection=conn, serializer=JSONSerializer).get_jobs()
    _, key, params = job.args
    files = FileStore(config)
    describe(LookContext(files, config, key, LookStore(conn, files)), params)  # a worker, before its end
    at.run()
    assert_clean(at)
    assert {m.label: m.value for m in at.metric}["Pages in"] == str(pages)
    assert "Checking every page of **Manual.pdf**" in texts(at)
    assert at.button(key="handouts_submit").disabled
    assert "Still checking every page of Manual.pdf" in texts(at)
    answer_looks()  # the look's end: the final answer, then the preview
    at.run()
    answer_looks()
    at.run()
    assert_clean(at)
    assert "Checking every page" not in texts(at)
    assert not at.button(key="handouts_submit").disabled
