"""A teacher's own things besides jobs: saved presets, and the files they uploaded ("My files").

Pages call only these classes (and `services.control.Jobs`); every method may raise
ServiceUnavailable when Redis cannot be reached, except `MyFiles.save`, `reuse` and `keep`,
which keep the upload on the volume even then (it is just not listed).
"""

from __future__ import annotations

import contextlib
import time
from typing import BinaryIO

import redis

from core.errors import NotAllowed, ServiceUnavailable
from services.reachable import reachable
from services.uploads import UploadInfo
from storage.config import Config, load_config
from storage.files import FileStore, StoredFile, upload_id_of
from storage.jobs import JobRecord, JobStore, Status
from storage.presets import ImportResult, Preset, PresetStore
from storage.redis_conn import get_redis
from storage.upload_index import UploadEntry, UploadIndex
from worker.pipelines import OPTION_TYPES, PIPELINES, preset_options

# Jobs in these states may still read their inputs: running now, or later when retried.
NEEDS_INPUTS = (Status.QUEUED, Status.RUNNING, Status.FAILED, Status.CANCELED)
MAX_LISTED = 50


class Presets:
    """Saved options for the tool pages: each teacher's own, and the school-wide ones."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or load_config()
        self.store = PresetStore(get_redis(self.config), preset_options)

    def for_kind(self, kind: str, owner: str) -> list[Preset]:
        """The owner's presets for one tool, and the shared ones, by name."""
        with reachable():
            return self.store.list_for(owner, kind)

    def get(self, preset_id: str, owner: str) -> Preset | None:
        with reachable():
            return self.store.get(preset_id, owner)

    def save(self, kind: str, name: str, options: dict, owner: str, shared: bool = False) -> Preset:
        """Check the options as the job would, then save them under the name."""
        with reachable():
            return self.store.save(kind, name, options, owner, shared)

    def delete(self, preset_id: str, owner: str, may_share: bool) -> None:
        with reachable():
            self.store.delete(preset_id, owner, may_share)

    def export(self, kind: str, owner: str) -> bytes:
        """The owner's presets for one tool (with the shared ones) as a small JSON file."""
        return PresetStore.export_json(self.for_kind(kind, owner))

    def import_file(self, data: bytes, owner: str) -> ImportResult:
        """Save every usable preset of a file as the owner's own."""
        kinds = {kind: PIPELINES[kind].label for kind in OPTION_TYPES}
        with reachable():
            return self.store.import_json(data, owner, kinds)


class MyFiles:
    """One teacher's uploads: saved once per content, listed newest first, deleted when unused."""

    def __init__(self, config: Config | None, owner: str) -> None:
        self.config = config or load_config()
        self.owner = owner
        self.files = FileStore(self.config)
        conn = get_redis(self.config)
        self.index = UploadIndex(conn)
        self.jobs = JobStore(conn, self.files)

    # -- adding ---------------------------------------------------------------------
    # A file is stored when it arrives, but listed only once it passed its check (`keep`): an
    # empty file, a picture named .pdf or a locked workbook is never offered to pick again.
    def save(self, stream: BinaryIO, name: str) -> StoredFile:
        """Store an upload, hashing it as it streams in; the owner's kept copy is reused if the same."""
        return self.reuse(self.files.save_upload(stream, name))

    def reuse(self, stored: StoredFile) -> StoredFile:
        """The owner's kept copy of the same file (same content and type) under this name, if any; else `stored`.

        The kept entry keeps its first name and notes this one beside it: nothing is renamed.
        """
        try:
            existing = self.index.find(self.owner, stored.sha256, stored.name) if stored.sha256 else None
            if existing is None or existing.ref == stored.ref:
                return stored
            if not existing.usable or not self.files.upload_kept(existing.ref):
                self.index.forget(existing.id)
                return stored
            self.index.touch(existing.id, name=stored.name)
            self.files.touch_upload(existing.ref)
            self.files.delete_upload(stored.ref)
            return existing.stored(stored.name)
        except redis.RedisError:
            return stored  # the file is safe on the volume; it is only missing from "My files"

    def keep(self, stored: StoredFile, info: UploadInfo) -> None:
        """After its check: list a file that passed, with what is in it; leave out one that did not. Never raises.

        A locked PDF is left out too: its unlocked copy is the one kept. A file left out stays on
        the volume for the page that holds it; the clean-up removes it a day later unless a job refers to it.
        """
        upload_id = upload_id_of(stored.ref)
        if upload_id is None:
            return
        with contextlib.suppress(redis.RedisError):
            entry = self.index.get(upload_id)
            if entry is not None and entry.owner != self.owner:
                return
            if not info.usable:
                if entry is not None:
                    self.index.forget(upload_id)
                return
            pages = len(info.members) if info.kind == "zip" else info.pages
            rows = info.rows if info.kind == "sheet" else None
            if entry is not None:
                self.index.describe(upload_id, info.kind, pages, rows)
                return
            now = time.time()
            # Should the same file be kept at this moment from another page, the first one stays listed.
            self.index.add(
                UploadEntry(
                    upload_id,
                    stored.ref,
                    stored.name,
                    stored.size,
                    stored.sha256,
                    self.owner,
                    now,
                    now,
                    kind=info.kind,
                    pages=pages,
                    rows=rows,
                )
            )

    # -- listing --------------------------------------------------------------------
    def recent(self, suffixes: list[str] | None = None, limit: int = MAX_LISTED) -> list[UploadEntry]:
        """The owner's usable files still on the server, last used first (of these file types, if given)."""
        wanted = {s.lower().lstrip(".") for s in suffixes or []}
        found = []
        with reachable():
            for entry in self.index.list(self.owner, limit=limit * 2):
                if not self.files.upload_kept(entry.ref):
                    self.index.forget(entry.id)  # removed by the clean-up: no longer listed
                    continue
                if not entry.usable:
                    self.index.forget(entry.id)  # listed before files were checked, and failed
                    continue
                if wanted and entry.suffix not in wanted:
                    continue
                found.append(entry)
        return found[:limit]

    # -- deleting -------------------------------------------------------------------
    def needed_by(self, ref: str) -> list[JobRecord]:
        """Jobs that may still read this file: waiting, running, or failed or canceled (Retry)."""
        with reachable():
            page = self.jobs.list(None, limit=1_000_000, statuses=NEEDS_INPUTS)
        return [r for r in page.records if any(item.get("ref") == ref for item in r.inputs)]

    def delete(self, upload_id: str) -> UploadEntry:
        """Delete one of the owner's files, unless a job that may still run needs it."""
        with reachable():
            entry = self.index.get(upload_id)
        if entry is None or entry.owner != self.owner:
            raise NotAllowed("That file is not in your files any more.")
        needing = self.needed_by(entry.ref)
        if needing:
            titles = ", ".join(f"“{r.title}”" for r in needing[:3]) + (" …" if len(needing) > 3 else "")
            raise NotAllowed(
                f"“{entry.name}” cannot be deleted yet: {titles} still "
                + ("needs" if len(needing) == 1 else "need")
                + " it (waiting, running, or ready to be tried again).",
                "Let the job finish, or delete it on the Jobs page, then delete the file.",
            )
        self.files.delete_upload(entry.ref)
        with reachable():
            self.index.forget(upload_id)
        return entry


def try_my_files(config: Config, owner: str) -> MyFiles | None:
    """MyFiles, or None when the job service is not configured at all."""
    try:
        return MyFiles(config, owner)
    except ServiceUnavailable:
        return None
