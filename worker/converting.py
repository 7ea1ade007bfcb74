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

# This worker's profile folder, claimed at its start; its work-horses, forks of it, inherit it.
_claimed: Path | None = None


def profiles_root() -> Path:
    return Path(tempfile.gettempdir()) / "teacher-printer-office"


def claim_profile() -> Path:
    """Give this worker process (and the work-horses it forks) a LibreOffice profile of its own."""
    global _claimed
    _claimed = profiles_root() / f"{socket.gethostname()}-{os.getpid()}"
    return _claimed


def release_profile() -> None:
    global _claimed
    if _claimed is not None:
        with contextlib.suppress(OSError):
            shutil.rmtree(_claimed)
            _claimed.with_name(f".{_claimed.name}.lock").unlink(missing_ok=True)
        _claimed = None


def converter_for(config: Config) -> Converter:
    """The converter for the calling worker (outside a worker, e.g. a test: one per process)."""
    root = profiles_root()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)  # LibreOffice may run as `nobody`, which must reach its folder
    profile = _claimed or root / f"process-{os.getpid()}"
    return Converter(profile, config.convert_timeout, config.step_memory_mb)
