"""Answers of looks inside uploaded files (counts, checks, previews), kept by what they depend on.

A look is background work a page asks for before the button (open a PDF, count its
pages, draw the first sheet). Its answer depends only on the look's name, the content of
the files (their SHA-256 and type) and the options, so it is kept under a key made of
those: a rerun, a second teacher with the same file and options, and the job itself find it.

Keys (under `tp:`):

- `tp:look:<key>` — the answer as JSON, kept `LOOK_KEEP_S` (an early one while the look goes on);
- `tp:look:wait:<key>` — set while a look is queued or running, so that it is queued once;
- `tp:secret:<token>` — a password on its way to the worker that unlocks a PDF: kept seconds,
  deleted by the worker as it reads it (`GETDEL`), never in a queue entry or a record.

Pictures and tables (`blob`) are files under `DATA_DIR/looks/`, not in Redis: Redis holds
records and the queue within a memory limit.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import redis

from core.files import atomic_write_bytes
from storage.config import Config
from storage.files import FileStore
from storage.jobs import KEY_PREFIX

# How long an answer is kept: the length of a teacher's working session, give or take.
LOOK_KEEP_S = 6 * 3600
# How long a password may wait in Redis for the worker that unlocks the file.
SECRET_KEEP_S = 60


def answer_key(key: str) -> str:
    return f"{KEY_PREFIX}look:{key}"


def wait_key(key: str) -> str:
    return f"{KEY_PREFIX}look:wait:{key}"


def secret_key(token: str) -> str:
    return f"{KEY_PREFIX}secret:{token}"


def look_key(name: str, contents: list[str], params: dict[str, Any]) -> str:
    """The key of a look: its name, the files' contents (SHA-256 and type) and its options."""
    text = json.dumps([name, contents, params], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def content_of(sha256: str, name: str) -> str:
    """What a look's answer depends on for one file: its content and the name it is shown by."""
    return f"{sha256}:{name}"


def key_under(config: Config, name: str, contents: list[str], params: dict[str, Any]) -> str:
    """`look_key` under the limits in force: the limits an IT person sets change what a look
    may refuse, so a new limit means a new look. The pages and the job's steps both use it."""
    limits = [config.max_upload_mb, config.sheet_max_rows, config.sheet_max_columns]
    return look_key(name, contents, {**params, "_limits": limits})


@dataclass(frozen=True)
class Answer:
    """What a look found: its data, or the problem in a teacher's words (with details for IT)."""

    data: Any = None
    problem: str = ""
    details: str = ""
    key: str = ""  # the error's key when there is a problem (e.g. "limit_exceeded")
    blob: str = ""  # file store reference of a picture or table the look made
    seconds: float = 0.0
    # False for an early answer a look gives while it goes on (a long PDF's pages counted
    # before its full check): the page shows it and keeps waiting for the final one.
    final: bool = True

    @property
    def ok(self) -> bool:
        return not self.problem

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Answer:
        data = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class LookStore:
    """The answers of looks, their waiting marks, their pictures, and passwords in passing."""

    def __init__(self, conn: redis.Redis, files: FileStore) -> None:
        self.conn = conn
        self.files = files

    def get(self, key: str) -> Answer | None:
        raw = self.conn.get(answer_key(key))
        return Answer.from_json(raw) if raw else None

    def put(self, key: str, answer: Answer) -> None:
        pipe = self.conn.pipeline()
        pipe.set(answer_key(key), answer.to_json(), ex=LOOK_KEEP_S)
        pipe.delete(wait_key(key))
        pipe.execute()

    def put_early(self, key: str, answer: Answer) -> None:
        """Store an early answer; the look stays marked as running until `put` stores the final one."""
        self.conn.set(answer_key(key), replace(answer, final=False).to_json(), ex=LOOK_KEEP_S)

    def claim(self, key: str, ttl: int) -> bool:
        """True for the one caller that should queue this look (none is queued or running)."""
        return bool(self.conn.set(wait_key(key), str(time.time()), nx=True, ex=ttl))

    def waiting(self, key: str) -> bool:
        return bool(self.conn.exists(wait_key(key)))

    def forget(self, key: str) -> None:
        self.conn.delete(answer_key(key), wait_key(key))

    def blob_path(self, key: str, suffix: str) -> Path:
        return self.files.root / "looks" / key[:2] / f"{key}{suffix}"

    def save_blob(self, key: str, suffix: str, data: bytes) -> str:
        path = self.blob_path(key, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data, durable=False)
        return self.files.ref(path)

    def read_blob(self, answer: Answer) -> bytes | None:
        """The picture or table of an answer; None when the clean-up removed it (look again)."""
        if not answer.blob:
            return None
        try:
            return self.files.resolve(answer.blob).read_bytes()
        except (OSError, ValueError):
            return None

    def remove_old_blobs(self, cutoff: float) -> int:
        """Delete pictures and tables last written before `cutoff`; how many were removed."""
        removed = 0
        for path in (self.files.root / "looks").glob("*/*"):
            try:
                if path.is_dir():  # the page pictures of converted PDFs, a folder each
                    for folder in path.iterdir():
                        if folder.stat().st_mtime < cutoff:
                            shutil.rmtree(folder, ignore_errors=True)
                            removed += 1
                elif path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def hand_over_secret(self, value: str) -> str:
        """Keep a password for the worker for a few seconds; the token that fetches it once."""
        token = secrets.token_urlsafe(18)
        self.conn.set(secret_key(token), value, ex=SECRET_KEEP_S)
        return token

    def take_secret(self, token: str) -> str | None:
        """The password behind a token, deleted as it is read; None if it expired or was taken."""
        raw = self.conn.getdel(secret_key(token))
        if raw is None:
            return None
        return raw.decode() if isinstance(raw, bytes) else raw
