"""The one uploads service the pages use: add, look again, unlock (real files, the test Redis)."""

from __future__ import annotations

import io

import pytest

from core.errors import TeacherPrinterError
from services.library import MyFiles
from services.uploads import Uploads
from storage.files import FileStore
from storage.jobs import Status
from tests.apptest import answer_looks, looked, unlocked
from tests.make_files import encrypt_pdf, make_pdf, pdf_bytes, png_bytes


@pytest.fixture
def uploads(config):
    return Uploads(config, MyFiles(config, "ann@school.org"))


def names_listed(config) -> list[str]:
    return [entry.name for entry in MyFiles(config, "ann@school.org").recent()]


def test_add_saves_looks_by_type_and_lists_what_is_usable(config, uploads):
    added = [
        uploads.add(io.BytesIO(pdf_bytes(3)), "Quiz.pdf"),
        uploads.add(io.BytesIO(b"First name,Surname\nAda,Lovelace\n"), "7B.csv"),
        uploads.add(io.BytesIO(png_bytes()), "Photo.pdf"),
    ]
    # The web side opens nothing: until a worker has looked, each is pending and none is listed.
    assert all(upload.pending for upload in added) and names_listed(config) == []
    pdf, sheet, photo = (looked(uploads, upload) for upload in added)
    assert (pdf.info.kind, pdf.info.pages, pdf.info.usable) == ("pdf", 3, True)
    assert (sheet.info.kind, sheet.info.usable) == ("sheet", True)
    assert not photo.info.usable and "not a PDF" in photo.info.problem
    assert sorted(names_listed(config)) == ["7B.csv", "Quiz.pdf"]
    assert FileStore(config).upload_kept(photo.stored.ref)  # kept for the page, just not listed


def test_the_same_file_again_is_the_one_kept_and_a_removed_one_is_gone(config, uploads):
    data = pdf_bytes(2)  # once: a PDF records the second it was made in
    first = looked(uploads, uploads.add(io.BytesIO(data), "Quiz.pdf"))
    second = uploads.add(io.BytesIO(data), "Quiz again.pdf")
    assert second.stored.ref == first.stored.ref and second.stored.name == "Quiz again.pdf"
    assert uploads.again(first.stored).info.pages == 2
    FileStore(config).delete_upload(first.stored.ref)  # as the clean-up does
    assert uploads.again(first.stored) is None


def test_unlock_lists_the_unprotected_copy_only(config, uploads, tmp_path):
    locked_path = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 4), tmp_path / "Locked.pdf", "secret")
    locked = looked(uploads, uploads.add(io.BytesIO(locked_path.read_bytes()), "Locked.pdf"))
    assert locked.info.needs_password and names_listed(config) == []
    with pytest.raises(TeacherPrinterError):
        unlocked(uploads, locked.stored, "wrong")
    opened = unlocked(uploads, locked.stored, "secret")
    assert opened.stored.ref != locked.stored.ref
    assert (opened.info.pages, opened.info.needs_password) == (4, False)
    assert names_listed(config) == ["Locked.pdf"]


def test_without_the_job_service_files_are_still_saved_and_looked_at(config):
    without = Uploads(config, None)
    upload = looked(without, without.add(io.BytesIO(pdf_bytes(1)), "Quiz.pdf"))
    assert upload.info.pages == 1 and FileStore(config).upload_kept(upload.stored.ref)


def test_the_password_never_reaches_the_queue_and_is_gone_once_used(config, uploads, tmp_path):
    from rq import Queue
    from rq.serializers import JSONSerializer

    from storage.redis_conn import get_redis

    locked_path = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 2), tmp_path / "Locked.pdf", "hunter2-secret")
    locked = looked(uploads, uploads.add(io.BytesIO(locked_path.read_bytes()), "Locked.pdf"))
    key = uploads.start_unlock(locked.stored, "hunter2-secret")
    conn = get_redis(config)
    queued = Queue(config.look_queue_name, connection=conn, serializer=JSONSerializer).jobs
    assert queued and all("hunter2" not in repr(job.args) for job in queued)
    assert [k for k in conn.keys("tp:secret:*")]  # waiting, for a minute at most
    assert conn.ttl(conn.keys("tp:secret:*")[0]) <= 60
    answer_looks()
    assert uploads.finish_unlock(key) is not None
    assert conn.keys("tp:secret:*") == []
    assert not any(b"hunter2" in (conn.dump(k) or b"") for k in conn.keys("*"))


