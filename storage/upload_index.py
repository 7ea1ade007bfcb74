"""The index of each teacher's uploads: what "My files" lists, and how a second copy is found.

Keys (beside the job records, under `tp:`):

- `tp:uploads` — sorted set of every indexed upload id, by last use (the clean-up walks it);
- `tp:uploads:by:<owner>` — sorted set of one owner's upload ids, by last use (newest first);
- `tp:uploads:sha:<owner>` — hash from the SHA-256 of a file's content and its type (`<sha>.pdf`)
  to the upload id that holds it, so the same file uploaded twice by one owner is stored once
  (the same bytes named .csv and .pdf are two files to the tools: one may pass its check, one not);
- `tp:upload:<id>` — hash of what the list shows (name, the other names it was uploaded under,
  size, pages or rows, times).

The files themselves stay in the file store (`uploads/<id>/<name>`); an entry whose file is
gone (retention, a deleted folder) is dropped when the list or the clean-up meets it.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

import redis

from storage.files import FileStore, StoredFile, upload_id_of
from storage.jobs import KEY_PREFIX
from storage.snapshots import changed

ALL_KEY = f"{KEY_PREFIX}uploads"
# Every key of the index (storage/snapshots.py copies them to the volume).
KEYS_PATTERNS = (ALL_KEY, f"{KEY_PREFIX}uploads:*", f"{KEY_PREFIX}upload:*")


def owner_key(owner: str) -> str:
    return f"{KEY_PREFIX}uploads:by:{owner}"


def sha_key(owner: str) -> str:
    return f"{KEY_PREFIX}uploads:sha:{owner}"


def entry_key(upload_id: str) -> str:
    return f"{KEY_PREFIX}upload:{upload_id}"


def suffix_of(name: str) -> str:
    """The file type a name says, as the upload pickers filter on it: "pdf", "csv", or ""."""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def content_field(sha256: str, name: str) -> str:
    """The field of the owner's content hash for this content under a name of this type."""
    return f"{sha256}.{suffix_of(name)}"


@dataclass(frozen=True)
class UploadEntry:
    """One uploaded file as "My files" shows it."""

    id: str
    ref: str
    name: str
    size: int
    sha256: str
    owner: str
    uploaded_at: float
    used_at: float
    kind: str = ""  # "pdf", "zip" or "sheet"; empty until the file has been looked at
    pages: int | None = None  # pages of a PDF, PDFs in a ZIP, sheets of a workbook
    rows: int | None = None  # rows of a spreadsheet
    also: tuple[str, ...] = ()  # other names the same file was uploaded under, oldest first

    @property
    def suffix(self) -> str:
        return suffix_of(self.name)

    @property
    def usable(self) -> bool:
        """Whether it passed its check (entries listed before checks were required may not have)."""
        return bool(self.kind and self.pages)

    def stored(self, name: str | None = None) -> StoredFile:
        """The file as the pages and jobs refer to it."""
        return StoredFile(self.ref, name or self.name, self.size, self.sha256)

    def to_hash(self) -> dict[str, str]:
        values = {k: "" if v is None else str(v) for k, v in asdict(self).items()}
        return {**values, "also": json.dumps(list(self.also), ensure_ascii=False)}

    @classmethod
    def from_hash(cls, raw: dict[bytes, bytes]) -> UploadEntry | None:
        data = {k.decode(): v.decode() for k, v in raw.items()}
        try:
            return cls(
                id=data["id"],
                ref=data["ref"],
                name=data["name"],
                size=int(data["size"]),
                sha256=data.get("sha256", ""),
                owner=data["owner"],
                uploaded_at=float(data["uploaded_at"]),
                used_at=float(data.get("used_at") or data["uploaded_at"]),
                kind=data.get("kind", ""),
                pages=int(data["pages"]) if data.get("pages") else None,
                rows=int(data["rows"]) if data.get("rows") else None,
                also=tuple(json.loads(data.get("also") or "[]")),
            )
        except (KeyError, ValueError, TypeError):
            return None


def entry_on_disk(files: FileStore, ref: str, name: str, owner: str = "") -> UploadEntry | None:
    """An entry made from the file itself, for an upload the index does not hold; None if it is gone."""
    upload_id = upload_id_of(ref)
    if upload_id is None or not files.upload_kept(ref):
        return None
    stat = files.resolve(ref).stat()
    return UploadEntry(upload_id, ref, name, stat.st_size, "", owner, stat.st_mtime, stat.st_mtime)


