"""The file store on the shared volume: uploads, job folders, atomic writes.

Only references relative to DATA_DIR (`uploads/<id>/<name>`, `jobs/<id>/outputs/<name>`)
cross the queue; `resolve` turns one back into a path and refuses any that would
leave DATA_DIR.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.errors import LimitExceeded, StorageFailed
from core.files import atomic_path, safe_name
from core.units import MB
from storage.config import Config, load_config

CHUNK_BYTES = 1024 * 1024
# An upload streaming in checks the disk's free space again every this many chunks.
ROOM_CHECK_EVERY = 16


def new_id() -> str:
    """A fresh, unguessable identifier for an upload or a job."""
    return secrets.token_hex(8)


def _is_valid_id(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{16}", value))


def upload_id_of(ref: str) -> str | None:
    """The upload id in a reference `uploads/<id>/<name>`, or None for any other reference."""
    parts = ref.split("/")
    if len(parts) == 3 and parts[0] == "uploads" and _is_valid_id(parts[1]):
        return parts[1]
    return None


@dataclass(frozen=True)
class StoredFile:
    """A file in the store: its reference (relative to DATA_DIR), name, size and SHA-256 of its content."""

    ref: str
    name: str
    size: int
    sha256: str = ""


class FileStore:
    """Paths of the shared volume, for one configuration."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or load_config()
        self.root = self.config.data_dir

    # -- references ---------------------------------------------------------------
    def ref(self, path: Path) -> str:
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def resolve(self, ref: str) -> Path:
        """The path of a reference, refusing any that points outside DATA_DIR."""
        root = self.root.resolve()
        path = (root / ref).resolve()
        if not path.is_relative_to(root) or path == root:
            raise ValueError(f"file reference outside the data folder: {ref!r}")
        return path

    # -- uploads ------------------------------------------------------------------
    def check_room(self, needed: int = 0) -> None:
        """Refuse (StorageFailed) what would leave less than DISK_RESERVE_MB free on the data disk.

        The reserve is for what must never stop: the job records (the embedded Redis writes its
        append-only file on this disk, and refuses every write once that fails) and the logs.
        """
        try:
            free = shutil.disk_usage(self.root if self.root.exists() else self.root.parent).free
        except OSError:
            return  # the write itself will say what is wrong
        if free - needed < self.config.disk_reserve_mb * MB:
            raise StorageFailed(
                f"The server's disk is nearly full ({free / MB:,.0f} MB free), so nothing new can be saved now.",
                "Tell your IT person: delete old jobs on the Jobs page, or make room on the server's disk, "
                "then try again. Your jobs and files so far are safe.",
            )

    def save_upload(self, stream: BinaryIO, name: str, max_bytes: int | None = None) -> StoredFile:
        """Copy an uploaded stream into `uploads/<id>/<safe name>` in chunks, hashing it on the way."""
        self.check_room()
        limit = max_bytes if max_bytes is not None else self.config.max_upload_bytes
        upload_id = new_id()
        clean = safe_name(name)
        dest = self.root / "uploads" / upload_id / clean
        size = 0
        digest = hashlib.sha256()
        try:
            with atomic_path(dest) as tmp, open(tmp, "wb") as out:
                while chunk := stream.read(CHUNK_BYTES):
                    size += len(chunk)
                    digest.update(chunk)
                    if size > limit:
                        raise LimitExceeded(
                            f"{clean} is larger than {limit / MB:,.0f} MB, the largest file you can upload.",
                            "Make the file smaller (for a scan, save it at a lower resolution) or split it.",
                        )
                    if size % (ROOM_CHECK_EVERY * CHUNK_BYTES) < len(chunk):
                        self.check_room(len(chunk))
                    out.write(chunk)
        except BaseException:
            shutil.rmtree(dest.parent, ignore_errors=True)
            raise
        return StoredFile(ref=self.ref(dest), name=clean, size=size, sha256=digest.hexdigest())

    def thumbs_dir(self, ref: str, content: str, width: int) -> Path:
        """The folder of a file's page pictures at `width`: beside the file, so that they go with it
        (an upload's folder, or a look's converted PDF), named by its content."""
        tag = re.sub(r"[^0-9a-z-]", "", content.lower())[:40] or "file"
        parts = ref.split("/")
        if len(parts) > 2 and parts[0] == "jobs" and parts[2] == "outputs":  # a job's result: beside
            return self.job_dir(parts[1]) / "thumbs" / f"{tag}-{int(width)}"  # its outputs, not among them
        return self.resolve(ref).parent / "thumbs" / f"{tag}-{int(width)}"

    def output_file(self, ref: str, name: str, size: int) -> StoredFile:
        """A job's result as a stored file, for looks and pictures: named by its reference, which is
        never reused for other content (each attempt writes its own folder)."""
        return StoredFile(ref, name, size, "out-" + hashlib.sha256(ref.encode()).hexdigest()[:32])

    def delete_upload(self, ref: str) -> None:
        parts = ref.split("/")
        if len(parts) >= 2 and parts[0] == "uploads" and _is_valid_id(parts[1]):
            shutil.rmtree(self.root / "uploads" / parts[1], ignore_errors=True)

    def upload_kept(self, ref: str) -> bool:
        """Whether an uploaded file is still on the volume (the clean-up may have removed it)."""
        try:
            return upload_id_of(ref) is not None and self.resolve(ref).is_file()
        except ValueError:
            return False

    def touch_upload(self, ref: str) -> None:
        """Count an upload as used now, so the clean-up keeps it for another retention period."""
        upload_id = upload_id_of(ref)
        if upload_id is not None:
            with contextlib.suppress(OSError):
                os.utime(self.root / "uploads" / upload_id)

    # -- jobs ---------------------------------------------------------------------
    def job_dir(self, job_id: str) -> Path:
        if not _is_valid_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.root / "jobs" / job_id

    # Each attempt of a job writes in folders of its own: a worker that froze and wakes up
    # after a retry started can never write over the retry's files.
    def outputs_dir(self, job_id: str, attempt: int) -> Path:
        return self.job_dir(job_id) / "outputs" / f"attempt-{attempt}"

    def work_dir(self, job_id: str, step: int, attempt: int) -> Path:
        return self.job_dir(job_id) / "work" / f"attempt-{attempt}" / f"step-{step}"

    def clear_work(self, job_id: str, step: int, attempt: int) -> None:
        shutil.rmtree(self.work_dir(job_id, step, attempt), ignore_errors=True)

    def clear_all_work(self, job_id: str) -> None:
        """Remove a finished job's scratch files (checked copies, pages between steps): only its
        results are kept. A failed job keeps them: Retry goes on from the step that failed."""
        shutil.rmtree(self.job_dir(job_id) / "work", ignore_errors=True)

    def delete_job(self, job_id: str) -> None:
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)

    def manifest_path(self, job_id: str) -> Path:
        return self.job_dir(job_id) / "manifest.json"

    def iter_manifests(self) -> Iterator[Path]:
        jobs = self.root / "jobs"
        if jobs.is_dir():
            yield from sorted(jobs.glob("*/manifest.json"))

    def iter_upload_dirs(self) -> Iterator[Path]:
        uploads = self.root / "uploads"
        if uploads.is_dir():
            yield from (p for p in uploads.iterdir() if p.is_dir() and _is_valid_id(p.name))
