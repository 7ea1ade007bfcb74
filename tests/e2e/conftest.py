"""The app as `make run` starts it, and a real Chromium to drive it.

One app (`python run.py`: its embedded Redis, two workers and the web app) serves a
whole test module and stops with Ctrl-C (SIGINT) after it, so it does not load the
machine while the rest of the suite runs; every test gets a fresh browser context.
A test that fails leaves a screenshot and the HTML of each page it had open, the
browser's console and the app's log under test-artifacts/e2e/<test name>/.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 30_000  # Streamlit's first load takes a few seconds on a small machine
STARTUP_TIMEOUT_S = 60
STOP_TIMEOUT_S = 60
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
LOG_TAIL_CHARS = 4000

REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def chromium_path() -> Path:
    """Debian's Chromium, or the browser named in CHROMIUM."""
    return Path(os.environ.get("CHROMIUM") or DEFAULT_CHROMIUM)


@dataclass(frozen=True)
class RunningApp:
    """The app under test: its address, its settings, where its log goes."""

    url: str
    env: dict[str, str]
    log: Path

    def jobs(self):
        """The job service of this app, found through its DATA_DIR as `make worker` finds it."""
        from services.control import Jobs
        from storage.config import load_config

        return Jobs(load_config(self.env))

    def log_tail(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.is_file() else ""
        return text[-LOG_TAIL_CHARS:]


# -- the browser ------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per module; skips where there is none or no playwright."""
    path = chromium_path()
    if not path.is_file():
        pytest.skip(f"no Chromium at {path} (apt-get install chromium, or set CHROMIUM to its path)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)"
    )
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# -- the app, started the way `make run` starts it ------------------------------------


def wait_healthy(app: RunningApp, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"run.py exited with {process.returncode}:\n{app.log_tail()}")
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the web app did not answer within {STARTUP_TIMEOUT_S} s:\n{app.log_tail()}")


@contextmanager
def running_app(
    folder: Path, workers: int = 2, settings: dict[str, str] | None = None
) -> Iterator[RunningApp]:
    """`python run.py` with its own DATA_DIR and port, its embedded Redis and its workers (and `settings`)."""
    from storage.redis_server import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATA_DIR=str(folder / "data"), PORT=str(port), WORKERS=str(workers), **(settings or {}))
    running = RunningApp(f"http://127.0.0.1:{port}", env, folder / "app.log")
    # The log goes to a file: a pipe nobody reads would fill up and stall the app.
    with open(running.log, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "run.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_healthy(running, process)
        yield running
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, f"run.py did not stop cleanly on Ctrl-C:\n{running.log_tail()}"


@pytest.fixture(scope="module")
def app(browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """One app for the whole module (its first request is the module's first test's)."""
    with running_app(tmp_path_factory.mktemp("e2e-app")) as running:
        yield running


# -- one fresh browser context per test, with artifacts on failure --------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def failed(item: pytest.Item) -> bool:
    return any(report.failed for report in item.stash.get(REPORTS, {}).values())


def artifacts_dir(item: pytest.Item) -> Path:
    return ARTIFACTS / re.sub(r"[^\w.-]+", "_", item.name)


def save_artifacts(item: pytest.Item, context, app: RunningApp, console: list[str]) -> Path:
    """A screenshot and the HTML of every open page, the browser's console, and the app's log."""
    folder = artifacts_dir(item)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "console.log").write_text("".join(f"{line}\n" for line in console))
    for number, page in enumerate(context.pages, start=1):
        try:
            page.screenshot(path=str(folder / f"page-{number}.png"), full_page=True)
            (folder / f"page-{number}.html").write_text(page.content())
            (folder / f"page-{number}.url").write_text(page.url + "\n")
        except Exception as exc:  # a crashed page must not hide the test's own failure
            (folder / f"page-{number}.error").write_text(f"{type(exc).__name__}: {exc}\n")
    if app.log.is_file():
        shutil.copyfile(app.log, folder / "app.log")
    return folder


@pytest.fixture
def context(browser, app: RunningApp, request: pytest.FixtureRequest):
    context = browser.new_context(
        base_url=app.url, accept_downloads=True, viewport={"width": 1280, "height": 1000}
    )
    context.set_default_timeout(TIMEOUT_MS)
    console: list[str] = []
    context.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    context.on("weberror", lambda error: console.append(f"uncaught: {error.error}"))
    shutil.rmtree(artifacts_dir(request.node), ignore_errors=True)  # only the last run's evidence
    try:
        yield context
    finally:
        try:
            if failed(request.node):
                folder = save_artifacts(request.node, context, app, console)
                print(f"e2e artifacts saved in {folder}")
        finally:
            context.close()


@pytest.fixture
def page(context):
    return context.new_page()
