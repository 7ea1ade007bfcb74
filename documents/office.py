"""Word, PowerPoint, OpenDocument and RTF files into PDF, with LibreOffice in a closed box.

Each conversion is one `soffice --headless --convert-to pdf` run in a profile folder of its
own worker (two workers never share one; a lock keeps one run per profile at a time). Why not a
warm listener (unoserver): on the machines we measured a run with its profile already made takes
about 1.2 s, the listener would save well under a second of that, and a fresh process per file
cannot carry one teacher's document, a hang or a leak into the next (bench/bench_convert.py).

What keeps a document from reaching outside its own file:
- the profile turns off macros and blocks every link to a file or address the document names
  (`BlockUntrustedRefererLinks`: the one setting that stops linked pictures, measured);
- where the kernel allows, LibreOffice runs in a network namespace of its own, with no network
  at all (not even 127.0.0.1), and, when the worker runs as root, as the user `nobody`;
- it sees a copy of the one file, in a folder of its own, and is killed (its whole process
  group) when it takes longer than its time or goes over its memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from core.errors import ConversionFailed, ConverterMissing, OutOfMemory, PasswordRequired, StepTimedOut

log = logging.getLogger(__name__)

SOFFICE = "soffice"
NOBODY = 65534
# Settings of the converter's profile (LibreOffice's registry), written before every run.
_HARDENED = {
    ("org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel"): "3",
    ("org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution"): "true",
    ("org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks"): "true",
    ("org.openoffice.Office.Common/Security/Scripting", "CheckDocumentEvents"): "true",
    ("org.openoffice.Office.Writer/Content/Update", "Link"): "0",
    ("org.openoffice.Office.Writer/Content/Update", "Field"): "false",
    ("org.openoffice.Office.Calc/Content/Update", "Link"): "0",
    ("org.openoffice.Office.Common/Misc", "UseDocumentSystemFileLocking"): "false",
    ("org.openoffice.Office.Common/Misc", "UseLocking"): "false",
}
# Impress's PDF export with its filter options as JSON (LibreOffice 7.4 and later): notes pages only.
NOTES_PAGES = (
    'pdf:impress_pdf_Export:{"ExportNotesPages":{"type":"boolean","value":"true"},'
    '"ExportOnlyNotesPages":{"type":"boolean","value":"true"}}'
)
LOCKED_HINT = (
    "Open it in Word or PowerPoint, remove the password (File → Info → Protect → Encrypt with "
    "password: leave it empty), save, and upload it again; or save it as a PDF there and upload that."
)


def office_available() -> bool:
    """Whether this machine can convert office documents (LibreOffice installed)."""
    return shutil.which(SOFFICE) is not None


def office_to_pdf(
    source: Path,
    name: str,
    suffix: str,
    dest: Path,
    profile: Path,
    timeout_s: float,
    memory_mb: int | None = None,
    notes: bool = False,
) -> None:
    """Convert the office document `source` (uploaded as `name`, read as a `.suffix` file) into `dest`;
    with `notes` (for a presentation only), its notes pages: each slide with its speaker notes."""
    binary = shutil.which(SOFFICE)
    if binary is None:
        raise ConverterMissing(
            f"{name} is a Word, PowerPoint or OpenDocument file, and this server cannot open those yet."
        )
    profile.mkdir(parents=True, exist_ok=True)
    with _only_run(profile), tempfile.TemporaryDirectory(prefix="tp-office-", dir=profile.parent) as box_name:
        box = Path(box_name)
        document = box / f"document.{suffix}"
        shutil.copyfile(source, document)
        _write_profile(profile / "user" / "registrymodifications.xcu")
        as_nobody = os.geteuid() == 0
        if as_nobody:
            _give_to_nobody(box, profile)
        command = [
            *_jail(as_nobody),
            binary,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--invisible",
            "--nodefault",
            "--nolockcheck",
            "--nologo",
            "--norestore",
            "--convert-to",
            NOTES_PAGES if notes else "pdf",
            "--outdir",
            str(box),
            str(document),
        ]
        _run(command, name, profile, timeout_s, memory_mb)
        made = box / "document.pdf"
        if not made.is_file() or made.stat().st_size == 0:
            raise ConversionFailed(
                f"{name} could not be turned into a PDF: it looks damaged, or it is not what its name says."
            )
        shutil.move(made, dest)


def _run(command: list[str], name: str, profile: Path, timeout_s: float, memory_mb: int | None) -> None:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",  # nothing of the worker's own environment reaches it
        "HOME": str(profile),
        "LANG": "C.UTF-8",
        "SAL_USE_VCLPLUGIN": "svp",  # no display, ever
        "TMPDIR": str(profile),
    }

    def limits() -> None:
        if memory_mb:
            cap = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,  # its own process group: a hang is killed with everything it started
        preexec_fn=limits,
    )
    try:
        said, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise StepTimedOut(
            f"{name} took longer than {timeout_s:.0f} s to turn into a PDF, so it was stopped.",
            "Save it as a PDF on your computer and upload that, or ask your IT person to raise CONVERT_TIMEOUT.",
        ) from None
    finally:
        _kill(process)  # soffice.bin may outlive the launcher: nothing of a run is left behind
    text = said.decode("utf-8", "replace")
    if "password" in text.lower():
        raise PasswordRequired(f"{name} is protected by a password.", LOCKED_HINT)
    if process.returncode != 0 and ("bad_alloc" in text or "Out of memory" in text):
        raise OutOfMemory(
            f"{name} needs more memory to turn into a PDF than one conversion may use on this server.",
        )
    if process.returncode != 0:
        log.warning("LibreOffice exited with %s converting %s: %s", process.returncode, name, text[-500:])


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


@contextlib.contextmanager
def _only_run(profile: Path) -> Iterator[None]:
    """One LibreOffice per profile at a time: a second would hand its file to the first and return."""
    with (profile.parent / f".{profile.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _write_profile(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    items = "".join(
        f'<item oor:path="/{node}"><prop oor:name="{prop}" oor:op="fuse"><value>{value}</value></prop></item>\n'
        for (node, prop), value in _HARDENED.items()
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"{items}</oor:items>\n",
        encoding="utf-8",
    )


def _give_to_nobody(box: Path, profile: Path) -> None:
    for folder in (box, profile):
        for root, dirs, files in os.walk(folder):
            for entry in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.lchown(entry, NOBODY, NOBODY)


def network_closed() -> bool:
    """Whether LibreOffice runs here without any network (a namespace of its own); probed once per
    process, so a worker probes before it forks its work-horses."""
    return bool(_jail(os.geteuid() == 0)) and _jail(os.geteuid() == 0)[0] == "unshare"


def _jail(as_nobody: bool) -> list[str]:
    """The command that puts LibreOffice in a network of its own (and drops root), where it can."""
    if as_nobody:
        drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]
        return ["unshare", "--net", "--", *drop] if _works(("unshare", "--net", "true")) else drop
    return ["unshare", "--map-root-user", "--net", "--"] if _works(("unshare", "-rn", "true")) else []


@cache
def _works(command: tuple[str, ...]) -> bool:
    try:
        ok = subprocess.run(command, capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if not ok:
        log.warning("LibreOffice runs without a network namespace here (%s failed)", " ".join(command))
    return ok
