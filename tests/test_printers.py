"""Printers over IPP (printers/): a real IPP Everywhere printer (CUPS's ippeveprinter) on a free port."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.errors import PrinterRefused, PrinterUnreachable
from printers.ipp import job_status, print_pdf, printer_attributes
from tests.make_files import make_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("ippeveprinter") is None or shutil.which("ipptool") is None,
    reason="CUPS's IPP tools are not installed (apt-get install cups-ipp-utils)",
)


def _running(command: list[str]) -> bool:
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


BUS_SOCKET_FOLDER = Path("/run/dbus")
BUS_SOCKET = str(BUS_SOCKET_FOLDER / "system_bus_socket")
BUS_PID_FILE = BUS_SOCKET_FOLDER / "pid"


def _start(command: list[str]) -> None:
    """Run a daemon's start command; when it fails, say what it printed."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
        )


def _bus_answers() -> bool:
    import socket

    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(BUS_SOCKET)
            return True
        except OSError:
            return False


@contextmanager
def dns_sd_running() -> Iterator[None]:
    """ippeveprinter will not start without DNS-SD: Avahi on the system D-Bus, started here if need be
    (and stopped after); NoDnsSd, saying why, where it cannot be."""
    if shutil.which("avahi-daemon") is None or shutil.which("dbus-daemon") is None:
        raise NoDnsSd("ippeveprinter needs Avahi (apt-get install avahi-daemon dbus)")
    if _running(["avahi-daemon", "--check"]):
        yield
        return
    if os.geteuid() != 0:
        raise NoDnsSd("Avahi is not running and only root can start it here")
    started_bus = False
    if not _bus_answers():
        # A machine image can carry the socket and pid file of a bus that ran when it was made;
        # dbus-daemon refuses to start while the pid file is there.
        Path(BUS_SOCKET).unlink(missing_ok=True)
        BUS_PID_FILE.unlink(missing_ok=True)
        BUS_SOCKET_FOLDER.mkdir(parents=True, exist_ok=True)
        _start(["dbus-uuidgen", "--ensure"])
        _start(["dbus-daemon", "--system", "--fork"])
        started_bus = True
    _start(["avahi-daemon", "-D", "--no-drop-root", "--no-chroot"])
    deadline = time.monotonic() + 10
    while not _running(["avahi-daemon", "--check"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        yield
    finally:
        subprocess.run(["avahi-daemon", "-k"], capture_output=True, check=False)
        if started_bus and BUS_PID_FILE.is_file():
            os.kill(int(BUS_PID_FILE.read_text().strip()), signal.SIGTERM)
            BUS_PID_FILE.unlink(missing_ok=True)


class NoDnsSd(RuntimeError):
    """DNS-SD cannot run here (what to install, or why not)."""


@pytest.fixture(scope="session")
def dns_sd() -> Iterator[None]:
    try:
        with dns_sd_running():
            yield
    except NoDnsSd as exc:
        pytest.skip(str(exc))


@dataclass
class RunningPrinter:
    uri: str
    spool: Path
    process: subprocess.Popen


def start_printer(
    folder: Path, name: str, formats: str = "application/pdf", duplex: bool = True
) -> RunningPrinter:
    from storage.redis_server import free_port

    port = free_port()
    spool = folder / "spool"
    spool.mkdir(parents=True)
    command = ["ippeveprinter", "-k", "-d", str(spool), "-f", formats, "-p", str(port), "-n", "localhost"]
    command += ["-2"] if duplex else []
    log = (folder / "printer.log").open("wb")
    process = subprocess.Popen([*command, name], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    printer = RunningPrinter(f"ipp://localhost:{port}/ipp/print", spool, process)
    deadline = time.monotonic() + 15
    while True:
        try:
            printer_attributes(printer.uri, timeout_s=2)
            return printer
        except PrinterUnreachable:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((folder / "printer.log").read_text()) from None
            time.sleep(0.2)


@pytest.fixture
def printer(dns_sd, tmp_path) -> Iterator[RunningPrinter]:
    started = start_printer(tmp_path / "printer", "Room 12 copier")
    yield started
    started.process.terminate()
    started.process.wait(10)


def test_a_printer_says_what_it_can_do(printer):
    can = printer_attributes(printer.uri)
    assert can.name == "Room 12 copier"
    assert can.state == "idle"
    assert set(can.sides) == {"one-sided", "two-sided-long-edge", "two-sided-short-edge"}
    assert can.takes_pdf and can.most_copies >= 99
    assert can.media_ready  # the paper it holds, e.g. na_letter_8.5x11in


def test_a_booklet_arrives_as_the_same_pdf_two_sided_short_edge_with_its_copies_and_name(printer, tmp_path):
    booklet = make_pdf(tmp_path / "Cells booklet.pdf", 8, "Cells")
    job_id = print_pdf(
        printer.uri,
        booklet,
        job_name="Cells booklet",
        user="ada@school.org",
        copies=3,
        sides="two-sided-short-edge",
    )
    deadline = time.monotonic() + 20
    while not (status := job_status(printer.uri, job_id, "ada@school.org")).ended:
        assert time.monotonic() < deadline, status
        time.sleep(0.3)
    assert (status.state, status.name, status.copies, status.sides) == (
        "done",
        "Cells booklet",
        3,
        "two-sided-short-edge",
    )
    [received] = list(printer.spool.iterdir())
    assert received.read_bytes() == booklet.read_bytes()  # sent as it is


def test_a_printer_that_takes_no_pdf_refuses_in_words(dns_sd, tmp_path):
    raster_only = start_printer(tmp_path / "old", "Old laser", formats="image/pwg-raster", duplex=False)
    try:
        assert not printer_attributes(raster_only.uri).takes_pdf
        with pytest.raises(PrinterRefused, match="The printer does not take PDF files"):
            print_pdf(raster_only.uri, make_pdf(tmp_path / "a.pdf", 1), job_name="a", user="ada@school.org")
    finally:
        raster_only.process.terminate()
        raster_only.process.wait(10)


def test_a_printer_that_is_not_there_is_said_within_its_time(tmp_path):
    from storage.redis_server import free_port

    with pytest.raises(PrinterUnreachable, match="The printer cannot be reached") as raised:
        printer_attributes(f"ipp://127.0.0.1:{free_port()}/ipp/print", timeout_s=2)
    assert "switched on" in raised.value.hint
