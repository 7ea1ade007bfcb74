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
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core.errors import PrinterBusy, PrinterRefused, PrinterUnreachable, PrintJobGone

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
# The finishings (IPP enums, PWG 5100.1) a teacher may ask for, in words; others are never offered.
FINISHINGS = {4: "Staple", 5: "Punch holes", 8: "Saddle stitch", 10: "Fold", 20: "Staple top left"}
# printer-state-reasons and job-state-reasons a teacher can act on, in words (their -error,
# -warning and -report endings dropped); the rest are named as the printer says them.
REASON_WORDS = {
    "media-empty": "out of paper",
    "media-needed": "waiting for paper to be loaded",
    "media-jam": "a paper jam",
    "media-low": "paper running low",
    "toner-empty": "out of toner",
    "toner-low": "toner running low",
    "marker-supply-empty": "out of ink or toner",
    "marker-supply-low": "ink or toner running low",
    "door-open": "a door is open",
    "cover-open": "a cover is open",
    "input-tray-missing": "a paper tray is missing",
    "output-area-full": "the output tray is full",
    "offline": "offline",
    "paused": "paused",
    "shutdown": "switched off",
    "spool-area-full": "its memory is full",
    "stopped-partly": "partly stopped",
    "printer-stopped": "the printer is stopped",
    "job-hold-until-specified": "held until someone releases it",
    "job-held-for-review": "held for review",
    "job-canceled-by-user": "canceled",
    "job-canceled-at-device": "canceled at the printer",
    "job-canceled-by-operator": "canceled by an operator",
    "aborted-by-system": "stopped by the printer",
    "document-format-error": "the printer could not read the file",
    "document-unprintable-error": "the printer could not print the file",
}
QUIET_REASONS = {
    "none",
    "job-printing",
    "job-queued",
    "job-incoming",
    "job-completed-successfully",
    "processing-to-stop-point",
    "job-data-insufficient",
}
# A media keyword (PWG 5101.1): what may go into a request file as it is.
MEDIA_KEYWORD = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


def reason_words(reasons: tuple[str, ...]) -> list[str]:
    """The reasons a teacher should hear of, in words ("out of paper"), without repeats."""
    words: list[str] = []
    for reason in reasons:
        base = re.sub(r"-(error|warning|report)$", "", reason)
        if base in QUIET_REASONS or reason in QUIET_REASONS:
            continue
        said = REASON_WORDS.get(base, base.replace("-", " "))
        if said not in words:
            words.append(said)
    return words


def shown_uri(uri: str) -> str:
    """The printer's address without any user name or password in it: for pages and logs."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


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
    media_supported: tuple[str, ...] = ()
    location: str = ""
    message: str = ""

    @property
    def takes_pdf(self) -> bool:
        return "application/pdf" in self.formats

    @property
    def two_sided(self) -> bool:
        return any(side.startswith("two-sided") for side in self.sides)

    @property
    def colour(self) -> bool:
        """Whether it prints in colour (and so can be asked for grey as well)."""
        return "color" in self.color_modes

    @property
    def finishing_words(self) -> dict[int, str]:
        """The finishings it reports that a teacher may choose, in words."""
        return {f: FINISHINGS[f] for f in self.finishings if f in FINISHINGS}

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Capabilities:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for name in (
            "reasons",
            "sides",
            "color_modes",
            "media_ready",
            "finishings",
            "formats",
            "media_supported",
        ):
            known[name] = tuple(known.get(name, ()))
        return cls(**known)


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
        most_copies=_upper(copies),
        media_supported=_words(attrs.get("media-supported")),
        location=str(attrs.get("printer-location", "")),
        message=str(attrs.get("printer-state-message", "")),
    )


def _upper(copies: Any) -> int:
    """The most copies a printer takes: its copies-supported range's top (1 when it says none)."""
    if isinstance(copies, dict):
        return int(copies.get("upper", 1))
    if isinstance(copies, str) and "-" in copies:  # "1-999", as some ipptool versions write a range
        return int(copies.rsplit("-", 1)[1])
    return 1


def print_pdf(
    uri: str,
    pdf: Path,
    *,
    job_name: str,
    user: str,
    copies: int = 1,
    sides: str = "one-sided",
    color: str = "",
    media: str = "",
    finishings: tuple[int, ...] = (),
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> int:
    """Send `pdf` as it is (Print-Job) with the job's choices; the printer's job id.

    Only the choices given are sent (an empty `color` or `media` leaves the printer's own), so a
    printer is never asked for what it did not say it can do.
    """
    job_attributes = [f"ATTR integer copies {int(copies)}", f"ATTR keyword sides {_keyword(sides)}"]
    if color:
        job_attributes.append(f"ATTR keyword print-color-mode {_keyword(color)}")
    if media:
        job_attributes.append(f"ATTR keyword media {_keyword(media)}")
    if finishings:
        job_attributes.append("ATTR enum finishings " + ",".join(str(int(f)) for f in finishings))
    template = (REQUESTS / "print-job.test").read_text()
    with tempfile.TemporaryDirectory(prefix="tp-ipp-") as folder:
        request = Path(folder) / "print-job.test"
        request.write_text(template.replace("# JOB-ATTRIBUTES", "\n  ".join(job_attributes)))
        variables = {"job_name": job_name, "user": user}
        try:
            attrs = _ask(uri, request, variables, timeout_s, document=pdf)
        except PrinterUnreachable as exc:
            if "did not answer within" not in exc.message:
                raise
            # The file may have gone through before the printer froze: it can still print it.
            raise PrinterUnreachable(
                f"The printer did not answer within {timeout_s:.0f} s of being sent the file.",
                "It may still print it: look at the printer before you press Try again.",
            ) from exc
    return int(attrs["job-id"])


def _keyword(value: str) -> str:
    """A keyword as it may go into a request file: nothing but what keywords are made of."""
    if not MEDIA_KEYWORD.match(value):
        raise PrinterRefused(f"“{value}” is not something a printer can be asked for.")
    return value


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
    uri: str, request: str | Path, variables: dict[str, str], timeout_s: float, document: Path | None = None
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
    command += [uri, str(REQUESTS / request)]  # a Path given whole stays as it is
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
    status = str(test.get("StatusCode", ""))
    # No attributes at all: no answer came back in time (a printer that took the connection and
    # froze); ipptool then reports the status it started with.
    if not attrs:
        raise PrinterUnreachable(f"The printer did not answer within {timeout_s:.0f} s.", _hint(""))
    # ipptool also fails a test on its own checks of the answer (an attribute listed twice); the
    # printer's status says whether it did what it was asked.
    if not status.startswith("successful"):
        message = (str(attrs.get("status-message", "")) or status).rstrip(".")
        if "busy" in status:
            raise PrinterBusy(f"The printer is busy with another job (it said: {message}).")
        if "not-found" in status or "not-found" in message:
            raise PrintJobGone("The printer no longer knows this job: it may have been restarted.")
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
