"""Files coming in from a page: saved once, looked at by a worker, listed in My files when usable.

The look inside is the job's own first check, run on the workers (`worker/looks.py`), so
that whatever the job would refuse, the page says first and in the same words, and the web
process never opens a file. Until a worker has answered, an upload's `info` is `pending`; a
long PDF is `checking` while its pages are counted but not all checked yet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import BinaryIO, Protocol

from core.errors import PasswordRequired, ServiceUnavailable
from services.looks import Looks
from storage.config import Config
from storage.files import FileStore, StoredFile
from worker.looks import UploadInfo, ZipPdf

__all__ = ["Upload", "UploadInfo", "Uploads", "ZipPdf", "looked_at"]


class MyFilesLike(Protocol):
    """What the uploads need of My files (services.library.MyFiles, which imports this module)."""

    def save(self, stream: BinaryIO, name: str) -> StoredFile: ...
    def reuse(self, stored: StoredFile) -> StoredFile: ...
    def keep(self, stored: StoredFile, info: UploadInfo) -> None: ...


@dataclass(frozen=True)
class Upload:
    """A file on the server, as a page shows it: where it is, and what the look inside found.

    `look` is the key of that look, which a page waits for while the upload is pending.
    """

    stored: StoredFile
    info: UploadInfo
    look: str = ""

    @property
    def pending(self) -> bool:
        return self.info.kind == PENDING

    @property
    def as_pdf(self) -> StoredFile:
        """The PDF the tools use: the upload itself, or the PDF its look made of a document or photo."""
        if not self.info.pdf_ref:
            return self.stored
        return StoredFile(
            self.info.pdf_ref, self.stored.name, self.stored.size, f"pdf-of-{self.stored.sha256}"
        )

    @property
    def checking(self) -> bool:
        """Counted already, while the job's own check of every page goes on (a long PDF)."""
        return self.info.checking


PENDING = "pending"


def looked_at(looks: Looks, stored: StoredFile) -> Upload:
    """A file with what the workers found in it, or pending while they look (queued if need be)."""
    try:
        key, answer = looks.seek("describe", [stored], {"name": stored.name})
    except ServiceUnavailable as exc:  # the file is saved; it is looked at once the service is back
        return Upload(stored, UploadInfo(stored.ref, stored.name, "file", problem=exc.for_teacher()))
    if answer is None:
        info = UploadInfo(stored.ref, stored.name, PENDING)
    elif not answer.ok:  # the look itself failed: its time or memory ran out
        info = UploadInfo(stored.ref, stored.name, "file", problem=answer.problem, details=answer.details)
    else:
        info = replace(UploadInfo.from_dict(answer.data), ref=stored.ref, name=stored.name)
    return Upload(stored, info, key)


class Uploads:
    """Files coming in from a page: saved once, looked at by type, listed in My files if usable.

    `mine` is the teacher's My files (None when the job service is down: files are still saved,
    just not listed); `kept` holds the refs already listed (the page keeps it per session), so a
    file is listed once, when its look comes back.
    """

    def __init__(
        self,
        config: Config,
        mine: MyFilesLike | None,
        kept: set[str] | None = None,
        looks: Looks | None = None,
    ) -> None:
        self.config = config
        self.mine = mine
        self.store = FileStore(config)
        self.looks = looks or Looks(config)
        self.kept = set() if kept is None else kept

    def add(self, stream: BinaryIO, name: str) -> Upload:
        """Save a file as it streams in (the teacher's earlier copy of the same file is reused), ask for a look."""
        stored = self.mine.save(stream, name) if self.mine else self.store.save_upload(stream, name)
        return self._looked(stored)

    def again(self, stored: StoredFile) -> Upload | None:
        """A file saved before, with its look; None if the clean-up has removed it since."""
        if not self.store.upload_kept(stored.ref):
            return None
        return self._looked(stored)

    def _looked(self, stored: StoredFile) -> Upload:
        upload = looked_at(self.looks, stored)
        if self.mine is not None and not (upload.pending or upload.checking) and stored.ref not in self.kept:
            self.mine.keep(stored, upload.info)  # only if usable (a locked PDF: its unlocked copy)
            self.kept.add(stored.ref)
        return upload

    def start_unlock(self, stored: StoredFile, password: str) -> str:
        """Ask a worker for the unprotected copy of a locked PDF; the key to `finish_unlock` with.

        The password reaches the worker through a Redis key that lives a minute at most and is
        deleted as the worker reads it; the queue entry holds only that key's random token.
        """
        token = self.looks.store.hand_over_secret(password)
        return self.looks.ask_once("unlock", [stored], {"name": stored.name, "secret": token})

    def finish_unlock(self, key: str) -> Upload | None:
        """The unlocked copy, saved, looked at and listed; None while the worker is at it; raises if the password is wrong."""
        answer = self.looks.store.get(key)
        if answer is None:
            if self.looks.waiting([key]):
                return None
            raise PasswordRequired("Unlocking the file took too long.", "Type the password again.")
        self.looks.store.forget(key)
        if not answer.ok:
            raise PasswordRequired(answer.problem, "")
        unlocked = StoredFile(**answer.data)
        if self.mine is not None:
            unlocked = self.mine.reuse(unlocked)
        return self._looked(unlocked)
