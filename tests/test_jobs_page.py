"""The Jobs page at scale: one line per job, failed jobs first, several deleted at once, "Download all"."""

from __future__ import annotations

import io
import zipfile

from storage.jobs import Status
from tests.make_files import encrypt_pdf, make_pdf
from tests.test_class_sets_chain import submit as submit_class_set
from tests.test_merge_chain import upload
from tests.test_pages import app, assert_clean, open_details, texts


def finished_merge(jobs, config, burst, tmp_path, title: str):
    record = jobs.submit(
        "merge", title, [upload(config, make_pdf(tmp_path / f"{title}.pdf", 2))], {}, "local"
    )
    burst()
    return jobs.get(record.id, None)


def test_failed_jobs_come_first_and_each_job_is_one_line_with_its_main_download(
    app_env, config, burst, jobs, tmp_path
):
    older = finished_merge(jobs, config, burst, tmp_path, "Older worksheet")
    locked = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 1), tmp_path / "Quiz.pdf", user_password="pw")
    failed = jobs.submit("merge", "Locked quiz", [upload(config, locked)], {}, "local")
    burst()
    newer = finished_merge(jobs, config, burst, tmp_path, "Newer worksheet")
    at = app()
    at.switch_page("ui/jobs.py").run()
    assert_clean(at)
    headings = [h.value for h in at.subheader]
    assert headings[0].endswith("Needs your attention (1)") and headings[1] == "All other jobs"
    # The failed job is drawn first, then the rest newest first; it is not listed twice.
    order = [key.split("-", 1)[1] for key in (b.key for b in at.checkbox) if key.startswith("pick-")]
    assert order == [failed.id, newer.id, older.id]
    # Each finished line holds its main download; the rest is under "Details".
    assert [b.key for b in at.get("download_button")] == [f"dl-{newer.id}-0", f"dl-{older.id}-0"]
    assert [t.key for t in at.toggle] == [
        f"details-{failed.id}",
        f"details-{newer.id}",
        f"details-{older.id}",
    ]
    assert not any(b.key.startswith("again-") for b in at.button if b.key)  # drawn only when asked for
    assert "protected by a password" in texts(at)
    # Filtering by status shows the failed job in the list itself.
    at.multiselect(key="jobs_status").set_value([Status.FAILED]).run()
    assert not any("Needs your attention" in h.value for h in at.subheader)
    assert [key for key in (b.key for b in at.checkbox) if key.startswith("pick-")] == [f"pick-{failed.id}"]


def test_several_jobs_are_picked_and_deleted_at_once_after_asking(app_env, config, burst, jobs, tmp_path):
    kept, first, second = (finished_merge(jobs, config, burst, tmp_path, f"Sheet {n}") for n in range(3))
    at = app()
    at.switch_page("ui/jobs.py").run()
    at.checkbox(key=f"pick-{first.id}").check().run()
    at.checkbox(key=f"pick-{second.id}").check().run()
    at.button(key="jobs_delete_picked").click().run()
    assert "Delete 2 jobs and their result files?" in texts(at)
    assert jobs.get(first.id, None) is not None  # nothing goes before "Delete for good"
    at.button(key="jobs_delete_picked_final").click().run()
    assert_clean(at)
    assert jobs.get(first.id, None) is None and jobs.get(second.id, None) is None
    assert jobs.get(kept.id, None) is not None
    assert [key for key in (b.key for b in at.checkbox) if key.startswith("pick-")] == [f"pick-{kept.id}"]


def test_download_all_packs_every_result_in_one_zip_on_a_worker(app_env, config, burst, jobs, tmp_path):
    worksheet = upload(config, make_pdf(tmp_path / "Fractions.pdf", 1, "Question"))
    names = tmp_path / "class.csv"
    names.write_text("Name,Class\nAda,7A\nBen,7A\n")
    record = submit_class_set(jobs, worksheet, upload(config, names), {"name_column": "Name"})
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED and len(done.outputs) == 3
    at = app()
    at.switch_page("ui/jobs.py").run()
    open_details(at, record.id)
    at.button(key=f"zip-{record.id}").click().run()  # the page waits for a worker, then offers it
    assert_clean(at)
    button = next(b for b in at.get("download_button") if b.key == f"dl-all-{record.id}")
    assert button.proto.label.startswith("Download all 3 files")
    packed = next((app_env / "looks").glob("*/*.zip"))
    with zipfile.ZipFile(io.BytesIO(packed.read_bytes())) as archive:
        assert sorted(archive.namelist()) == sorted(o.name for o in done.outputs)
        first = done.outputs[0]
        assert archive.read(first.name) == jobs.output_path(record.id, first, None).read_bytes()


def test_failed_jobs_are_found_by_their_own_index_kept_through_retry_and_delete(
    app_env, config, burst, jobs, tmp_path
):
    from storage.jobs import FAILED_BUILT_KEY, FAILED_KEY
    from worker.failures import worker_lost
    from worker.tasks import _store, fail_job

    conn = jobs.store.conn
    done = finished_merge(jobs, config, burst, tmp_path, "Fine")
    stopped = jobs.submit("merge", "Stopped", [upload(config, make_pdf(tmp_path / "b.pdf", 1))], {}, "local")
    assert fail_job(_store(config), stopped.id, 0, 1, worker_lost())
    assert jobs.list(None, statuses=[Status.FAILED]).records[0].id == stopped.id
    assert [i.decode() for i in conn.zrange(FAILED_KEY, 0, -1)] == [stopped.id]
    jobs.retry(stopped.id, None)
    assert conn.zcard(FAILED_KEY) == 0 and jobs.list(None, statuses=[Status.FAILED]).total == 0
    # Records from before the index: it is filled from them once.
    assert fail_job(_store(config), stopped.id, 0, 2, worker_lost())
    conn.delete(FAILED_KEY, FAILED_BUILT_KEY)
    assert [r.id for r in jobs.list(None, statuses=[Status.FAILED]).records] == [stopped.id]
    jobs.delete(stopped.id, None)
    assert conn.zcard(FAILED_KEY) == 0 and jobs.get(done.id, None) is not None


def test_a_result_with_scripts_taken_out_says_so_on_its_line(app_env, config, burst, jobs, tmp_path):
    from tests.make_files import hostile_pdf

    record = jobs.submit(
        "merge", "Hostile", [upload(config, hostile_pdf(tmp_path / "Quiz.pdf"))], {}, "local"
    )
    burst()
    at = app()
    at.switch_page("ui/jobs.py").run()
    assert_clean(at)
    line = [c.value for c in at.caption if "were removed" in c.value]
    assert len(line) == 1 and "inside merged.pdf" in line[0] and line[0].startswith(":material/info: Scripts")
    open_details(at, record.id)
    assert sum("were removed" in c.value for c in at.caption) == 0  # under Details instead, once
    assert "were removed" in texts(at)