def test_a_look_is_asked_once_however_many_pages_ask(config, uploads):
    from rq import Queue
    from rq.serializers import JSONSerializer

    from storage.redis_conn import get_redis

    data = pdf_bytes(5)
    first = uploads.add(io.BytesIO(data), "Quiz.pdf")
    for _ in range(3):
        assert uploads.again(first.stored).pending
    other = Uploads(config, MyFiles(config, "ben@school.org"))
    theirs = other.add(io.BytesIO(data), "Quiz.pdf")  # another teacher, the same file and name
    queue = Queue(config.look_queue_name, connection=get_redis(config), serializer=JSONSerializer)
    assert queue.count == 1
    answer_looks()
    assert looked(other, theirs).info.pages == 5 and queue.count == 0


def _queued_look(config, take: bool = False):
    """The one look waiting in the looks queue: its name, key and parameters (taken off, as a worker does)."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    from storage.redis_conn import get_redis

    queue = Queue(config.look_queue_name, connection=get_redis(config), serializer=JSONSerializer)
    (job,) = queue.get_jobs()
    if take:
        queue.remove(job)
    return job.args


def _early_part_only(config, key, params):
    """What the page sees while a worker is still checking: the look run without storing its final answer."""
    from storage.looks import LookStore
    from storage.redis_conn import get_redis
    from worker.looks import LookContext, describe

    files = FileStore(config)
    return describe(LookContext(files, config, key, LookStore(get_redis(config), files)), params)


def test_a_long_pdf_is_counted_first_and_listed_only_once_every_page_is_checked(config, uploads):
    from worker.looks import EARLY_COUNT_FROM_PAGES

    pages = EARLY_COUNT_FROM_PAGES + 20
    first = uploads.add(io.BytesIO(pdf_bytes(pages)), "Manual.pdf")
    assert first.pending
    name, key, params = _queued_look(config)
    assert (name, key) == ("describe", first.look)
    final = _early_part_only(config, key, params)
    during = uploads.again(first.stored)
    assert not during.pending and during.checking
    assert during.info.pages == pages and len(during.info.sizes) == pages
    flat = [v for size in final["sizes"] for v in size]
    assert [v for size in during.info.sizes for v in size] == pytest.approx(flat, abs=0.01)
    assert "Manual.pdf" not in names_listed(config)  # not until the job's own check has passed
    answer_looks()
    after = uploads.again(first.stored)
    assert not after.checking and after.info.pages == pages
    assert "Manual.pdf" in names_listed(config)


def test_a_short_pdf_gets_one_answer_and_a_dead_early_look_is_asked_again(config, uploads):
    from storage.looks import wait_key
    from storage.redis_conn import get_redis

    short = uploads.add(io.BytesIO(pdf_bytes(3)), "Quiz.pdf")
    _early_part_only(config, *_queued_look(config)[1:])
    assert uploads.looks.store.get(short.look) is None  # no early answer: the check is as quick
    answer_looks()

    long = uploads.add(io.BytesIO(pdf_bytes(150, "L")), "Long.pdf")
    _, key, params = _queued_look(config, take=True)
    _early_part_only(config, key, params)
    get_redis(config).delete(wait_key(key))  # its worker died after the early answer
    assert uploads.again(long.stored).checking
    assert _queued_look(config)[1] == key  # queued again, so the final answer still comes
    answer_looks()
    assert not uploads.again(long.stored).checking


def test_the_early_count_agrees_with_the_full_check_on_every_corpus_pdf(corpus_dir):
    """Wherever pdfium counts a file quickly, the job's own check finds the same pages and sizes."""
    from pdf.render import quick_sizes
    from pdf.source import page_sizes, usable_pdf

    compared = 0
    for path in sorted(corpus_dir.rglob("*.pdf")):
        quick = quick_sizes(path)  # never raises, whatever the file
        if quick is None:
            continue
        try:
            checked = page_sizes(usable_pdf(path, path.name)[0], path.name)
        except TeacherPrinterError:
            continue  # the final answer carries the problem and replaces the early one
        assert [v for s in quick for v in s] == pytest.approx([v for s in checked for v in s], abs=0.01), path
        compared += 1
    assert compared >= 20


def test_the_job_reuses_the_check_its_page_looked_for(config, uploads, jobs, burst, monkeypatch):
    """A PDF the page's look found usable as it is is not opened again by the job's check step;
    one nobody looked at is."""
    import pdf.inputs

    looked_at = looked(uploads, uploads.add(io.BytesIO(pdf_bytes(7, "Seen")), "Seen.pdf"))
    unseen = FileStore(config).save_upload(io.BytesIO(pdf_bytes(2, "New")), "New.pdf")
    opened: list[str] = []
    real = pdf.inputs.usable_pdf

    def counting(path, display_name, password=""):
        opened.append(display_name)
        return real(path, display_name, password)

    monkeypatch.setattr(pdf.inputs, "usable_pdf", counting)
    items = [{"ref": u.ref, "name": u.name} for u in (looked_at.stored, unseen)]
    record = jobs.submit("merge", "both", items, {}, "ann@school.org")
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    assert opened == ["New.pdf"]
    assert done.steps[0].result["pages"] == 9
