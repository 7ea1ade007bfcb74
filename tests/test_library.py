"""Presets and "My files" at the storage level, against the real test Redis."""

from __future__ import annotations

import io
import json
import os
import time

import pytest

from core.errors import NotAllowed, TeacherPrinterError
from services.library import MyFiles, Presets
from services.uploads import Uploads
from storage.config import Config
from storage.files import FileStore, StoredFile, upload_id_of
from storage.jobs import Status
from storage.presets import BadPresetFile, PresetStore
from storage.redis_conn import get_redis
from storage.upload_index import UploadIndex, suffix_of
from tests.apptest import looked, unlocked
from tests.make_files import damaged_pdf_bytes, encrypt_pdf, locked_ods_bytes, make_pdf, pdf_bytes, png_bytes
from worker.kinds.spreadsheets import ACCEPTED
from worker.pipelines import preset_options

KINDS = {"handouts": "Handouts", "merge": "Merge & arrange"}


@pytest.fixture
def presets(config) -> PresetStore:
    return PresetStore(get_redis(config), preset_options)


def test_presets_are_checked_saved_replaced_and_listed_per_owner(presets):
    booklet = presets.save(
        "handouts", "  A5   booklet ", {"layout": "booklet", "paper": "A4"}, "ann@school.org"
    )
    assert booklet.name == "A5 booklet" and booklet.options["layout"] == "booklet"
    assert booklet.options["per_sheet"] == 4  # filled in by the options record
    again = presets.save("handouts", "a5 booklet", {"layout": "booklet", "paper": "A3"}, "ann@school.org")
    assert again.id == booklet.id  # same name and kind: replaced, not doubled
    presets.save("merge", "Numbered", {"numbers": True, "output_name": "Week 3"}, "ann@school.org")
    shared = presets.save("handouts", "4-up revision", {"per_sheet": 4}, "it@school.org", shared=True)
    presets.save("handouts", "Bob's", {"per_sheet": 2}, "bob@school.org")

    ann = presets.list_for("ann@school.org", "handouts")
    assert [(p.name, p.shared) for p in ann] == [("4-up revision", True), ("a5 booklet", False)]
    assert ann[1].options["paper"] == "A3"
    merge = presets.list_for("ann@school.org", "merge")
    assert "output_name" not in merge[0].options  # a result's name belongs to its files, not to a preset
    assert {p.name for p in presets.list_for("bob@school.org")} == {"Bob's", "4-up revision"}

    with pytest.raises(NotAllowed):
        presets.delete(shared.id, "ann@school.org", may_share=False)
    with pytest.raises(NotAllowed):
        presets.delete(booklet.id, "bob@school.org", may_share=False)  # not Bob's
    presets.delete(booklet.id, "ann@school.org", may_share=False)
    presets.delete(shared.id, "it@school.org", may_share=True)
    assert [p.name for p in presets.list_for("ann@school.org", "handouts")] == []


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("", {}, "Give the preset a name"),
        ("x" * 61, {}, "up to 60 characters"),
        ("Odd", {"per_sheet": 5}, "5 pages per sheet is not offered"),
        ("Odd", {"margin_mm": "wide"}, "wrong kind: margin_mm"),
        ("Odd", {"duplex": "yes"}, "wrong kind: duplex"),
    ],
)
def test_a_preset_that_cannot_be_used_is_refused_in_words(presets, name, options, message):
    with pytest.raises(TeacherPrinterError) as caught:
        presets.save("handouts", name, options, "ann@school.org")
    assert message in str(caught.value)
    assert presets.list_for("ann@school.org") == []


def test_export_then_import_gives_the_same_presets_to_another_teacher(presets):
    presets.save("handouts", "A5 booklet", {"layout": "booklet"}, "ann@school.org")
    presets.save("handouts", "8-up", {"per_sheet": 8, "borders": True}, "ann@school.org")
    data = PresetStore.export_json(presets.list_for("ann@school.org", "handouts"))
    assert json.loads(data)["format"] == "teacher-printer-presets"

    result = presets.import_json(data, "bob@school.org", KINDS)
    assert sorted(p.name for p in result.saved) == ["8-up", "A5 booklet"] and result.skipped == []
    bob = {p.name: p for p in presets.list_for("bob@school.org", "handouts")}
    assert bob["8-up"].options == presets.list_for("ann@school.org", "handouts")[0].options
    assert all(p.owner == "bob@school.org" and not p.shared for p in bob.values())


