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
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from storage.config import MB, Config, load_config
from worker.errors import LimitExceeded, StorageFailed

CHUNK_BYTES = 1024 * 1024
MAX_NAME_BYTES = 150
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
_UNSAFE_CHARS = re.compile(r'[<>:"|?*\\/]')
_WORD_END = re.compile(r"[\s_\-.,;]")


def new_id() -> str:
    """A fresh, unguessable identifier for an upload or a job."""
    return secrets.token_hex(8)


def _is_valid_id(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{16}", value))


def shorten(text: str, limit: int, size: Callable[[str], int] = len) -> str:
    """`text` cut to at most `limit` (as `size` measures it) at the end of a word, if it is longer.

    A single word longer than the limit is cut where it must be; separators left at the end go.
    """
    if size(text) <= limit:
        return text
    low, high = 0, len(text)  # the longest start of `text` that fits
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if size(text[:middle]) <= limit else (low, middle - 1)
    head = text[:low]
    if not _WORD_END.match(text[low]):
        ends = [m.start() for m in _WORD_END.finditer(head)]
        head = head[: ends[-1]] if ends and ends[-1] > 0 else head
    return head.rstrip(" _-.,;") or head


def safe_name(name: str, fallback: str = "file") -> str:
    """A file name that is safe on any file system, keeping what a teacher would recognise."""
    name = unicodedata.normalize("NFC", name or "")
    # Keep only the last path component, whichever separator the browser used.
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.upper() in _WINDOWS_RESERVED or name.upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    ext = ext[:10]
    suffix = f".{ext}" if ext else ""
    budget = MAX_NAME_BYTES - len(suffix.encode())
    stem = shorten(stem, budget, lambda text: len(text.encode())).strip(" .")
    if not stem:
        stem = fallback
    return stem + suffix


@contextlib.contextmanager
def atomic_path(dest: Path, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `dest`; on success it becomes `dest` in one rename.

    `durable` also flushes the data to disk before the rename, so that even a power cut
    never leaves a short file under the final name; small files that can be rebuilt skip it.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".part-", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if durable:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageFailed(f"Could not save {dest.name}: {exc.strerror or exc}.") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(dest: Path, data: bytes, durable: bool = True) -> None:
    with atomic_path(dest, durable) as tmp:
        tmp.write_bytes(data)


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
    def save_upload(self, stream: BinaryIO, name: str, max_bytes: int | None = None) -> StoredFile:
        """Copy an uploaded stream into `uploads/<id>/<safe name>` in chunks, hashing it on the way."""
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
                    out.write(chunk)
        except BaseException:
            shutil.rmtree(dest.parent, ignore_errors=True)
            raise
        return StoredFile(ref=self.ref(dest), name=clean, size=size, sha256=digest.hexdigest())

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

    def outputs_dir(self, job_id: str) -> Path:
        return self.job_dir(job_id) / "outputs"

    def work_dir(self, job_id: str, step: int) -> Path:
        folder = self.job_dir(job_id) / "work" / f"step-{step}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def clear_work(self, job_id: str, step: int) -> None:
        shutil.rmtree(self.job_dir(job_id) / "work" / f"step-{step}", ignore_errors=True)

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
