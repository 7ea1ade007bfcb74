"""No file can take the web app down: bombs and a 199 MB upload through the real page, the web
process's peak memory read from /proc and held to its container's limit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from playwright.sync_api import expect

from tests.e2e import ui
from tests.make_files import big_page_pdf, image_bomb_pdf, stream_bomb_pdf
from tests.test_deploy import memory_limit, service

LOOK_TIMEOUT_MS = 180_000


def web_pid(port: str) -> int:
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in args and b"--server.port" in args and port.encode() in args:
            return int(proc.name)
    raise AssertionError(f"no web process on port {port}")


def peak_mb(pid: int) -> float:
    """The most memory the process has held since it started (VmHWM), in MiB."""
    status = (Path("/proc") / str(pid) / "status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return [
        stream_bomb_pdf(folder / "Stream bomb.pdf"),  # 600 MB of drawing once unpacked
        image_bomb_pdf(folder / "Image bomb.pdf"),  # a 40,000 × 40,000 picture
        big_page_pdf(folder / "Poster 199 MB.pdf", 199_000_000),
    ]


def test_bombs_and_a_199_mb_file_leave_the_web_process_under_its_limit(page, app, hostile):
    limit_mb = memory_limit(service("web")) / 1024**2
    pid = web_pid(app.url.rsplit(":", 1)[1])
    for file in hostile:
        ui.open_home(page)
        ui.follow(page, "Make handouts")
        main = ui.main(page)
        ui.upload(page, [file])
        expect(main.get_by_text(file.name).first).to_be_visible()
        # Each gets its answer from the workers: the counts, and a picture or a plain message. (A
        # 199 MB upload on a busy machine may still be arriving when the waiting lines are first
        # looked for, so the answer itself is waited for as long as a look may take.)
        for waiting in ("Looking inside", "Counting the pages", "Drawing the first sheet"):
            expect(main.get_by_text(waiting)).to_have_count(0, timeout=LOOK_TIMEOUT_MS)
        expect(
            main.get_by_test_id("stImage").or_(main.get_by_test_id("stAlertContentError")).first
        ).to_be_visible(timeout=LOOK_TIMEOUT_MS)
        assert web_pid(app.url.rsplit(":", 1)[1]) == pid, "the web process was restarted"
        print(f"{file.name}: web peak {peak_mb(pid):.0f} MiB")
    assert peak_mb(pid) < limit_mb, f"the web process peaked at {peak_mb(pid):.0f} MiB (limit {limit_mb:.0f})"


def test_two_teachers_uploading_a_199_mb_file_at_once_stay_under_the_limit(page, app, hostile):
    """Streamlit keeps each upload in memory twice while it arrives: the limit is sized for two at once."""
    limit_mb = memory_limit(service("web")) / 1024**2
    pid = web_pid(app.url.rsplit(":", 1)[1])
    other = page.context.new_page()  # another tab: a session of its own
    try:
        teachers = (page, other)
        for each in teachers:
            ui.open_home(each)
            ui.follow(each, "Make handouts")
        for each in teachers:
            ui.upload(each, [hostile[2]])
        for each in teachers:
            main = ui.main(each)
            expect(
                main.get_by_test_id("stImage").or_(main.get_by_test_id("stAlertContentError")).first
            ).to_be_visible(timeout=LOOK_TIMEOUT_MS)
    finally:
        other.close()
    assert web_pid(app.url.rsplit(":", 1)[1]) == pid, "the web process was restarted"
    print(f"two at once: web peak {peak_mb(pid):.0f} MiB")
    assert peak_mb(pid) < limit_mb, f"the web process peaked at {peak_mb(pid):.0f} MiB (limit {limit_mb:.0f})"
