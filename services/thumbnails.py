"""Small pictures of a PDF's pages for the pages (the page organizer, a result's "Look through"):
read from the folder beside the file where a worker drew them; the pages not drawn yet are asked
for, a batch at a time, as a look. The web process only reads the pictures; it never draws one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pdf.thumbnails import THUMB_WIDTH_PX, drawn, thumb_path
from services.looks import Looks
from storage.files import StoredFile
from storage.looks import Answer

BATCH = 24  # pages one look draws: a screenful of the organizer


@dataclass
class Pictures:
    """The pictures of a window of pages: JPEG bytes by page index, None for a page that could not be
    drawn (a placeholder); pages missing from `pages` are still being drawn (`keys` to wait for)."""

    pages: dict[int, bytes | None] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return bool(self.keys)


def content_tag(file: StoredFile, member: str = "") -> str:
    """What a file's pictures are kept by: its content, and for a PDF inside a ZIP, which one."""
    if not member:
        return file.sha256
    return f"{file.sha256[:16]}-{hashlib.sha256(member.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class PagePictures:
    """The pictures of one PDF's pages (or of the PDF `member` of a ZIP): read from the folder beside
    it, the batches not drawn yet asked of a worker; a page drawn once is read from its file ever after."""

    looks: Looks
    file: StoredFile
    page_count: int
    member: str = ""
    width: int = THUMB_WIDTH_PX

    @property
    def content(self) -> str:
        return content_tag(self.file, self.member)

    @property
    def folder(self) -> Path:
        return self.looks.files.thumbs_dir(self.file.ref, self.content, self.width)

    def read(self, indexes: Iterable[int]) -> Pictures:
        """The pictures of pages `indexes` (0-based), asking for the batches not drawn yet."""
        folder = self.folder
        found = Pictures()
        answered: dict[int, bool] = {}  # batch → whether its look has answered (a failed look too)
        for index in sorted({i for i in indexes if 0 <= i < self.page_count}):
            state = drawn(folder, index)
            if state is None:
                start = index // BATCH * BATCH
                if start not in answered:
                    key, answer = self._ask(start)
                    answered[start] = answer is not None
                    if answer is None:
                        found.keys.append(key)
                state = drawn(folder, index)  # the look may have answered at once
                if state is None and answered[start]:
                    state = False  # its look ended without drawing it (the file could not be read)
            if state is True:
                try:
                    found.pages[index] = thumb_path(folder, index).read_bytes()
                except OSError:  # removed by the clean-up a moment ago: drawn again when asked again
                    continue
            elif state is False:
                found.pages[index] = None
        return found

    def ahead(self, indexes: Iterable[int]) -> None:
        """Ask for the batches of `indexes` not drawn yet, reading nothing: the next screen, so that it
        is ready when the teacher gets there (after what is on screen now, which was asked first)."""
        folder = self.folder
        for start in sorted({i // BATCH * BATCH for i in indexes if 0 <= i < self.page_count}):
            if drawn(folder, start) is None:
                self._ask(start)

    def _ask(self, start: int) -> tuple[str, Answer | None]:
        """The look that draws the batch of pages from `start`: its key, and its answer once in."""
        params = {"content": self.content, "first": start, "count": min(BATCH, self.page_count - start),
                  "width": self.width, "member": self.member, "name": self.file.name}  # fmt: skip
        return self.looks.seek("thumbnails", [self.file], params)
