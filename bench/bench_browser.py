"""The pages in a real browser: Debian's Chromium driving a fresh `python run.py` on this machine.

Run: .venv/bin/python -m bench.bench_browser [--quick]   (or `make bench`, which runs every section)

Each figure is the median of 5 (server warm: every page opened once first), from the click or
the upload to what the teacher waits for appearing on screen: so the browser's share counts,
not only the server's. Five teachers uploading at once are five browser pages on the same
machine, which share its two cores with the server; so they are measured twice: as they are,
and from a second browser put behind everything else (the lowest CPU priority, its session's
too), which leaves the server the machine as teachers at their own computers would. Beside
each wait, the server's share: from the first message the page sends after the upload (the
rerun it asks for) to the first message back with the counts, both timed by the browser's
network stack (Chrome DevTools), so neither browser's drawing nor its upload counts.
"While both workers run long jobs" repeats two rows with two long jobs running. Nothing
here asserts on time.
"""

from __future__ import annotations

import base64
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._measure import MANUAL, Row, corpus_pdf, make_text_pdf, print_section, say, script_main

SECTION = "browser"
RUNS = 5
QUICK_RUNS = 2
TIMEOUT_MS = 180_000


def _heading(page: Any, title: str) -> Any:
    return page.get_by_test_id("stMain").get_by_role("heading", name=title, exact=True)


def timed(action: Any, wait: Any) -> float:
    start = time.perf_counter()
    action()
    wait()
    return time.perf_counter() - start


def sidebar_click(page: Any, link: str, heading: str) -> float:
    nav = page.get_by_test_id("stSidebarNav")
    return timed(
        lambda: nav.get_by_role("link", name=link).click(), lambda: _heading(page, heading).wait_for()
    )


def open_tool(page: Any, base: str, url: str, heading: str) -> None:
    page.goto(f"{base}/{url}")
    _heading(page, heading).wait_for()


def upload_to_counts_and_preview(page: Any, base: str, file: Path) -> tuple[float, float]:
    """Seconds from choosing the file to the counts, and to the picture of the first sheet."""
    open_tool(page, base, "handouts", "Handouts")
    main = page.get_by_test_id("stMain")
    start = time.perf_counter()
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(file))
    main.get_by_test_id("stMetric").filter(has_text="Pages in").first.wait_for(timeout=TIMEOUT_MS)
    counts = time.perf_counter() - start
    main.get_by_test_id("stImage").locator("img").wait_for(timeout=TIMEOUT_MS)
    return counts, time.perf_counter() - start


def web_rss_mb(app: Any) -> float:
    """The web process's resident memory now, in MiB."""
    import re

    from tests.e2e.test_web_memory import web_pid

    status = (Path("/proc") / str(web_pid(app.url.rsplit(":", 1)[1])) / "status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def organizer(page: Any, app: Any, manual: Path) -> list[Row]:
    """The page organizer on a 566-page file never seen before: the first picture and the first
    screen after "See every page", a pick and a turn, and the web process's memory meanwhile."""
    open_tool(page, app.url, "merge", "Merge & arrange")
    main = page.get_by_test_id("stMain")
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(manual))
    main.get_by_text("566 pages").first.wait_for(timeout=TIMEOUT_MS)
    before = web_rss_mb(app)
    start = time.perf_counter()
    main.get_by_text("See every page").click()
    page.locator(".tp-tile img").first.wait_for(timeout=TIMEOUT_MS)
    first = time.perf_counter() - start
    page.locator('.tp-tile[data-pos="47"] img').wait_for(timeout=TIMEOUT_MS)
    screen = time.perf_counter() - start
    start = time.perf_counter()
    page.locator('.tp-tile[data-pos="10"]').click()
    main.get_by_role("button", name="Turn right", exact=True).click()
    main.get_by_text("1-10, 11r, 12-566").wait_for(timeout=TIMEOUT_MS)
    turned = time.perf_counter() - start
    after = web_rss_mb(app)
    note = f"web process {before:.0f} → {after:.0f} MiB resident"
    return [
        Row(SECTION, "organizer: first picture", "566-page manual", "1 run", first, note=note),
        Row(SECTION, "organizer: first screen (48 pictures)", "566-page manual", "1 run", screen),
        Row(SECTION, "organizer: pick a page and turn it", "566-page manual", "1 run", turned),
    ]


def fresh(file: Path, n: int, folder: Path) -> Path:
    """A copy of `file` with other bytes (one more byte of trailing comment): a look not yet kept."""
    copy = folder / f"{file.stem}-{n}-{time.monotonic_ns()}.pdf"
    copy.write_bytes(file.read_bytes() + b"\n%" + str(time.monotonic_ns()).encode() + b"\n")
    return copy


def median_row(operation: str, label: str, seconds: list[float], note: str = "") -> Row:
    return Row(SECTION, operation, label, f"{len(seconds)} runs", statistics.median(seconds), note=note)


