"""Talking to printers over IPP: what a printer can do, sending a PDF, how its job stands, cancelling.

The requests are CUPS's `ipptool` run with the small request files in `printers/requests/`
(the IPP test language), and its answers read as the XML property list it writes (`-X`).
Why ipptool: it is the IPP reference client from the CUPS project, packaged by Debian beside
the IPP Everywhere test printer; the Python IPP clients on PyPI are either async-only clients
of one integration or long unmaintained. A CUPS queue is an IPP printer too
(`ipp://cups-host:631/printers/<queue>`), so both go the same way.
"""

from __future__ import annotations

import plistlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import PrinterRefused, PrinterUnreachable

IPPTOOL = "ipptool"
REQUESTS = Path(__file__).parent / "requests"
DEFAULT_TIMEOUT_S = 10.0
# printer-state and job-state, in words (RFC 8011).
PRINTER_STATES = {3: "idle", 4: "printing", 5: "stopped"}
JOB_STATES = {
    3: "waiting",
    4: "held",
    5: "printing",
    6: "stopped",
    7: "canceled",
    8: "aborted",
    9: "done",
}
ENDED = {"canceled", "aborted", "done"}


def ipp_available() -> bool:
    """Whether this machine can talk IPP (CUPS's ipptool installed)."""
    return shutil.which(IPPTOOL) is not None


@dataclass(frozen=True)
class Capabilities:
    """What a printer says it can do, as the Print… form offers it."""

    name: str
    state: str
    reasons: tuple[str, ...]
    sides: tuple[str, ...]
    color_modes: tuple[str, ...]
    media_ready: tuple[str, ...]
    finishings: tuple[int, ...]
    formats: tuple[str, ...]
    most_copies: int

    @property
    def takes_pdf(self) -> bool:
        return "application/pdf" in self.formats


@dataclass(frozen=True)
class JobAtPrinter:
    """How a job stands at the printer: its state in words, and the printer's reasons."""

    job_id: int
    state: str
    reasons: tuple[str, ...]
    name: str = ""
    copies: int | None = None
    sides: str = ""

    @property
    def ended(self) -> bool:
        return self.state in ENDED


def printer_attributes(uri: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Capabilities:
    """Ask the printer what it can do (Get-Printer-Attributes)."""
    attrs = _ask(uri, "get-printer-attributes.test", {}, timeout_s)
    copies = attrs.get("copies-supported")
    return Capabilities(
        name=str(attrs.get("printer-name", "")),
        state=PRINTER_STATES.get(int(attrs.get("printer-state", 3)), "unknown"),
        reasons=_words(attrs.get("printer-state-reasons")),
        sides=_words(attrs.get("sides-supported")) or ("one-sided",),
        color_modes=_words(attrs.get("print-color-mode-supported")),
        media_ready=_words(attrs.get("media-ready")),
        finishings=tuple(int(f) for f in _many(attrs.get("finishings-supported"))),
        formats=_words(attrs.get("document-format-supported")),
        most_copies=int(copies.get("upper", 1)) if isinstance(copies, dict) else 1,
    )


def print_pdf(
    uri: str,
    pdf: Path,
    *,
    job_name: str,
    user: str,
    copies: int = 1,
    sides: str = "one-sided",
    color: str = "monochrome",
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> int:
    """Send `pdf` as it is (Print-Job) with the job's choices; the printer's job id."""
    variables = {
        "job_name": job_name,
        "user": user,
        "copies": str(copies),
        "sides": sides,
        "color": color,
    }
    attrs = _ask(uri, "print-job.test", variables, timeout_s, document=pdf)
    return int(attrs["job-id"])


def job_status(uri: str, job_id: int, user: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> JobAtPrinter:
    """How job `job_id` stands at the printer (Get-Job-Attributes)."""
    attrs = _ask(uri, "get-job-attributes.test", {"job_id": str(job_id), "user": user}, timeout_s)
    return JobAtPrinter(
        job_id=job_id,
        state=JOB_STATES.get(int(attrs.get("job-state", 3)), "unknown"),
        reasons=_words(attrs.get("job-state-reasons")),
        name=str(attrs.get("job-name", "")),
        copies=int(attrs["copies"]) if "copies" in attrs else None,
        sides=str(attrs.get("sides", "")),
    )


def cancel_job(uri: str, job_id: int, user: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
    """Cancel the job at the printer (Cancel-Job)."""
    _ask(uri, "cancel-job.test", {"job_id": str(job_id), "user": user}, timeout_s)


def _ask(
    uri: str, request: str, variables: dict[str, str], timeout_s: float, document: Path | None = None
) -> dict[str, Any]:
    """Run one request file with ipptool; the response's attributes, every group merged."""
    binary = shutil.which(IPPTOOL)
    if binary is None:
        raise PrinterUnreachable(
            "This server cannot send to printers yet.", "Ask your IT person to install CUPS's IPP tools."
        )
    command = [binary, "-X", "-T", f"{max(1, round(timeout_s))}"]
    for name, value in variables.items():
        command += ["-d", f"{name}={value}"]
    if document is not None:
        command += ["-f", str(document)]
    command += [uri, str(REQUESTS / request)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout_s + 5, check=False)
    except subprocess.TimeoutExpired:
        raise PrinterUnreachable(f"The printer did not answer within {timeout_s:.0f} s.") from None
    try:
        report = plistlib.loads(done.stdout) if done.stdout else {}
    except plistlib.InvalidFileException:
        report = {}
    tests = report.get("Tests") or []
    if not tests:
        said = done.stderr.decode("utf-8", "replace").strip()
        raise PrinterUnreachable("The printer cannot be reached.", _hint(said))
    test = tests[0]
    attrs: dict[str, Any] = {}
    for group in test.get("ResponseAttributes", []):
        attrs.update(group)
    if not test.get("Successful"):
        status = str(test.get("StatusCode", ""))
        message = (str(attrs.get("status-message", "")) or status).rstrip(".")
        if "document-format" in status or "document-format" in message:
            raise PrinterRefused(f"The printer does not take PDF files (it said: {message}).")
        raise PrinterRefused(f"The printer refused the job (it said: {message}).")
    return attrs


def _hint(said: str) -> str:
    return (
        f"Check that it is switched on and connected, then try again. (For your IT person: {said[-200:]})"
        if said
        else "Check that it is switched on and connected, then try again."
    )


def _many(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _words(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in _many(value))
