"""Writing files so that a crash never leaves half of one, and names safe on any file system."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

from core.errors import StorageFailed

MAX_NAME_BYTES = 150
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
_UNSAFE_CHARS = re.compile(r'[<>:"|?*\\/]')
_WORD_END = re.compile(r"[\s_\-.,;]")


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


class UniqueNames:
    """Hands out names that differ from all earlier ones (by `key`: ignoring case), adding “ (2)”, “ (3)” … to repeats."""

    def __init__(self, key: Callable[[str], str] = str.casefold) -> None:
        self._key = key
        self._used: set[str] = set()

    def take(self, make: Callable[[int], str]) -> str:
        """The first of make(1), make(2), … not handed out yet."""
        number = 1
        while True:
            name = make(number)
            if self._key(name) not in self._used:
                self._used.add(self._key(name))
                return name
            number += 1

    def numbered(self, base: str, extension: str = "") -> str:
        """`base` + `extension`, or “base (2)” + `extension` and so on when that was handed out already."""
        return self.take(
            lambda number: f"{base}{extension}" if number == 1 else f"{base} ({number}){extension}"
        )


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
