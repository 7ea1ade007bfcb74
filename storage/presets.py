"""Presets: a teacher's saved options for a tool ("A5 booklet"), kept beside the job records.

Keys (under `tp:`): `tp:presets:own:<owner>` and `tp:presets:shared` (the school-wide ones
an admin shares), each a hash from preset id to the preset as JSON. A preset holds the same
options a page passes to submit, checked by the kind's own options record (a `validate`
function given to the store, so that storage does not depend on the job kinds).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import redis

from core.errors import BadPreset, BadPresetFile, LimitExceeded, NotAllowed, TeacherPrinterError
from storage.files import new_id
from storage.jobs import KEY_PREFIX
from storage.snapshots import changed

SHARED_KEY = f"{KEY_PREFIX}presets:shared"
# Every key of the presets (storage/snapshots.py copies them to the volume).
KEYS_PATTERNS = (f"{KEY_PREFIX}presets:*",)
FILE_FORMAT = "teacher-printer-presets"
FILE_VERSION = 1
MAX_NAME_CHARS = 60
MAX_PRESETS_PER_OWNER = 200
MAX_FILE_BYTES = 256 * 1024

# Checks a kind's options and returns them as plain JSON; raises TeacherPrinterError if unusable.
Validate = Callable[[str, dict[str, Any]], dict[str, Any]]


def own_key(owner: str) -> str:
    return f"{KEY_PREFIX}presets:own:{owner}"


@dataclass(frozen=True)
class Preset:
    """Options saved under a name, for one kind of job; `shared` ones are visible to everyone."""

    id: str
    kind: str
    name: str
    options: dict[str, Any]
    owner: str
    shared: bool = False
    saved_at: float = field(default_factory=time.time)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Preset:
        return cls(**json.loads(raw))


@dataclass(frozen=True)
class ImportResult:
    """What an import added, and why any preset in the file was left out."""

    saved: list[Preset]
    skipped: list[str]


def clean_name(name: object) -> str:
    """A preset's name on one line, or BadPreset if it is empty or too long."""
    text = " ".join(str(name or "").split()) if isinstance(name, str) else ""
    if not text:
        raise BadPreset("Give the preset a name, for example “A5 booklet”.", "")
    if len(text) > MAX_NAME_CHARS:
        raise BadPreset(f"A preset's name can have up to {MAX_NAME_CHARS} characters.", "")
    return text


class PresetStore:
    """Presets in Redis; reading and writing may raise redis.RedisError."""

    def __init__(self, conn: redis.Redis, validate: Validate) -> None:
        self.conn = conn
        self.validate = validate

    def _all(self, key: str) -> list[Preset]:
        presets = []
        for raw in self.conn.hvals(key):
            try:
                presets.append(Preset.from_json(raw))
            except (ValueError, TypeError):
                continue  # one unreadable entry never hides the others
        return presets

    def list_for(self, owner: str, kind: str | None = None) -> list[Preset]:
        """The owner's own presets and the shared ones (for one kind, if given), by name."""
        found = self._all(own_key(owner)) + self._all(SHARED_KEY)
        found = [p for p in found if kind is None or p.kind == kind]
        return sorted(found, key=lambda p: (p.name.casefold(), p.shared))

    def get(self, preset_id: str, owner: str) -> Preset | None:
        """One preset the owner may use (their own or a shared one)."""
        for key in (own_key(owner), SHARED_KEY):
            raw = self.conn.hget(key, preset_id)
            if raw is not None:
                return Preset.from_json(raw)
        return None

    def save(self, kind: str, name: str, options: dict[str, Any], owner: str, shared: bool = False) -> Preset:
        """Check and save options under a name; a preset of the same name and kind is replaced."""
        name = clean_name(name)
        checked = self.validate(kind, options)
        key = SHARED_KEY if shared else own_key(owner)
        existing = self._all(key)
        same = next((p for p in existing if p.kind == kind and p.name.casefold() == name.casefold()), None)
        if same is None and not shared and len(existing) >= MAX_PRESETS_PER_OWNER:
            raise LimitExceeded(
                f"You have {MAX_PRESETS_PER_OWNER} presets, the most one person can keep.",
                "Delete some you no longer use, then save again.",
            )
        preset = Preset(same.id if same else new_id(), kind, name, checked, owner, shared)
        self.conn.hset(key, preset.id, preset.to_json())
        changed(self.conn)
        return preset

    def delete(self, preset_id: str, owner: str, may_share: bool) -> None:
        """Delete one of the owner's presets, or a shared one if the owner may share."""
        if self.conn.hdel(own_key(owner), preset_id):
            changed(self.conn)
            return
        if self.conn.hexists(SHARED_KEY, preset_id):
            if not may_share:
                raise NotAllowed(
                    "This preset is shared with the whole school; only an administrator can delete it."
                )
            self.conn.hdel(SHARED_KEY, preset_id)
            changed(self.conn)
            return
        raise NotAllowed("That preset does not exist any more.")

    # -- files ----------------------------------------------------------------------
    @staticmethod
    def export_json(presets: list[Preset]) -> bytes:
        """The presets as a small JSON file a teacher can keep or pass to a colleague."""
        document = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "presets": [{"kind": p.kind, "name": p.name, "options": p.options} for p in presets],
        }
        return json.dumps(document, ensure_ascii=False, indent=2).encode()

    def import_json(self, data: bytes, owner: str, kinds: dict[str, str]) -> ImportResult:
        """Save the presets of a file as the owner's own; `kinds` names each kind for messages."""
        if len(data) > MAX_FILE_BYTES:
            raise BadPresetFile(
                f"This file is larger than {MAX_FILE_BYTES // 1024} KB, too large for presets."
            )
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadPresetFile(
                "This file is not a presets file from Teacher Printer: it could not be read."
            ) from exc
        if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
            raise BadPresetFile("This file is not a presets file from Teacher Printer.")
        if document.get("version") != FILE_VERSION:
            raise BadPresetFile(
                "This presets file was made by another version of Teacher Printer, which this one cannot read."
            )
        items = document.get("presets")
        if not isinstance(items, list) or not items:
            raise BadPresetFile("This presets file holds no presets.")
        if len(items) > MAX_PRESETS_PER_OWNER:
            raise BadPresetFile(f"This file holds more than {MAX_PRESETS_PER_OWNER} presets.")
        saved: list[Preset] = []
        skipped: list[str] = []
        for number, item in enumerate(items, start=1):
            label = (
                f"“{item['name']}”"
                if isinstance(item, dict) and isinstance(item.get("name"), str)
                else f"Preset {number}"
            )
            if (
                not isinstance(item, dict)
                or item.get("kind") not in kinds
                or not isinstance(item.get("options"), dict)
            ):
                skipped.append(f"{label} is not for a tool of this app.")
                continue
            try:
                saved.append(self.save(item["kind"], item.get("name"), item["options"], owner))
            except TeacherPrinterError as exc:
                skipped.append(f"{label} ({kinds[item['kind']]}): {exc.message}")
        if not saved:
            raise BadPresetFile("No preset in this file could be used. " + " ".join(skipped))
        return ImportResult(saved, skipped)