class UploadIndex:
    """The per-owner upload index in Redis; every method may raise redis.RedisError."""

    def __init__(self, conn: redis.Redis) -> None:
        self.conn = conn

    def add(self, entry: UploadEntry) -> UploadEntry:
        """Index a new upload; if its content is already indexed for the owner, return that entry instead."""
        field = content_field(entry.sha256, entry.name)
        if entry.sha256 and not self.conn.hsetnx(sha_key(entry.owner), field, entry.id):
            existing = self.find(entry.owner, entry.sha256, entry.name)
            if existing is not None:
                return existing
            self.conn.hset(sha_key(entry.owner), field, entry.id)
        pipe = self.conn.pipeline()
        pipe.hset(entry_key(entry.id), mapping=entry.to_hash())
        pipe.zadd(owner_key(entry.owner), {entry.id: entry.used_at})
        pipe.zadd(ALL_KEY, {entry.id: entry.used_at})
        changed(pipe)
        pipe.execute()
        return entry

    def holds(self, upload_id: str) -> bool:
        """Whether the upload is in someone's My files."""
        return self.conn.zscore(ALL_KEY, upload_id) is not None

    def get(self, upload_id: str) -> UploadEntry | None:
        raw = self.conn.hgetall(entry_key(upload_id))
        return UploadEntry.from_hash(raw) if raw else None

    def find(self, owner: str, sha256: str, name: str) -> UploadEntry | None:
        """The owner's upload with this content and type (the name's suffix), if the index holds one."""
        for field in (content_field(sha256, name), sha256):  # the second as indexed before types counted
            upload_id = self.conn.hget(sha_key(owner), field)
            if upload_id is None:
                continue
            entry = self.get(upload_id.decode())
            if entry is None or entry.owner != owner:
                self.conn.hdel(sha_key(owner), field)
            elif entry.suffix == suffix_of(name):
                return entry
        return None

    def list(self, owner: str, limit: int = 50) -> list[UploadEntry]:
        """The owner's uploads, last used first (without checking the files are still there)."""
        ids = [i.decode() for i in self.conn.zrevrange(owner_key(owner), 0, limit - 1)]
        pipe = self.conn.pipeline(transaction=False)
        for upload_id in ids:
            pipe.hgetall(entry_key(upload_id))
        entries = []
        for upload_id, raw in zip(ids, pipe.execute(), strict=True):
            entry = UploadEntry.from_hash(raw) if raw else None
            if entry is None:
                self.conn.zrem(owner_key(owner), upload_id)
                continue
            entries.append(entry)
        return entries

    def touch(self, upload_id: str, name: str | None = None, when: float | None = None) -> None:
        """Mark an indexed upload as used now (noting a name it was uploaded under, if new to it)."""
        entry = self.get(upload_id)
        if entry is None:
            return
        when = time.time() if when is None else when
        values = {"used_at": str(when)}
        if name and name != entry.name and name not in entry.also:
            values["also"] = json.dumps([*entry.also, name], ensure_ascii=False)
        pipe = self.conn.pipeline()
        pipe.hset(entry_key(upload_id), mapping=values)
        pipe.zadd(owner_key(entry.owner), {upload_id: when}, xx=True)
        pipe.zadd(ALL_KEY, {upload_id: when}, xx=True)
        changed(pipe)
        pipe.execute()

    def describe(self, upload_id: str, kind: str, pages: int | None, rows: int | None) -> None:
        """Record what is in the file (kind, pages or rows) once it has been looked at."""
        if self.conn.exists(entry_key(upload_id)):
            values = {"kind": kind, "pages": "" if pages is None else str(pages)}
            values["rows"] = "" if rows is None else str(rows)
            self.conn.hset(entry_key(upload_id), mapping=values)
            changed(self.conn)

    def forget(self, upload_id: str) -> None:
        """Drop an upload from the index (the file itself is the file store's business)."""
        entry = self.get(upload_id)
        pipe = self.conn.pipeline()
        pipe.delete(entry_key(upload_id))
        pipe.zrem(ALL_KEY, upload_id)
        if entry is not None:
            pipe.zrem(owner_key(entry.owner), upload_id)
        changed(pipe)
        pipe.execute()
        if entry is None or not entry.sha256:
            return
        for field in (content_field(entry.sha256, entry.name), entry.sha256):
            if self.conn.hget(sha_key(entry.owner), field) == upload_id.encode():
                self.conn.hdel(sha_key(entry.owner), field)

    def forget_missing(self, files: FileStore) -> int:
        """Drop every entry whose file is gone from the volume; returns how many were dropped."""
        dropped = 0
        for raw in self.conn.zrange(ALL_KEY, 0, -1):
            upload_id = raw.decode()
            entry = self.get(upload_id)
            if entry is None or not files.upload_kept(entry.ref):
                self.forget(upload_id)
                dropped += 1
        return dropped
