"""The converter each worker process uses: its own LibreOffice profile folder, and its bounds."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
from pathlib import Path

from documents.convert import Converter
from storage.config import Config

# Set by `python -m worker` for itself and its work-horses: one profile folder per worker.
PROFILE_ENV = "TP_OFFICE_PROFILE"


def profiles_root() -> Path:
    return Path(tempfile.gettempdir()) / "teacher-printer-office"


def claim_profile() -> Path:
    """Give this worker process (and the work-horses it forks) a LibreOffice profile of its own."""
    profile = profiles_root() / f"{socket.gethostname()}-{os.getpid()}"
    os.environ[PROFILE_ENV] = str(profile)
    return profile


def release_profile() -> None:
    if folder := os.environ.pop(PROFILE_ENV, ""):
        with contextlib.suppress(OSError):
            shutil.rmtree(folder)
            Path(folder).with_name(f".{Path(folder).name}.lock").unlink(missing_ok=True)


def converter_for(config: Config) -> Converter:
    """The converter for the calling worker (outside a worker, e.g. a test: one per process)."""
    profile = os.environ.get(PROFILE_ENV) or str(profiles_root() / f"process-{os.getpid()}")
    root = profiles_root()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)  # LibreOffice may run as `nobody`, which must reach its folder
    return Converter(Path(profile), config.convert_timeout, config.step_memory_mb)
