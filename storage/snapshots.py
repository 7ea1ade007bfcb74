"""A copy on the volume of what lives only in Redis besides the job records: presets and My files.

Job records have a manifest each; presets and the index of each teacher's uploads had nothing,
so a Redis that came back empty lost them. Every change to them counts up a version
(`changed`); the workers' sweep writes `DATA_DIR/library.json` whenever the version moved
(`save_if_changed`), and when Redis comes back empty, puts back every key it holds (`restore`).
The copy is at most one sweep interval (SWEEP_INTERVAL) behind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import redis

from core.files import atomic_write_bytes
from storage.files import FileStore
from storage.jobs import KEY_PREFIX

VERSION_KEY = f"{KEY_PREFIX}library:version"
# The version the copy on the volume holds: compared in Redis, so that a sweep with nothing new
# reads no file.
SAVED_KEY = f"{KEY_PREFIX}library:saved"
SNAPSHOT = "library.json"


def changed(conn: redis.Redis | redis.client.Pipeline) -> None:
    """Note that presets or the upload index changed (the next sweep copies them)."""
    conn.incr(VERSION_KEY)


def _path(files: FileStore) -> Path:
    return files.root / SNAPSHOT


def save_if_changed(conn: redis.Redis, files: FileStore) -> bool:
    """Write the copy if anything changed since the last one; whether it wrote."""
    version, saved = (int(v or 0) for v in conn.mget(VERSION_KEY, SAVED_KEY))
    if version == 0 or version == saved:
        return False  # nothing new (a Redis just emptied has version 0: never copied over the old copy)
    path = _path(files)
    from storage import presets, upload_index  # they import `changed` from here

    keys: dict[str, Any] = {}
    for pattern in (*presets.KEYS_PATTERNS, *upload_index.KEYS_PATTERNS):
        for raw_key in conn.scan_iter(match=pattern, count=500):
            key = raw_key.decode()
            kind = conn.type(key)
            if kind == b"hash":
                keys[key] = {"hash": {k.decode(): v.decode() for k, v in conn.hgetall(key).items()}}
            elif kind == b"zset":
                keys[key] = {"zset": [[m.decode(), s] for m, s in conn.zrange(key, 0, -1, withscores=True)]}
    data = json.dumps({"version": version, "keys": keys}, ensure_ascii=False).encode()
    atomic_write_bytes(path, data, durable=False)
    conn.set(SAVED_KEY, version)
    return True


def restore(conn: redis.Redis, files: FileStore) -> int:
    """Put back every key of the copy that Redis does not hold; how many."""
    path = _path(files)
    try:
        snapshot = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return 0
    restored = 0
    for key, value in snapshot.get("keys", {}).items():
        if conn.exists(key):
            continue
        if value.get("hash"):
            conn.hset(key, mapping=value["hash"])
        elif value.get("zset"):
            conn.zadd(key, {member: score for member, score in value["zset"]})
        else:
            continue
        restored += 1
    conn.mset({VERSION_KEY: snapshot.get("version", 0), SAVED_KEY: snapshot.get("version", 0)})
    return restored