def test_import_keeps_the_good_presets_and_names_the_bad_ones(presets):
    document = {
        "format": "teacher-printer-presets",
        "version": 1,
        "presets": [
            {"kind": "handouts", "name": "Good", "options": {"per_sheet": 2}},
            {"kind": "handouts", "name": "Seven up", "options": {"per_sheet": 7}},
            {"kind": "printer", "name": "Alien", "options": {}},
        ],
    }
    result = presets.import_json(json.dumps(document).encode(), "ann@school.org", KINDS)
    assert [p.name for p in result.saved] == ["Good"]
    assert len(result.skipped) == 2
    assert "“Seven up” (Handouts): These handout options cannot be used" in result.skipped[0]
    assert "“Alien” is not for a tool of this app." in result.skipped[1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n", "could not be read"),
        (b"[1, 2]", "is not a presets file"),
        (b'{"format": "teacher-printer-presets", "version": 9, "presets": []}', "another version"),
        (b'{"format": "teacher-printer-presets", "version": 1, "presets": []}', "holds no presets"),
        (
            b'{"format": "teacher-printer-presets", "version": 1, "presets": '
            b'[{"kind": "handouts", "name": "Bad", "options": {"paper": "A9"}}]}',
            "No preset in this file could be used",
        ),
        (b" " * (300 * 1024), "too large"),
    ],
)
def test_a_bad_presets_file_gets_a_clear_message(presets, data, message):
    with pytest.raises(BadPresetFile) as caught:
        presets.import_json(data, "ann@school.org", KINDS)
    assert message in caught.value.message
    assert "Save presets to a file" in caught.value.hint


def test_presets_service_imports_every_tool(config):
    service = Presets(config)
    service.save("spreadsheets", "By class", {"task": "split", "split_column": "Class"}, "ann")
    exported = service.export("spreadsheets", "ann")
    assert service.import_file(exported, "bob").saved[0].options["split_column"] == "Class"


# -- My files ---------------------------------------------------------------------------


def upload(mine: MyFiles, data: bytes, name: str) -> StoredFile:
    """What the upload step of a tool page does: store the file, check it as that page would, keep it."""
    uploads = Uploads(mine.config, mine)
    return looked(uploads, uploads.add(io.BytesIO(data), name)).stored


def kept(config: Config, owner: str, data: bytes, name: str) -> StoredFile:
    """A file in the owner's My files, uploaded and checked as on a tool page."""
    return upload(MyFiles(config, owner), data, name)


def test_the_same_file_twice_is_stored_once_per_owner(config):
    data = pdf_bytes(3)
    ann = MyFiles(config, "ann@school.org")
    first = upload(ann, data, "Quiz.pdf")
    second = upload(ann, data, "Quiz week 2.pdf")
    assert second.ref == first.ref and second.name == "Quiz week 2.pdf"  # a job gets the name given now
    assert len(list((config.data_dir / "uploads").iterdir())) == 1
    listed = ann.recent()
    # Kept once under its first name, the other name beside it: never renamed behind the teacher's back.
    assert [(e.name, e.also, e.size, e.pages) for e in listed] == [
        ("Quiz.pdf", ("Quiz week 2.pdf",), len(data), 3)
    ]
    upload(ann, data, "Quiz.pdf")
    upload(ann, data, "Quiz week 2.pdf")
    assert [(e.name, e.also) for e in ann.recent()] == [("Quiz.pdf", ("Quiz week 2.pdf",))]
    assert listed[0].stored().name == "Quiz.pdf"  # picked from My files, it is used under its first name

    other = upload(ann, pdf_bytes(1, "Other"), "Other.pdf")
    assert [e.ref for e in ann.recent()] == [other.ref, first.ref]  # last used first
    assert [e.ref for e in ann.recent(["csv"])] == []

    bob = MyFiles(config, "bob@school.org")
    bobs = upload(bob, data, "Quiz.pdf")
    assert bobs.ref != first.ref  # each owner has their own copy, to delete as they like
    assert [e.ref for e in bob.recent()] == [bobs.ref]
    assert first.ref not in {e.ref for e in bob.recent()}


@pytest.mark.parametrize(
    "name, data",
    [
        ("Empty.pdf", b""),
        ("Photo.pdf", png_bytes()),
        ("Damaged.pdf", damaged_pdf_bytes()),
        ("Marks.ods", locked_ods_bytes()),
        ("Empty.csv", b""),
    ],
)
def test_a_file_that_fails_its_check_is_not_kept(config, name, data):
    ann = MyFiles(config, "ann")
    failed = upload(ann, data, name)
    assert ann.recent() == [] and ann.recent([suffix_of(name)]) == []
    assert FileStore(config).upload_kept(
        failed.ref
    )  # the page that holds it still shows why (the clean-up removes it)
    again = upload(ann, data, name)
    assert ann.recent() == [] and again.ref != failed.ref  # never reused as if it were a kept file