def main(quick: bool = False, inputs: object = None, floors: object = None) -> list[Row]:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path, running_app

    runs = QUICK_RUNS if quick else RUNS
    rows: list[Row] = []
    if not chromium_path().is_file():
        say("browser: no Chromium; skipped")
        return rows
    with tempfile.TemporaryDirectory(prefix="tp-bench-browser-") as tmp:
        folder = Path(tmp)
        worksheet = make_text_pdf(folder / "Worksheet.pdf", 4)
        teachers = [make_text_pdf(folder / f"Teacher {n}.pdf", 149, seed=n) for n in range(5)]
        (folder / "app").mkdir()
        with running_app(folder / "app") as app, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium_path()), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            from ui.tools import PAGES

            # The pages everyone sees (the Print room page is its staff's only).
            headings = {
                p.title: ("Teacher Printer" if not p.url else p.title) for p in PAGES if not p.audience
            }
            page.goto(app.url)
            _heading(page, "Teacher Printer").wait_for()
            for title, heading in headings.items():  # warm: each page once
                sidebar_click(page, title, heading)
            for title, heading in headings.items():
                order = [t for t in headings if t != title]
                times = []
                for n in range(runs):
                    sidebar_click(page, order[n % len(order)], headings[order[n % len(order)]])
                    times.append(sidebar_click(page, title, heading))
                rows.append(median_row("sidebar click → content", title, times))

            counts, previews = [], []
            for n in range(runs):
                c, p = upload_to_counts_and_preview(page, app.url, fresh(worksheet, n, folder))
                counts.append(c)
                previews.append(p)
            rows.append(median_row("upload → counts", "4-page worksheet", counts))
            rows.append(median_row("upload → counts and preview", "4-page worksheet", previews))

            manual = corpus_pdf(MANUAL)
            if manual is not None:
                counts, previews = [], []
                for n in range(max(1, runs - 2)):
                    c, p = upload_to_counts_and_preview(page, app.url, fresh(manual, n, folder))
                    counts.append(c)
                    previews.append(p)
                rows.append(median_row("upload → counts", "566-page manual", counts))
                rows.append(median_row("upload → preview", "566-page manual", previews))
                rows.extend(organizer(page, app, fresh(manual, 99, folder)))

            rows.extend(five_at_once(browser, app, teachers, folder))
            rows.append(jobs_page(page, app, runs, quick))
            rows.extend(while_busy(page, app, worksheet, folder, runs))
            browser.close()
            # Last: putting a browser behind everything else also lowers the session it shares
            # with this script, which would slow every row measured after it.
            behind = playwright.chromium.launch(executable_path=str(chromium_path()), args=CHROMIUM_ARGS)
            rows.extend(five_at_once(behind, app, teachers, folder, behind=True))
            behind.close()
    print_section(
        "The pages in a real browser (Chromium, fresh run.py, server warm)",
        rows,
        "median s: from the click or the file chosen to what the teacher waits for, on screen.",
    )
    return rows


class Wire:
    """What one page's browser sent and received, timed by its network stack (Chrome DevTools)."""

    def __init__(self, page: Any) -> None:
        self.sent: list[float] = []
        self.received: list[tuple[float, bytes]] = []
        self.uploads: list[float] = []
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.webSocketFrameSent", lambda e: self.sent.append(e["timestamp"]))
        cdp.on(
            "Network.webSocketFrameReceived",
            lambda e: self.received.append((e["timestamp"], base64.b64decode(e["response"]["payloadData"]))),
        )
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: self.uploads.append(e["timestamp"]) if e["request"]["method"] == "PUT" else None,
        )
        cdp.send("Network.enable")

    def server_share(self, text: bytes = b"Pages in") -> float | None:
        """From the page's first message after the upload (the rerun it asks for) to the first
        message back that holds `text`: the server's handling, polls included, without the
        browser's own work before and after."""
        if not self.uploads:
            return None
        answered = next((t for t, data in self.received if t > self.uploads[-1] and text in data), None)
        asked = next((t for t in self.sent if t > self.uploads[-1]), None)
        return None if answered is None or asked is None else answered - asked


def _upload_and_wait(pages: list[Any], files: list[Path], folder: Path) -> list[float]:
    """Choose a file on each page at once; each page's wait for its counts."""
    # Playwright's sync API is one thread per playwright: the pages are driven in turn from
    # one thread, their uploads started together, then each one's counts awaited.
    start = time.perf_counter()
    for page, file in zip(pages, files, strict=True):
        page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(
            str(fresh(file, 5, folder))
        )
    waits = []
    for page in pages:
        page.get_by_test_id("stMain").get_by_test_id("stMetric").filter(has_text="Pages in").first.wait_for(
            timeout=TIMEOUT_MS
        )
        waits.append(time.perf_counter() - start)
    return waits


