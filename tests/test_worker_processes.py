"""Real worker processes (`python -m worker`): progress seen live, a SIGKILLed worker, SIGTERM."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from storage.jobs import Status
from tests.apptest import app_test
from tests.conftest import ROOT
from tests.make_files import make_pdf, pdf_bytes
from tests.test_merge_chain import upload

pytestmark = pytest.mark.slow

LOST_BOUND_S = 60


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory):
    return make_pdf(tmp_path_factory.mktemp("long") / "long.pdf", 2400, "Long")


@pytest.fixture
def start_worker(app_env):
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "worker"],
            cwd=ROOT,
            env=dict(os.environ),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            kill_hard(process)


def children_of(pid: int) -> list[int]:
    """The worker's work-horses: its children that are forks of it (same command line).

    The worker also starts short-lived programs of its own (it asks `soffice` for its version to
    report LibreOffice), which must not be taken for a horse: one ended before it could be killed.
    """
    try:
        own = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    found = []
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            try:
                fields = Path(f"/proc/{stat}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid and Path(f"/proc/{stat}/cmdline").read_bytes() == own:
                    found.append(int(stat))
            except OSError:
                continue
    return found


def kill_a_horse(pid: int) -> bool:
    """SIGKILL the work-horse `pid` is running now; False while it has none (or it just ended)."""
    for horse in children_of(pid):
        try:
            os.kill(horse, signal.SIGKILL)
            return True
        except ProcessLookupError:  # ended between the look and the kill
            continue
    return False


def kill_hard(process: subprocess.Popen) -> None:
    """SIGKILL a worker and its work-horse (RQ puts the horse in a process group of its own)."""
    horses = children_of(process.pid)
    os.killpg(process.pid, signal.SIGKILL)
    for pid in horses:
        os.kill(pid, signal.SIGKILL)
    process.wait()


def wait_for(predicate, timeout: float, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s: {predicate()!r}")


def test_progress_moves_during_a_long_merge(jobs, config, start_worker, long_pdf):
    item = upload(config, long_pdf)
    record = jobs.submit("merge", "long", [item, item], {}, "t1")
    start_worker()
    seen: list[int] = []

    def finished():
        current = jobs.get(record.id, None)
        if current.status == Status.RUNNING:
            seen.append(current.progress)
        return current.status in (Status.FINISHED, Status.FAILED)

    wait_for(finished, timeout=120, every=0.02)
    final = jobs.get(record.id, None)
    assert final.status == Status.FINISHED, final.error
    assert final.progress == 100
    in_between = sorted({p for p in seen if 0 < p < 100})
    assert len(in_between) >= 2, seen
    assert seen == sorted(seen), "progress never goes backwards"
    assert len(PdfReader(jobs.output_path(record.id, final.outputs[0], None)).pages) == 4800


def test_sigkilled_worker_job_fails_within_bound_and_retry_completes(jobs, config, start_worker, long_pdf):
    item = upload(config, long_pdf)
    record = jobs.submit("merge", "long", [item, item], {}, "t1")
    victim = start_worker()
    wait_for(
        lambda: (r := jobs.get(record.id, None)).steps[1].status == Status.RUNNING and r.progress > 20, 120
    )

    kill_hard(victim)  # the worker and its work-horse, as a crash or a machine going away would
    killed_at = time.monotonic()
    start_worker()  # another worker, whose sweep notices the loss

    def failed():
        current = jobs.get(record.id, None)
        return current if current.status == Status.FAILED else None

    lost = wait_for(failed, timeout=LOST_BOUND_S)
    took = time.monotonic() - killed_at
    assert took < LOST_BOUND_S
    assert lost.error.key == "worker_stopped"
    assert "stopped unexpectedly" in lost.error.message
    assert [s.status for s in lost.steps] == [Status.FINISHED, Status.FAILED, Status.CANCELED]
    assert lost.outputs == []
    outputs = config.data_dir / "jobs" / record.id / "outputs"
    assert [p.name for p in outputs.rglob("*") if p.is_file() and not p.name.startswith(".part-")] == []

    jobs.retry(record.id, "t1")
    done = wait_for(lambda: (r := jobs.get(record.id, None)).status == Status.FINISHED and r, 120)
    assert done.steps[0].started_at == lost.steps[0].started_at, "the check step was not run again"
    assert len(PdfReader(jobs.output_path(record.id, done.outputs[0], None)).pages) == 4800


def test_sigterm_lets_the_running_step_finish(jobs, config, start_worker, long_pdf):
    item = upload(config, long_pdf)
    record = jobs.submit("merge", "long", [item, item], {}, "t1")
    worker = start_worker()
    wait_for(lambda: jobs.get(record.id, None).steps[1].status == Status.RUNNING, 120)
    os.kill(worker.pid, signal.SIGTERM)  # a deploy or `docker compose stop`
    assert worker.wait(timeout=120) == 0
    between = jobs.get(record.id, None)
    assert between.steps[1].status == Status.FINISHED, between.error
    assert between.status == Status.RUNNING  # the next step waits for a worker: nothing lost
    start_worker()  # the new release's worker picks it up
    done = wait_for(lambda: (r := jobs.get(record.id, None)).status == Status.FINISHED and r, 120)
    assert len(PdfReader(jobs.output_path(record.id, done.outputs[0], None)).pages) == 4800


def test_cancel_stops_a_running_step(jobs, config, start_worker, long_pdf):
    item = upload(config, long_pdf)
    record = jobs.submit("merge", "long", [item, item], {}, "t1")
    start_worker()
    wait_for(lambda: jobs.get(record.id, None).steps[1].status == Status.RUNNING, 120)
    jobs.cancel(record.id, "t1")
    canceled = jobs.get(record.id, None)
    assert canceled.status == Status.CANCELED
    time.sleep(3)  # long enough for the merge to have finished had it not been stopped
    after = jobs.get(record.id, None)
    assert after.status == Status.CANCELED
    assert after.outputs == []
    assert not list((config.data_dir / "jobs" / record.id).glob("outputs/*.pdf"))


def test_step_over_its_time_limit_fails_naming_the_limit(jobs, config, start_worker, long_pdf, monkeypatch):
    monkeypatch.setenv("STEP_TIMEOUT", "1")
    from services.control import Jobs

    short = Jobs()
    item = upload(config, long_pdf)
    record = short.submit("merge", "long", [item, item], {}, "t1")
    start_worker()
    failed = wait_for(lambda: (r := jobs.get(record.id, None)).status == Status.FAILED and r, 60)
    assert failed.error.key == "timed_out", failed.error.details
    assert "longer than the limit of 1 second" in failed.error.message
    assert Status.FAILED in [s.status for s in failed.steps]


def test_sidebar_counts_only_live_workers_after_a_restart(app_env, config, start_worker):
    from rq import Queue, Worker

    from storage.redis_conn import check_health, get_redis

    queue = Queue(config.queue_name, connection=get_redis(config))
    victim = start_worker()
    start_worker()
    wait_for(lambda: check_health(config).workers == 2, 60)

    kill_hard(victim)  # its RQ registration lingers in Redis until its key expires
    start_worker()  # as the launcher does when a worker dies
    registered = wait_for(lambda: (n := Worker.count(queue=queue)) == 3 and n, 60)
    assert registered == 3
    wait_for(lambda: check_health(config).workers == 2, 60)
    assert Worker.count(queue=queue) == 3, "the dead worker is still registered, yet not counted"

    at = app_test(30).run()
    assert not at.exception
    assert "2 workers" in at.sidebar.markdown[0].value


def test_a_job_whose_worker_vanished_says_it_has_not_moved(app_env, start_worker, long_pdf, monkeypatch):
    from services.control import Jobs
    from storage.config import load_config

    # Long enough that the page sees the late heartbeat before the sweep fails the job.
    monkeypatch.setenv("WORKER_LOST_AFTER", "15")
    config = load_config()
    jobs = Jobs(config)
    item = upload(config, long_pdf)
    record = jobs.submit("merge", "Fractions long", [item, item], {}, "local")
    victim = start_worker()
    running = wait_for(
        lambda: (r := jobs.get(record.id, None)).steps[1].status == Status.RUNNING and r.progress > 20 and r,
        120,
    )
    assert running.silent_for == 0, "a job whose worker is alive is not late"

    kill_hard(victim)
    late = wait_for(lambda: (r := jobs.get(record.id, None)).silent_for > 0 and r, 60)
    assert late.status == Status.RUNNING  # not failed yet: the sweep waits WORKER_LOST_AFTER

    at = app_test(30).run()
    at.switch_page("ui/jobs.py").run()
    assert not at.exception
    [warning] = [w.value for w in at.warning if "has not moved" in w.value]
    assert f"{late.progress} %" in warning


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """About 60 MB of marks: 300,000 rows of 20 columns."""
    path = tmp_path_factory.mktemp("big") / "marks.csv"
    header = "Form," + ",".join(f"Mark {n}" for n in range(19)) + "\n"
    rows = "".join(
        f"{7 + n % 5}{'ABC'[n % 3]}," + ",".join(str((n * 7 + c) % 100) for c in range(19)) + "\n"
        for n in range(300_000)
    )
    path.write_text(header + rows)
    return path


def test_a_step_over_its_memory_limit_fails_in_words_and_the_worker_lives_on(
    jobs, config, start_worker, big_csv, monkeypatch
):
    monkeypatch.setenv("STEP_MEMORY_MB", "150")
    from services.control import Jobs

    bounded = Jobs()
    record = bounded.submit(
        "spreadsheets", "split", [upload(config, big_csv)], {"task": "split", "split_column": "Form"}, "t1"
    )
    worker = start_worker()
    failed = wait_for(lambda: (r := jobs.get(record.id, None)).status == Status.FAILED and r, 90)
    assert failed.error.key == "out_of_memory", failed.error.details
    assert "more memory than one job may use" in failed.error.message
    assert "STEP_MEMORY_MB" in failed.error.hint
    # The worker itself was not killed: it takes the next job.
    assert worker.poll() is None
    small = bounded.submit(
        "merge", "small", [upload(config, make_pdf(config.data_dir / "s.pdf", 2))], {}, "t1"
    )
    assert wait_for(lambda: jobs.get(small.id, None).status == Status.FINISHED, 60)


def test_a_look_over_its_time_limit_answers_in_words(config, start_worker, big_csv, monkeypatch):
    monkeypatch.setenv("LOOK_TIMEOUT", "1")
    from services.looks import Looks
    from storage.config import load_config
    from storage.files import FileStore

    looks = Looks(load_config())
    with big_csv.open("rb") as stream:
        stored = FileStore(config).save_upload(stream, "marks.csv")
    slow = {"column": "Form", "sheet": None, "header_row": None}  # a 60 MB list takes seconds to count
    assert looks.ask("groups", [stored], slow) is None
    start_worker()
    answer = wait_for(lambda: looks.ask("groups", [stored], slow), 60)
    assert not answer.ok and answer.key == "timed_out"
    assert "took longer than 1 second, so it was stopped" in answer.problem


def test_a_look_whose_work_horse_is_killed_answers_in_words_and_the_worker_lives_on(
    config, start_worker, big_csv
):
    """As the kernel's OOM killer would: SIGKILL to the work-horse of a running look."""
    from services.looks import Looks
    from storage.config import load_config
    from storage.files import FileStore

    looks = Looks(load_config())
    with big_csv.open("rb") as stream:
        stored = FileStore(config).save_upload(stream, "marks.csv")
    slow = {"column": "Form", "sheet": None, "header_row": None}  # a 60 MB list takes seconds
    assert looks.ask("groups", [stored], slow) is None
    worker = start_worker()
    wait_for(lambda: kill_a_horse(worker.pid), 60)
    answer = wait_for(lambda: looks.ask("groups", [stored], slow), 60)
    assert not answer.ok and answer.key == "out_of_memory"
    assert "more memory than one job may use" in answer.problem
    assert "work-horse ended" in answer.details
    assert worker.poll() is None  # and it answers the next look
    small = FileStore(config).save_upload(io.BytesIO(pdf_bytes(3)), "Quiz.pdf")
    assert wait_for(lambda: looks.ask("describe", [small], {"name": "Quiz.pdf"}), 60).data["pages"] == 3


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_a_frozen_worker_that_wakes_after_the_retry_changes_nothing(
    jobs, config, start_worker, long_pdf, monkeypatch
):
    """SIGSTOP a worker mid-step (a paused VM), let the sweep fail the job, retry it to the end on
    another worker, then SIGCONT the first: every write of its stale attempt is refused."""
    from storage.files import FileStore
    from storage.jobs import JobStore
    from storage.redis_conn import get_redis

    store = JobStore(get_redis(config), FileStore(config))
    item = upload(config, long_pdf)
    record = jobs.submit("merge", "long", [item, item], {"numbers": True}, "t1")
    # A paused worker on this host is given its step's whole time (STEP_TIMEOUT) before it counts
    # as lost; a short one here, for the workers' sweep, so that the freeze outlasts it.
    monkeypatch.setenv("STEP_TIMEOUT", "12")
    frozen = start_worker()
    # Frozen in the last step, the one that writes the result file.
    wait_for(lambda: jobs.get(record.id, None).steps[-1].status == Status.RUNNING, 120, every=0.01)
    horses = children_of(frozen.pid)
    assert horses, "the step runs in a work-horse"
    for pid in [frozen.pid, *horses]:
        os.kill(pid, signal.SIGSTOP)
    try:
        start_worker()  # its sweep finds the frozen step's heartbeat gone
        lost = wait_for(lambda: (r := jobs.get(record.id, None)).status == Status.FAILED and r, LOST_BOUND_S)
        assert lost.error.key == "worker_stopped"
        jobs.retry(record.id, "t1")
        done = wait_for(lambda: (r := jobs.get(record.id, None)).status == Status.FINISHED and r, 180)
        job_folder = config.data_dir / "jobs" / record.id
        on_disk = files_under(job_folder / "outputs")
        assert on_disk == {f"attempt-2/{o.name}" for o in done.outputs}
    finally:
        for pid in [*horses, frozen.pid]:
            os.kill(pid, signal.SIGCONT)
    # The first attempt carries on to the end of its step, then finds it may not record it.
    wait_for(lambda: store.refused().get("result", 0) == 1, 180)
    wait_for(lambda: not children_of(frozen.pid), 30)
    after = jobs.get(record.id, None)
    assert after.to_json() == done.to_json()  # the record, its steps and outputs: the retry's
    assert files_under(job_folder / "outputs") == on_disk  # the stale attempt's file was discarded
    assert len(PdfReader(jobs.output_path(record.id, after.outputs[0], None)).pages) == 4800
    # Whether the woken attempt also tried a progress line or a heartbeat before its step ended
    # depends on timing; those refusals are asserted in tests/test_records.py.
    assert frozen.poll() is None  # and the woken worker is well: it takes the next job
    small = jobs.submit("merge", "small", [upload(config, make_pdf(config.data_dir / "s.pdf", 2))], {}, "t1")
    assert wait_for(lambda: jobs.get(small.id, None).status == Status.FINISHED, 60)


