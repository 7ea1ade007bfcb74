"""Every setting, read from the environment in one place, with its default and help.

`.env.example` and the README list each of them; a test keeps the three in step.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.units import MB


class SettingError(ValueError):
    """An environment variable holds a value that cannot be used."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    parse: Callable[[str], Any]


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be a whole number above 0")
    return value


def _whole_number(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be a whole number, 0 or more")
    return value


def _path(text: str) -> Path:
    return Path(text).expanduser().resolve()


def _emails(text: str) -> tuple[str, ...]:
    return tuple(sorted({part.strip().lower() for part in text.split(",") if part.strip()}))


def _price(text: str) -> float | None:
    if not text.strip():
        return None
    value = float(text.replace(",", "."))
    if not 0 <= value < 1000:
        raise ValueError("must be a price per printed side, e.g. 0.02 (or empty: no price)")
    return value


def _yes_no(text: str) -> bool:
    word = text.strip().lower()
    if word in {"yes", "true", "on", "1"}:
        return True
    if word in {"no", "false", "off", "0"}:
        return False
    raise ValueError("must be yes or no")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _log_level(text: str) -> str:
    level = text.upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
    return level


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATA_DIR",
        "./data",
        "Folder for uploads, job outputs and the embedded Redis's data (the shared volume).",
        _path,
    ),
    Setting(
        "REDIS_URL",
        "",
        "Redis to use, e.g. redis://:password@host:6379/0 or rediss:// for TLS. "
        "Empty: `make run` starts a private embedded redis-server.",
        str,
    ),
    Setting("PORT", "8501", "Port the web app listens on.", _positive_int),
    Setting(
        "BIND_ADDRESS",
        "127.0.0.1",
        "Network address `make run`'s web app listens on: 127.0.0.1 is this computer only; 0.0.0.0 "
        "opens it to the network (without sign-in, everyone who reaches it then sees every job).",
        str,
    ),
    Setting("WORKERS", "2", "How many background workers `make run` starts.", _positive_int),
    Setting(
        "LOOK_WORKERS",
        "1",
        "How many more workers `make run` starts for looks inside uploads only (counts, checks, "
        "previews), so that a page never waits behind a long job. Every worker takes looks first.",
        _positive_int,
    ),
    Setting("QUEUE_NAME", "teacher-printer", "Name of the RQ queue the web app and workers share.", str),
    Setting(
        "RETENTION_DAYS",
        "14",
        "Days a job's record, its outputs and uploads are kept before the clean-up removes them.",
        _positive_int,
    ),
    Setting(
        "MAX_UPLOAD_MB",
        "200",
        "Largest file a teacher may upload, in megabytes (1 MB = 1,000,000 bytes).",
        _positive_int,
    ),
    Setting(
        "SHEET_MAX_ROWS",
        "500000",
        "Most rows a spreadsheet may have; larger ones are refused with a message.",
        _positive_int,
    ),
    Setting(
        "SHEET_MAX_COLUMNS",
        "1000",
        "Most columns a spreadsheet may have; wider ones are refused with a message.",
        _positive_int,
    ),
    Setting(
        "DISK_RESERVE_MB",
        "500",
        "Free space kept on the disk of DATA_DIR for the job records (the embedded Redis's append-only "
        "file lives there too) and logs: below it, new uploads and job steps are refused with a message "
        "(0: none).",
        _whole_number,
    ),
    Setting(
        "STEP_TIMEOUT",
        "600",
        "Longest a single step of a job may run, in seconds, before it is stopped and failed.",
        _positive_int,
    ),
    Setting(
        "LOOK_TIMEOUT",
        "60",
        "Longest a look inside an upload (counts, checks, a preview) may run, in seconds.",
        _positive_int,
    ),
    Setting(
        "CONVERT_TIMEOUT",
        "120",
        "Longest turning one Word, PowerPoint or OpenDocument file into a PDF may take, in seconds, "
        "in a job or on the page; a conversion that takes longer is stopped with a message.",
        _positive_int,
    ),
    Setting(
        "STEP_MEMORY_MB",
        "1024",
        "Most memory one step of a job, or one look inside an upload, may use, in megabytes; "
        "over it, the step stops with a message. Keep it under the worker's memory limit.",
        _positive_int,
    ),
    Setting(
        "WORKER_LOST_AFTER",
        "30",
        "Seconds without a heartbeat after which a running job whose worker vanished is marked failed. "
        "A worker on the same host whose process is still there (paused, or the machine slept) is given "
        "up to STEP_TIMEOUT more.",
        _positive_int,
    ),
    Setting(
        "SWEEP_INTERVAL",
        "10",
        "Seconds between a worker's checks for lost jobs and expired data.",
        _positive_int,
    ),
    Setting(
        "ADMIN_EMAILS",
        "",
        "With sign-in configured: comma-separated e-mail addresses of people who see everyone's jobs.",
        _emails,
    ),
    Setting(
        "PRINTERS_FILE",
        "./printers.toml",
        "The school's printers (name, IPP address, location, which groups may use each, a password "
        "where one is needed), in TOML; see the README's Printing. No file: no printers offered.",
        _path,
    ),
    Setting(
        "MAX_PRINT_COPIES",
        "100",
        "Most copies of a job a teacher may send to a printer at once.",
        _positive_int,
    ),
    Setting(
        "PRINT_ROOM_ABOVE_SHEETS",
        "200",
        "Sheets of paper above which the Print… form suggests the print room rather than a printer "
        "(0: never suggested).",
        _whole_number,
    ),
    Setting(
        "PRINT_ROOM_EMAILS",
        "",
        "The print room (reprographics): comma-separated e-mail addresses of its staff, who see its "
        "queue of tickets. Set: teachers can send a finished job there as a ticket instead of to a "
        "printer. Empty: no print room.",
        _emails,
    ),
    Setting(
        "PRINT_ROOM_NOTE_ON_PAGE",
        "no",
        "yes: the file the print room prints carries the ticket's details (teacher, copies, sides, "
        "finishing, due date, note) in the top margin of its first sheet; no: the file as it is.",
        _yes_no,
    ),
    Setting(
        "COST_PER_SIDE_MONO",
        "",
        "What one printed side in black and white costs the school, e.g. 0.02; the tool pages then "
        "show what a job will cost before the button. Empty: sheets and sides only.",
        _price,
    ),
    Setting(
        "COST_PER_SIDE_COLOUR",
        "",
        "What one printed side in colour costs, e.g. 0.10. Empty: the black-and-white price.",
        _price,
    ),
    Setting("CURRENCY", "", "The sign written before prices, e.g. £, € or $.", str),
    Setting(
        "MONTHLY_SHEETS_ALLOWANCE",
        "0",
        "Sheets of paper each teacher's finished jobs may come to in a month (one print of each "
        "result): once a teacher has used them, new jobs and prints wait for next month or an "
        "admin. 0: no allowance; the month's totals are information only.",
        _whole_number,
    ),
    Setting(
        "LOG_LEVEL",
        "INFO",
        "How much the web app and the workers log: DEBUG, INFO, WARNING or ERROR. Other libraries "
        "log only their warnings and errors, except at DEBUG, which shows everything.",
        _log_level,
    ),
    Setting(
        "CORPUS_DIR",
        "",
        "Tests only: folder of real-world input files (default ../shared/corpus).",
        str,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}