def _teachers(
    browser: Any, app: Any, files: list[Path], folder: Path
) -> tuple[float, list[float], list[float]]:
    """One teacher alone, then five at once: the waits on screen, and the server's share of each."""
    alone = browser.new_page()
    open_tool(alone, app.url, "handouts", "Handouts")
    wire = Wire(alone)
    (one,) = _upload_and_wait([alone], files[:1], folder)
    shares = [wire.server_share()]
    alone.close()
    pages = [browser.new_page() for _ in files]
    for page in pages:
        open_tool(page, app.url, "handouts", "Handouts")
    wires = [Wire(page) for page in pages]
    waits = _upload_and_wait(pages, files, folder)
    for page in pages:
        page.close()
    return one, waits, shares + [w.server_share() for w in wires]


def _lowest_priority(pids: set[int]) -> None:
    """Put these processes (a browser's) behind everything else on the machine, their session too."""
    for pid in pids:
        try:
            os.setpriority(os.PRIO_PROCESS, pid, 19)
            Path(f"/proc/{pid}/autogroup").write_text("19")
        except OSError:
            continue  # gone already, or no autogroups on this kernel


def _browser_pids() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (
                    b"chrom" in (entry / "cmdline").read_bytes().split(b"\0", 1)[0]
                ):  # the program, not its arguments
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def five_at_once(browser: Any, app: Any, files: list[Path], folder: Path, behind: bool = False) -> list[Row]:
    """Five browsers upload a different 149-page PDF at the same moment: each one's wait.

    The five browsers share this machine's two cores with the server, which teachers at their
    own computers do not: so with `behind`, `browser` is first put behind everything else on
    the machine, which leaves the server the machine as it would have it. In both, the
    server's share as each browser's network stack timed it.
    """
    label = ", browsers at the lowest priority" if behind else ""
    if behind:
        warm = browser.new_page()
        open_tool(warm, app.url, "handouts", "Handouts")
        _lowest_priority(_browser_pids())
        warm.close()
    one, waits, shares = _teachers(browser, app, files, folder)
    five = [s for s in shares[1:] if s is not None]
    return [
        Row(SECTION, f"upload → counts, one teacher alone{label}", "149 pages", "1 run", one),
        Row(
            SECTION,
            f"upload → counts, five at once{label} (slowest)",
            "149 pages",
            "5 browsers",
            max(waits),
            note=f"fastest {min(waits):.2f} s",
        ),
        Row(SECTION, f"server's share, one teacher alone{label}", "149 pages", "1 run", shares[0]),
        Row(
            SECTION,
            f"server's share, five at once{label} (slowest)",
            "149 pages",
            "5 browsers",
            max(five) if five else None,
            note="from the rerun the upload asks for to the counts sent back",
        ),
    ]


def jobs_page(page: Any, app: Any, runs: int, quick: bool) -> Row:
    """The Jobs page with 20 finished jobs on screen and 5,000 in the store: to the last download button."""
    from bench.bench_jobs_page import fill

    fill(app.jobs().store, 500 if quick else 5000, finished=True)
    times = []
    main = page.get_by_test_id("stMain")
    for _ in range(runs):
        page.goto(f"{app.url}/")
        _heading(page, "Teacher Printer").wait_for()
        times.append(
            timed(
                lambda: page.get_by_test_id("stSidebarNav").get_by_role("link", name="Jobs").click(),
                lambda: main.get_by_role("button", name="Download").nth(19).wait_for(),
            )
        )
    return median_row("sidebar click → 20th download button", f"{500 if quick else 5000:,} jobs", times)


def while_busy(page: Any, app: Any, worksheet: Path, folder: Path, runs: int) -> list[Row]:
    """Two rows again, while both job workers run long jobs (two large merges with compression)."""
    from storage.files import FileStore

    jobs = app.jobs()
    store = FileStore(jobs.config)
    big = make_text_pdf(folder / "Long.pdf", 1500)
    long_job = {"compress": True, "numbers": True}  # each page rewritten, stamped and packed again
    for n in range(2):
        stored = store.save_upload(big.open("rb"), f"Long {n}.pdf")
        item = {"ref": stored.ref, "name": stored.name}
        jobs.submit("merge", f"Long {n}", [item] * 3, long_job, "local")  # 4,500 pages, under the limit
    time.sleep(3)  # both workers busy
    clicks, uploads = [], []
    for n in range(runs):
        sidebar_click(page, "Home", "Teacher Printer")
        clicks.append(sidebar_click(page, "Handouts", "Handouts"))
        uploads.append(upload_to_counts_and_preview(page, app.url, fresh(worksheet, 50 + n, folder))[1])
    busy = sum(1 for r in jobs.list(None).records if r.status.active)
    note = f"{busy} long jobs still running at the end"
    return [
        median_row("sidebar click → content, workers busy", "Handouts", clicks, note),
        median_row("upload → counts and preview, workers busy", "4-page worksheet", uploads, note),
    ]


if __name__ == "__main__":
    script_main(main, __doc__)
