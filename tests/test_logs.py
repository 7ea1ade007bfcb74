"""What a real worker writes to its log: a line per failure a teacher caused, a traceback only for a fault."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from storage.config import SettingError, load_config
from storage.jobs import Status
from storage.logs import setup_logging
from tests.conftest import ROOT
from tests.make_files import encrypt_pdf, make_pdf
from tests.test_merge_chain import upload, upload_bytes

CLASS_LIST = "First name,Surname,Class\nZoë,Ångström,9A\nPiet,Jansen,9B\nAmal,Haddad,9A\n"


def worker_log(**env: str) -> str:
    """Run `python -m worker --burst` until the queue is empty; everything it logged."""
    done = subprocess.run(
        [sys.executable, "-m", "worker", "--burst", "--no-sweep"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


@pytest.mark.slow
def test_a_teachers_mistake_is_one_line_and_a_fault_keeps_its_traceback(app_env, config, jobs, tmp_path):
    locked = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 1), tmp_path / "Quiz.pdf", user_password="pw")
    mistake = jobs.submit("merge", "Merge — Quiz.pdf", [upload(config, locked)], {}, "t1")
    fault = jobs.submit("selftest", "System check", [], {}, "t1")
    # A broken data folder: a file where the job's working folder must go.
    (config.jobs_dir / fault.id / "work").write_text("not a folder")

    log = worker_log()

    assert jobs.get(mistake.id, None).error.key == "password_required"
    assert jobs.get(fault.id, None).error.key == "unexpected"
    about_mistake = [line for line in log.splitlines() if mistake.id in line and "failed" in line]
    assert len(about_mistake) == 1, log
    assert "password_required" in about_mistake[0]
    assert log.count("Traceback (most recent call last)") == 1, log
    assert "PasswordRequired" not in log and "Quiz.pdf" not in log  # no traceback, no file name
    failed = log.splitlines().index(
        next(line for line in log.splitlines() if fault.id in line and "failed: unexpected" in line)
    )
    assert "Traceback (most recent call last)" in log.splitlines()[failed + 1], log
    assert "NotADirectoryError" in log


@pytest.mark.slow
def test_a_class_set_logs_no_font_glyph_lists_unless_asked_for(app_env, config, jobs, tmp_path):
    def class_set() -> str:
        worksheet = upload(config, make_pdf(tmp_path / "Fractions.pdf", 2, "Question"))
        class_list = upload_bytes(config, "9.csv", CLASS_LIST.encode())
        inputs = [{**worksheet, "role": "worksheet"}, {**class_list, "role": "class_list"}]
        options = {"first_name_column": "First name", "surname_column": "Surname", "class_column": "Class"}
        return jobs.submit("class_sets", "Class set", inputs, options, "t1").id

    quiet = class_set()
    log = worker_log()
    assert jobs.get(quiet, None).status == Status.FINISHED
    assert "fontTools" not in log, log
    assert len(log.splitlines()) < 60, log

    loud = class_set()
    log = worker_log(LOG_LEVEL="DEBUG")
    assert jobs.get(loud, None).status == Status.FINISHED
    assert "fontTools" in log


@pytest.fixture
def logging_restored():
    """Put the test process's logging back as it was after a test that sets it up."""
    root = logging.getLogger()
    before = root.level, list(root.handlers), {n: logging.getLogger(n).level for n in ("worker", "rq")}
    yield
    root.setLevel(before[0])
    root.handlers[:] = before[1]
    for name, level in before[2].items():
        logging.getLogger(name).setLevel(level)


def test_the_web_app_sets_up_the_same_logging(app_env, monkeypatch, logging_restored):
    from tests.test_pages import app, assert_clean

    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert_clean(app())
    assert logging.getLogger("worker.tasks").isEnabledFor(logging.DEBUG)
    handlers = len(logging.getLogger().handlers)
    setup_logging("INFO")  # again, as on every rerun of app.py: no second handler
    assert len(logging.getLogger().handlers) == handlers
    assert logging.getLogger("worker.tasks").isEnabledFor(logging.INFO)
    assert not logging.getLogger("fontTools.subset").isEnabledFor(logging.INFO)


def test_log_level_must_be_a_level():
    assert load_config({"LOG_LEVEL": "debug"}).log_level == "DEBUG"
    with pytest.raises(SettingError, match="LOG_LEVEL"):
        load_config({"LOG_LEVEL": "loud"})