# A busy RQ worker reports in once per job-monitoring interval; more often, a Redis blip
# during a report is likelier to stop it.
BUSY_WORKER_REPORT_S = 5


@dataclass(frozen=True)
class Config:
    data_dir: Path
    redis_url: str
    port: int
    bind_address: str
    workers: int
    look_workers: int
    queue_name: str
    retention_days: int
    max_upload_mb: int
    sheet_max_rows: int
    sheet_max_columns: int
    disk_reserve_mb: int
    step_timeout: int
    look_timeout: int
    convert_timeout: int
    step_memory_mb: int
    worker_lost_after: int
    sweep_interval: int
    admin_emails: tuple[str, ...]
    printers_file: Path
    max_print_copies: int
    print_room_above_sheets: int
    print_room_emails: tuple[str, ...]
    print_room_note_on_page: bool
    cost_per_side_mono: float | None
    cost_per_side_colour: float | None
    currency: str
    monthly_sheets_allowance: int
    log_level: str
    corpus_dir: str

    @property
    def max_upload_bytes(self) -> int:
        """MAX_UPLOAD_MB in bytes: the one upload limit the uploader, the server and the messages use."""
        return self.max_upload_mb * MB

    @property
    def look_queue_name(self) -> str:
        """The queue of looks inside uploads, which every worker takes before jobs."""
        return f"{self.queue_name}-looks"

    @property
    def step_memory_bytes(self) -> int:
        return self.step_memory_mb * MB

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"

    @property
    def redis_dir(self) -> Path:
        return self.data_dir / "redis"

    @property
    def worker_report_s(self) -> int:
        """How often a worker reports in, idle or busy: twice within WORKER_LOST_AFTER where it can."""
        return max(BUSY_WORKER_REPORT_S, self.worker_lost_after // 2)

    @property
    def worker_silent_after(self) -> int:
        """Seconds without a report after which a worker counts as gone: two reports missed."""
        return 2 * self.worker_report_s


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Read every setting from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(setting.name, "").strip() or setting.default
        try:
            values[setting.name.lower()] = setting.parse(raw)
        except ValueError as exc:
            raise SettingError(f"{setting.name}={raw!r} is not valid: {exc}") from exc
    return Config(**values)


def setting(name: str) -> Setting:
    return _BY_NAME[name]
