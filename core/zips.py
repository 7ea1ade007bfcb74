"""Reading ZIPs that teachers upload, without trusting anything inside them."""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from core.errors import DamagedFile, LimitExceeded, PasswordRequired, UnsupportedFile
from core.files import atomic_path, safe_name
from core.units import MB

MAX_MEMBERS = 500
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_RATIO = 200
# Members named in the note about those left out.
MAX_LISTED = 10
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ZipMember:
    """A file inside a ZIP: its name in the archive and the name we would save it under."""

    name: str
    display: str
    size: int


@dataclass(frozen=True)
class ZipContents:
    """The members a job will use, and those left out for safety with the reason in plain words."""

    members: list[ZipMember]
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (name in the archive, why)

    def note(self, display_name: str) -> str:
        """The sentence for the page and the job about the members left out; empty if none."""
        if not self.left_out:
            return ""
        if len(self.left_out) == 1:
            name, why = self.left_out[0]
            return f"1 file in {display_name} was left out: {name} {why}."
        listed = "; ".join(f"{name} {why}" for name, why in self.left_out[:MAX_LISTED])
        more = f" and {len(self.left_out) - MAX_LISTED} more" if len(self.left_out) > MAX_LISTED else ""
        return f"{len(self.left_out)} files in {display_name} were left out: {listed}{more}."


def member_label(member_display: str, zip_name: str) -> str:
    """How the page and the job name a PDF inside a ZIP."""
    return f"{member_display} (in {zip_name})"


def _unsafe_reason(info: zipfile.ZipInfo) -> str:
    """Why a member is never unpacked (its path leaves the folder, or it is a link), or empty."""
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if ".." in parts:
        return "(its path points outside the ZIP)"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "(its path starts at the top of a disk, not inside the ZIP)"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "(it is a link to another file, not a file)"
    return ""


def _is_unsafe(info: zipfile.ZipInfo) -> bool:
    return bool(_unsafe_reason(info))


def list_members(path: Path, display_name: str, suffix: str = ".pdf") -> list[ZipMember]:
    """The members ending in `suffix`, in archive order, after checking the whole ZIP's limits."""
    return read_zip(path, display_name, suffix).members


def read_zip(path: Path, display_name: str, suffix: str = ".pdf") -> ZipContents:
    """`list_members`, and the members ending in `suffix` that are left out for safety."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DamagedFile(f"{display_name} is not a readable ZIP file.") from exc
    if len(infos) > MAX_MEMBERS:
        raise LimitExceeded(
            f"{display_name} holds {len(infos):,} files; the limit is {MAX_MEMBERS}.",
            f"Put at most {MAX_MEMBERS} files in each ZIP and use them one at a time.",
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_TOTAL_BYTES or total / packed > MAX_RATIO:
        raise LimitExceeded(
            f"{display_name} would unpack to {total / MB:,.0f} MB, which is more than allowed.",
            "Unpack it on your computer and upload the PDFs themselves.",
        )
    members = []
    left_out: list[tuple[str, str]] = []
    for info in infos:
        if info.is_dir() or not info.filename.lower().endswith(suffix):
            continue
        if why := _unsafe_reason(info):
            left_out.append((info.filename, why))
            continue
        leaf = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
        if leaf.startswith("._"):  # macOS resource forks ride along in many ZIPs
            continue
        members.append(ZipMember(info.filename, safe_name(leaf), info.file_size))
    contents = ZipContents(members, left_out)
    if not members:
        kind = suffix.upper().lstrip(".")
        raise UnsupportedFile(
            " ".join(
                filter(
                    None,
                    [f"{display_name} holds no {kind} files that can be used.", contents.note(display_name)],
                )
            ),
            f"Put the {kind} files in a new ZIP on your computer (or upload them themselves).",
        )
    return contents


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
                        raise DamagedFile(f"{display_name}: {member} is larger than the ZIP says.")
                    out.write(chunk)
        except RuntimeError as exc:  # zipfile's word for an encrypted member
            raise PasswordRequired(
                f"{display_name}: {member} is protected by a password.",
                "Unpack the ZIP on your computer and upload the PDFs themselves.",
            ) from exc
        except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError) as exc:
            raise DamagedFile(f"{display_name}: {member} could not be unpacked.") from exc
    return dest