@pytest.mark.skipif(
    __import__("shutil").which("soffice") is None, reason="LibreOffice is not installed (make office)"
)
def test_a_worker_converts_word_files_in_its_own_profile_and_says_it_can(
    jobs, config, start_worker, tmp_path
):
    """A real worker process: the sidebar learns it has LibreOffice; a Word file becomes a PDF in a
    work-horse, in that worker's own profile folder, which goes when the worker stops."""
    from storage.redis_conn import check_health
    from tests.make_files import docx_file
    from worker.converting import profiles_root

    worker = start_worker()
    wait_for(lambda: check_health(config).office_workers == 1, 60)
    record = jobs.submit("handouts", "w", [upload(config, docx_file(tmp_path / "w.docx", 2))], {}, "t1")
    done = wait_for(lambda: (r := jobs.get(record.id, None)).status == Status.FINISHED and r, 120)
    assert len(PdfReader(jobs.output_path(done.id, done.outputs[0], None)).pages) == 1  # 2 pages 4-up
    profile = next(profiles_root().glob(f"*-{worker.pid}"))
    assert (profile / "user" / "registrymodifications.xcu").is_file()
    worker.send_signal(signal.SIGTERM)
    worker.wait(30)
    assert not profile.exists()


def test_a_worker_paused_past_its_heartbeat_is_not_lost_and_finishes_its_step(
    jobs, config, start_worker, long_pdf
):
    """A paused VM, a container paused for a backup, a laptop that slept: the worker's heartbeat stops
    for longer than WORKER_LOST_AFTER (3 s here), yet its process is alive on this host, so the sweep
    waits, and the step's own result is recorded once it runs again (#22.16)."""
    from storage.files import FileStore
    from storage.jobs import JobStore
    from storage.redis_conn import get_redis

    store = JobStore(get_redis(config), FileStore(config))
    item = upload(config, long_pdf)
    record = jobs.submit("merge", "long", [item, item], {"numbers": True}, "t1")
    paused = start_worker()
    wait_for(lambda: jobs.get(record.id, None).steps[-1].status == Status.RUNNING, 120, every=0.01)
    horses = children_of(paused.pid)
    for pid in [paused.pid, *horses]:
        os.kill(pid, signal.SIGSTOP)
    try:
        start_worker()  # its sweep runs every second and sees the heartbeat gone
        time.sleep(5 * config.worker_lost_after)
        assert jobs.get(record.id, None).status == Status.RUNNING
        assert not store.has_heartbeat(record.id)  # silent all along: only the process check held
    finally:
        for pid in [*horses, paused.pid]:
            os.kill(pid, signal.SIGCONT)
    done = wait_for(lambda: (r := jobs.get(record.id, None)).status == Status.FINISHED and r, 180)
    assert done.attempt == 1 and store.refused() == {}
    assert len(PdfReader(jobs.output_path(done.id, done.outputs[0], None)).pages) == 4800