def test_a_locked_pdf_is_kept_only_as_its_unlocked_copy(config, tmp_path):
    locked = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 2), tmp_path / "Locked.pdf", user_password="pw")
    ann = MyFiles(config, "ann")
    stored = upload(ann, locked.read_bytes(), "Locked.pdf")
    assert ann.recent() == []  # not offered as if it were ready
    opened = unlocked(Uploads(config, ann), stored, "pw").stored
    assert [(e.ref, e.name, e.pages) for e in ann.recent(["pdf"])] == [(opened.ref, "Locked.pdf", 2)]


def test_the_same_bytes_under_another_type_are_another_file(config):
    class_list = b"Name,Class\nAna,9A\nBen,9B\n"
    ann = MyFiles(config, "ann")
    csv = upload(ann, class_list, "9.csv")
    pdf = upload(ann, class_list, "9.pdf")  # fails its check as a PDF
    assert pdf.ref != csv.ref
    assert ann.recent(["pdf"]) == []  # a PDF picker never offers the class list
    assert [(e.name, e.also, e.kind, e.rows) for e in ann.recent(ACCEPTED)] == [("9.csv", (), "sheet", 3)]


def test_files_listed_before_they_were_checked_are_no_longer_offered(config):
    """Entries indexed by an earlier version, before a file had to pass its check, drop out of the list."""
    from storage.upload_index import UploadEntry

    ann = MyFiles(config, "ann")
    good = upload(ann, pdf_bytes(1), "Good.pdf")
    broken = FileStore(config).save_upload(io.BytesIO(png_bytes()), "Photo.pdf")
    now = time.time()
    entry = UploadEntry(
        upload_id_of(broken.ref), broken.ref, broken.name, broken.size, broken.sha256, "ann", now, now
    )
    ann.index.add(entry)  # as the old upload step did, before the check
    ann.index.describe(entry.id, "pdf", None, None)  # and the failed check it recorded
    assert [e.ref for e in ann.recent(["pdf"])] == [good.ref]
    assert ann.index.get(entry.id) is None
    assert upload(ann, png_bytes(), "Photo.pdf").ref != broken.ref  # not reused either


def test_listing_and_clean_up_drop_files_that_are_gone(config, jobs):
    from worker.sweep import remove_expired

    ann = MyFiles(config, "ann")
    kept = upload(ann, pdf_bytes(1, "Kept"), "Kept.pdf")
    gone = upload(ann, pdf_bytes(1, "Gone"), "Gone.pdf")
    old = upload(ann, pdf_bytes(1, "Old"), "Old.pdf")
    files = FileStore(config)
    files.delete_upload(gone.ref)  # e.g. removed by hand
    assert [e.name for e in ann.recent()] == ["Old.pdf", "Kept.pdf"]
    index = UploadIndex(jobs.store.conn)
    assert index.get(upload_id_of(gone.ref)) is None

    long_ago = time.time() - (config.retention_days + 1) * 86400
    os.utime(files.resolve(old.ref).parent, (long_ago, long_ago))
    remove_expired(jobs.store, config)
    assert not files.upload_kept(old.ref)
    assert index.get(upload_id_of(old.ref)) is None  # the clean-up dropped its entry too
    assert [e.name for e in ann.recent()] == ["Kept.pdf"]
    # Uploading it again after the clean-up stores it afresh.
    again = upload(ann, files.resolve(kept.ref).read_bytes(), "Kept.pdf")
    assert again.ref == kept.ref


def test_a_file_indexed_before_types_counted_is_still_found_again(config):
    from storage.upload_index import content_field, sha_key

    ann = MyFiles(config, "ann")
    first = upload(ann, pdf_bytes(2), "Quiz.pdf")
    conn = ann.index.conn
    conn.hdel(sha_key("ann"), content_field(first.sha256, first.name))
    conn.hset(sha_key("ann"), first.sha256, upload_id_of(first.ref))  # as the earlier version indexed it
    assert upload(ann, pdf_bytes(2), "Quiz again.pdf").ref == first.ref
    assert upload(ann, pdf_bytes(2), "Quiz.zip").ref != first.ref  # another type: another file
    assert [(e.ref, e.also) for e in ann.recent()] == [(first.ref, ("Quiz again.pdf",))]
    ann.delete(upload_id_of(first.ref))
    assert conn.hgetall(sha_key("ann")) == {}


