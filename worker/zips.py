"""Reading ZIPs that teachers upload, without trusting anything inside them."""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from storage.files import atomic_path, safe_name
from worker.errors import DamagedFile, LimitExceeded, PasswordRequired, UnsupportedFile

MAX_MEMBERS = 500
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_RATIO = 200
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ZipMember:
    """A file inside a ZIP: its name in the archive and the name we would save it under."""

    name: str
    display: str
    size: int


def _is_unsafe(info: zipfile.ZipInfo) -> bool:
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or (len(name) > 1 and name[1] == ":"):
        return True
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode)


def list_members(path: Path, display_name: str, suffix: str = ".pdf") -> list[ZipMember]:
    """The members ending in `suffix`, in archive order, after checking the whole ZIP's limits."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DamagedFile(f"{display_name} is not a readable ZIP file.") from exc
    if len(infos) > MAX_MEMBERS:
        raise LimitExceeded(f"{display_name} holds {len(infos):,} files; the limit is {MAX_MEMBERS}.")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_TOTAL_BYTES or total / packed > MAX_RATIO:
        raise LimitExceeded(
            f"{display_name} would unpack to {total / 1024**2:,.0f} MB, which is more than allowed.",
            "Unpack it on your computer and upload the PDFs themselves.",
        )
    members = []
    for info in infos:
        if info.is_dir() or _is_unsafe(info):
            continue
        if not info.filename.lower().endswith(suffix):
            continue
        leaf = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
        if leaf.startswith("._"):  # macOS resource forks ride along in many ZIPs
            continue
        members.append(ZipMember(info.filename, safe_name(leaf), info.file_size))
    if not members:
        raise UnsupportedFile(f"{display_name} holds no {suffix.upper().lstrip('.')} files.")
    return members


def extract_member(path: Path, member: str, dest: Path, display_name: str) -> Path:
    """Copy one member out of the ZIP to `dest`, stopping if it grows beyond its declared size."""
    with zipfile.ZipFile(path) as zf:
        try:
            info = zf.getinfo(member)
        except KeyError as exc:
            raise DamagedFile(f"{display_name} no longer holds {member}.") from exc
        if _is_unsafe(info):
            raise UnsupportedFile(f"{display_name}: {member} points outside the ZIP and was not opened.")
        written = 0
        try:
            with zf.open(info) as src, atomic_path(dest) as tmp, open(tmp, "wb") as out:
                while chunk := src.read(_CHUNK):
                    written += len(chunk)
                    if written > info.file_size or written > MAX_TOTAL_BYTES:
                        raise LimitExceeded(f"{display_name}: {member} is larger than the ZIP says.")
                    out.write(chunk)
        except RuntimeError as exc:  # zipfile's word for an encrypted member
            raise PasswordRequired(
                f"{display_name}: {member} is protected by a password.",
                "Unpack the ZIP on your computer and upload the PDFs themselves.",
            ) from exc
        except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError) as exc:
            raise DamagedFile(f"{display_name}: {member} could not be unpacked.") from exc
    return dest
