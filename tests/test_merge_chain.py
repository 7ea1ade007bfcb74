"""The Merge PDFs chain through a real Redis and a real RQ worker."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.errors import NotAllowed
from storage.files import FileStore
from storage.jobs import Status
from tests.make_files import encrypt_pdf, make_pdf, page_texts, pdf_bytes, zip_of


def upload(config, path: Path) -> dict:
    stored = FileStore(config).save_upload(io.BytesIO(path.read_bytes()), path.name)
    return {"ref": stored.ref, "name": stored.name}


def upload_bytes(config, name: str, data: bytes) -> dict:
    stored = FileStore(config).save_upload(io.BytesIO(data), name)
    return {"ref": stored.ref, "name": stored.name}


def test_merge_keeps_order_and_every_page(jobs, config, burst, tmp_path):
    a = make_pdf(tmp_path / "a.pdf", 3, "Alpha")
    b = make_pdf(tmp_path / "b.pdf", 2, "Beta")
    record = jobs.submit(
        "merge", "Merge — b, a", [upload(config, b), upload(config, a)], {"output_name": "together"}, "t1"
    )
    assert jobs.get(record.id, "t1").status == Status.QUEUED

    burst()

    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    assert [s.status for s in done.steps] == [Status.FINISHED] * 3
    assert done.progress == 100
    assert [o.name for o in done.outputs] == ["together.pdf"]
    out = jobs.output_path(record.id, done.outputs[0], "t1")
    assert page_texts(out) == ["Beta 1", "Beta 2", "Alpha 1", "Alpha 2", "Alpha 3"]
    manifest = FileStore(config).manifest_path(record.id)
    assert '"finished"' in manifest.read_text()


def test_zip_members_are_merged_in_archive_order(jobs, config, burst):
    archive = zip_of(
        {"week1/one.pdf": pdf_bytes(1, "One"), "notes.txt": b"hi", "two.pdf": pdf_bytes(2, "Two")}
    )
    record = jobs.submit("merge", "zip", [upload_bytes(config, "pack.zip", archive)], {}, "t1")
    burst()
    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    assert page_texts(jobs.output_path(record.id, done.outputs[0], "t1")) == ["One 1", "Two 1", "Two 2"]


def test_zip_slip_member_is_never_written_outside(jobs, config, burst, app_env):
    archive = zip_of({"../../escape.pdf": pdf_bytes(1), "ok.pdf": pdf_bytes(1, "Fine")})
    record = jobs.submit("merge", "zip", [upload_bytes(config, "evil.zip", archive)], {}, "t1")
    burst()
    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    assert page_texts(jobs.output_path(record.id, done.outputs[0], "t1")) == ["Fine 1"]
    assert not list(app_env.parent.rglob("escape.pdf"))


def test_empty_password_pdf_is_opened(jobs, config, burst, tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", 2, "Open")
    locked = encrypt_pdf(plain, tmp_path / "locked.pdf", user_password="")
    record = jobs.submit("merge", "x", [upload(config, locked)], {}, "t1")
    burst()
    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    assert page_texts(jobs.output_path(record.id, done.outputs[0], "t1")) == ["Open 1", "Open 2"]


def test_password_pdf_fails_check_and_cancels_merge(jobs, config, burst, tmp_path):
    good = make_pdf(tmp_path / "good.pdf", 1)
    secret = encrypt_pdf(good, tmp_path / "Secret worksheet.pdf", user_password="hunter2")
    record = jobs.submit("merge", "x", [upload(config, good), upload(config, secret)], {}, "t1")
    burst()

    failed = jobs.get(record.id, "t1")
    assert failed.status == Status.FAILED
    assert [s.status for s in failed.steps] == [Status.FAILED, Status.CANCELED, Status.CANCELED]
    assert failed.error.key == "password_required"
    assert "Secret worksheet.pdf is protected by a password" in failed.error.message
    assert failed.error.hint
    assert "PasswordRequired" in failed.error.details
    assert failed.outputs == []

    # The same file would fail the same way: no Retry, only "Run again…" with other files.
    assert failed.error.permanent
    with pytest.raises(NotAllowed, match="would fail the same way"):
        jobs.retry(record.id, "t1")
    assert jobs.get(record.id, "t1").attempt == 1

    job_dir = FileStore(config).job_dir(record.id)
    assert job_dir.exists()
    jobs.delete(record.id, "t1")
    assert jobs.get(record.id, "t1") is None
    assert not job_dir.exists()


def test_several_bad_files_are_all_named(jobs, config, burst):
    items = [
        upload_bytes(config, "picture.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
        upload_bytes(config, "empty.pdf", b""),
        upload_bytes(config, "cut.pdf", pdf_bytes(3)[:200]),
    ]
    record = jobs.submit("merge", "x", items, {}, "t1")
    burst()
    failed = jobs.get(record.id, "t1")
    assert failed.status == Status.FAILED
    for name in ("picture.pdf", "empty.pdf", "cut.pdf"):
        assert name in failed.error.message
    assert "3 files could not be used" in failed.error.message


def test_retry_reuses_the_finished_check(jobs, config, burst, tmp_path):
    """A failure in the merge step is retried from the merge step, not from the start."""
    a = make_pdf(tmp_path / "a.pdf", 2)
    record = jobs.submit("merge", "x", [upload(config, a)], {}, "t1")
    checked = FileStore(config)
    from worker.tasks import run_step

    run_step(record.id, 0, 1)
    after_check = jobs.get(record.id, "t1")
    assert after_check.steps[0].status == Status.FINISHED
    # Block the folder step 2 writes to (as a full or broken disk would), then clear it and retry.
    blocker = checked.outputs_dir(record.id, 1)
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"in the way")
    burst()
    failed = jobs.get(record.id, "t1")
    assert failed.status == Status.FAILED
    assert [s.status for s in failed.steps] == [Status.FINISHED, Status.FAILED, Status.CANCELED]
    assert not failed.error.permanent
    blocker.unlink()
    again = jobs.retry(record.id, "t1")
    assert [s.status for s in again.steps] == [Status.FINISHED, Status.QUEUED, Status.QUEUED]
    burst()
    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    assert done.steps[0].started_at == after_check.steps[0].started_at


def test_other_owner_cannot_see_or_touch(jobs, config, burst, tmp_path):
    from core.errors import NotAllowed

    record = jobs.submit("merge", "x", [upload(config, make_pdf(tmp_path / "a.pdf", 1))], {}, "alice")
    assert jobs.get(record.id, "bob") is None
    assert jobs.list("bob").total == 0
    with pytest.raises(NotAllowed):
        jobs.delete(record.id, "bob")
    with pytest.raises(NotAllowed):
        jobs.cancel(record.id, "bob")
    assert jobs.list("alice").total == 1


def test_cancel_queued_job_never_runs(jobs, config, burst, tmp_path):
    record = jobs.submit("merge", "x", [upload(config, make_pdf(tmp_path / "a.pdf", 1))], {}, "t1")
    jobs.cancel(record.id, "t1")
    burst()
    canceled = jobs.get(record.id, "t1")
    assert canceled.status == Status.CANCELED
    assert all(s.status == Status.CANCELED for s in canceled.steps)
    assert canceled.outputs == []


def test_unregistered_function_is_refused(config, burst, app_env):
    from rq import Queue
    from rq.serializers import JSONSerializer

    from storage.redis_conn import get_redis

    queue = Queue(config.queue_name, connection=get_redis(config), serializer=JSONSerializer)
    job = queue.enqueue("os.remove", str(app_env / "victim"))
    (app_env / "victim").write_text("keep me")
    burst()
    assert job.get_status() == "failed"
    assert (app_env / "victim").exists()


@pytest.mark.corpus
def test_merge_real_corpus_files(jobs, config, burst, corpus_dir):
    names = ["google-doc-document.pdf", "SimplePDF2.0.pdf", "habibi-rotated.pdf"]
    paths = [corpus_dir / "pdf" / n for n in names]
    expected = [len(PdfReader(p).pages) for p in paths]
    record = jobs.submit("merge", "corpus", [upload(config, p) for p in paths], {}, "t1")
    burst()
    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    out = PdfReader(jobs.output_path(record.id, done.outputs[0], "t1"))
    assert len(out.pages) == sum(expected)
    assert done.steps[0].result["pages"] == sum(expected)


@pytest.mark.corpus
def test_repaired_file_is_used_and_the_teacher_is_told(jobs, config, burst, corpus_dir):
    record = jobs.submit(
        "merge", "x", [upload(config, corpus_dir / "pdf" / "xref_command_missing.pdf")], {}, "t1"
    )
    burst()
    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    notes = done.steps[0].result["notes"]
    assert len(notes) == 1 and "xref_command_missing.pdf" in notes[0] and "repaired" in notes[0]


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["append-page-content-damaged.pdf", "Pages-tree-refs.pdf", "issue15590.pdf"])
def test_unrecoverable_corpus_files_fail_with_a_clear_message(jobs, config, burst, corpus_dir, name):
    record = jobs.submit("merge", "x", [upload(config, corpus_dir / "pdf" / name)], {}, "t1")
    burst()
    failed = jobs.get(record.id, "t1")
    assert failed.status == Status.FAILED
    assert failed.error.key in {"damaged_file", "empty_document"}, failed.error
    assert name in failed.error.message


def test_arrange_number_and_split_in_one_job(jobs, config, burst, tmp_path):
    a = make_pdf(tmp_path / "a.pdf", 3, "Alpha")
    b = make_pdf(tmp_path / "b.pdf", 2, "Beta")
    options = {
        "output_name": "pack",
        "keep": "5, 1-3",
        "rotate_all": 90,
        "blank_after": "1",
        "numbers": True,
        "number_style": "page_x_of_y",
        "split": "every",
        "split_every": 3,
    }
    record = jobs.submit("merge", "x", [upload(config, a), upload(config, b)], options, "t1")
    burst()
    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    assert [o.name for o in done.outputs] == ["pack - parts.zip"]
    import zipfile

    with zipfile.ZipFile(jobs.output_path(record.id, done.outputs[0], "t1")) as archive:
        names = sorted(archive.namelist())
        assert len(names) == 2
        first = PdfReader(io.BytesIO(archive.read(names[0])))
        second = PdfReader(io.BytesIO(archive.read(names[1])))
    texts = [p.extract_text() for p in first.pages] + [p.extract_text() for p in second.pages]
    assert len(texts) == 5  # Beta 2, a blank, Alpha 1-3
    assert "Beta 2" in texts[0] and "Page 1 of 5" in texts[0]
    assert "Alpha" not in texts[1] and "Page 2 of 5" in texts[1]
    assert "Alpha 3" in texts[4] and "Page 5 of 5" in texts[4]
    assert [p.rotation % 360 for p in first.pages] == [90, 0, 90]  # the blank is made landscape instead

    def shown(page):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        return (height, width) if page.rotation % 180 else (width, height)

    assert len({shown(p) for p in first.pages}) == 1
    assert shown(first.pages[0])[0] > shown(first.pages[0])[1]


def test_compress_keeps_the_original_when_nothing_is_gained(jobs, config, burst, tmp_path):
    a = make_pdf(tmp_path / "a.pdf", 2, "Small")
    record = jobs.submit("merge", "x", [upload(config, a)], {"compress": True}, "t1")
    burst()
    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    notes = done.steps[2].result["notes"]
    assert len(notes) == 1 and ("smaller" in notes[0])
    assert page_texts(jobs.output_path(record.id, done.outputs[0], "t1")) == ["Small 1", "Small 2"]


def test_page_list_that_does_not_fit_is_refused_in_plain_words(jobs, config, burst, tmp_path):
    a = make_pdf(tmp_path / "a.pdf", 3)
    record = jobs.submit("merge", "x", [upload(config, a)], {"keep": "7"}, "t1")
    burst()
    failed = jobs.get(record.id, "t1")
    assert failed.status == Status.FAILED
    assert failed.error.key == "bad_page_range"
    assert "Page 7 does not exist" in failed.error.message