def test_the_clean_up_removes_files_left_out_of_my_files_after_a_day(config, jobs, tmp_path):
    from worker.sweep import UNLISTED_KEPT_S, remove_expired

    ann = MyFiles(config, "ann")
    good = upload(ann, pdf_bytes(1), "Good.pdf")
    photo = upload(ann, png_bytes(), "Photo.pdf")
    locked_pdf = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 1), tmp_path / "Locked.pdf", user_password="pw")
    locked = upload(ann, locked_pdf.read_bytes(), "Locked.pdf")
    in_a_job = FileStore(config).save_upload(io.BytesIO(png_bytes()), "Given.pdf")
    jobs.submit("merge", "Merge — Given.pdf", [{"ref": in_a_job.ref, "name": in_a_job.name}], {}, "ann")
    fresh = upload(ann, damaged_pdf_bytes(), "Damaged.pdf")
    files = FileStore(config)
    a_day_ago = time.time() - UNLISTED_KEPT_S - 60
    for stored in (good, photo, locked, in_a_job):
        os.utime(files.resolve(stored.ref).parent, (a_day_ago, a_day_ago))
    remove_expired(jobs.store, config)
    assert not files.upload_kept(photo.ref) and not files.upload_kept(locked.ref)  # in nobody's My files
    assert files.upload_kept(good.ref) and files.upload_kept(in_a_job.ref)  # listed, or a job refers to it
    assert files.upload_kept(fresh.ref)  # the page that received it may still show it
    assert [e.ref for e in ann.recent()] == [good.ref]


def test_a_job_keeps_its_files_for_another_retention_period(config, jobs):
    ann = MyFiles(config, "ann")
    stored = ann.save(io.BytesIO(pdf_bytes(1)), "Quiz.pdf")
    folder = FileStore(config).resolve(stored.ref).parent
    long_ago = time.time() - 10 * 86400
    os.utime(folder, (long_ago, long_ago))
    jobs.submit("merge", "Merge — Quiz.pdf", [{"ref": stored.ref, "name": stored.name}], {}, "ann")
    assert folder.stat().st_mtime > time.time() - 60


def test_a_file_a_job_may_still_need_cannot_be_deleted(config, jobs, burst):
    ann = MyFiles(config, "ann")
    stored = upload(ann, pdf_bytes(1), "Quiz.pdf")
    broken = FileStore(config).save_upload(io.BytesIO(png_bytes()), "Photo.pdf")  # makes the job fail
    inputs = [{"ref": stored.ref, "name": stored.name}, {"ref": broken.ref, "name": broken.name}]
    record = jobs.submit("merge", "Merge — Quiz.pdf", inputs, {}, "ann")
    burst()
    assert jobs.get(record.id, None).status == Status.FAILED
    upload_id = upload_id_of(stored.ref)
    with pytest.raises(NotAllowed) as refused:
        ann.delete(upload_id)
    assert "“Quiz.pdf” cannot be deleted yet: “Merge — Quiz.pdf” still needs it" in refused.value.message
    assert FileStore(config).upload_kept(stored.ref)
    with pytest.raises(NotAllowed):
        MyFiles(config, "bob").delete(upload_id)  # not Bob's file
    jobs.delete(record.id, None)
    ann.delete(upload_id)
    assert not FileStore(config).upload_kept(stored.ref)
    assert ann.recent() == []


def test_an_upload_is_kept_even_when_the_index_is_unreachable(config, monkeypatch):
    import redis

    ann = MyFiles(config, "ann")

    def down(*args, **kwargs):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(ann.index, "find", down)
    stored = ann.save(io.BytesIO(pdf_bytes(1)), "Quiz.pdf")
    assert FileStore(config).upload_kept(stored.ref)


def test_a_failed_job_on_record_keeps_its_upload_past_retention_and_retry_finds_it(config, jobs, burst):
    """A job failed near the end of the retention period may still be retried; its upload stays."""
    from worker.sweep import remove_expired

    files = FileStore(config)
    stored = files.save_upload(io.BytesIO(pdf_bytes(2)), "Quiz.pdf")
    item = {"ref": stored.ref, "name": stored.name}
    record = jobs.submit("merge", "Merge — Quiz.pdf", [item], {}, "ann")
    blocker = files.outputs_dir(record.id, 1)
    blocker.parent.mkdir(parents=True)
    blocker.write_bytes(b"in the way")  # the result's folder cannot be made: the job fails
    burst()
    assert jobs.get(record.id, None).status == Status.FAILED
    blocker.unlink()
    past_retention = time.time() - (config.retention_days + 1) * 86400
    os.utime(files.resolve(stored.ref).parent, (past_retention, past_retention))
    remove_expired(jobs.store, config)
    assert files.upload_kept(stored.ref)  # the failed job is still on record
    jobs.retry(record.id, None)
    burst()
    assert jobs.get(record.id, None).status == Status.FINISHED


def test_a_finished_job_keeps_its_results_but_not_its_scratch_files(config, jobs, burst):
    files = FileStore(config)
    stored = files.save_upload(io.BytesIO(pdf_bytes(3)), "Quiz.pdf")
    record = jobs.submit("merge", "m", [{"ref": stored.ref, "name": stored.name}], {"numbers": True}, "ann")
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED
    assert not (files.job_dir(record.id) / "work").exists()
    assert jobs.output_path(record.id, done.outputs[0], None).is_file()
