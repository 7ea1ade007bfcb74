"""Nothing active in what we hand back: scripts, launching actions and attached files taken out of a PDF.

Every PDF a job lists as a result passes through `make_safe` (`worker/tasks.py` calls it
for each output, and for each PDF inside an output ZIP), whatever tool wrote it; so does a
copy a worker unlocks. What it takes out:

- JavaScript (document-level name tree, actions, form fields' calculate/format/validate
  scripts), every `/AA` ("additional actions": on open, close, focus, key…);
- actions that run or fetch something: `/Launch`, `/ImportData`, `/SubmitForm`, `/GoToR`
  and `/GoToE` (other files), media (`/Rendition`, `/Movie`, `/Sound`, `/RichMediaExecute`),
  and `/URI` actions whose address is not `http:`, `https:` or `mailto:`;
- embedded and attached files (`/EmbeddedFiles`, `/EF`, `/AF`, file-attachment, media and
  3D annotations, portfolios) and XFA forms (`/XFA`, which carry their own scripts).

Plain web links, links inside the document, outlines and fillable fields stay.

Most results have none of it, so the file's bytes are scanned first (`_may_hold_active`):
only a file that names one of these keys, uses object streams or escapes names is parsed
and walked, and only one that really holds something is written again.
"""

from __future__ import annotations

import mmap
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from core.files import atomic_path

# Keys whose values are scripts, attached files or XFA, wherever they appear: removed.
ACTIVE_KEYS = {
    "/JS": "scripts",
    "/JavaScript": "scripts",
    "/AA": "scripts",
    "/XFA": "scripts",
    "/EmbeddedFiles": "attachments",
    "/EmbeddedFile": "attachments",
    "/EF": "attachments",
    "/RF": "attachments",
    "/AF": "attachments",
    "/Collection": "attachments",
}
# Action types (the `/S` of an action) that run or fetch something.
ACTIVE_ACTIONS = {
    "/JavaScript": "scripts",
    "/Launch": "programs",
    "/ImportData": "programs",
    "/SubmitForm": "programs",
    "/GoToR": "programs",
    "/GoToE": "attachments",
    "/Rendition": "media",
    "/Movie": "media",
    "/Sound": "media",
    "/RichMediaExecute": "media",
}
# Annotations that hold a file or a player: taken out of their page's `/Annots`.
ACTIVE_ANNOTATIONS = {
    "/FileAttachment": "attachments",
    "/RichMedia": "media",
    "/Movie": "media",
    "/Sound": "media",
    "/Screen": "media",
    "/3D": "media",
}
# Chains of objects left without a referrer are rarely deeper than three (annotation → file
# specification → file); beyond this, what is left is unreachable, and no reader acts on it.
MAX_ORPHAN_PASSES = 8
# Keys that hold one action (or, for /Next, one or several).
ACTION_KEYS = ("/A", "/OpenAction", "/PA", "/Next")
SAFE_URI = re.compile(r"(https?://|mailto:)", re.IGNORECASE)
# Browsers ignore these inside a scheme ("java\tscript:"), so an address is judged without them.
IGNORED_IN_URI = re.compile(r"[\x00-\x20\x7f]")

# The names whose presence in a file's bytes calls for a look at its objects. A name
# written with # escapes (/J#53 is /JS) or objects packed in object streams hide from the
# scan, so those always call for it too.
_TRIGGER = re.compile(
    rb"/(?:"
    + b"|".join(
        re.escape(name[1:].encode())
        for name in sorted(
            {*ACTIVE_KEYS, *ACTIVE_ACTIONS, *ACTIVE_ANNOTATIONS, "/ObjStm"}, key=len, reverse=True
        )
    )
    + rb")(?![A-Za-z0-9_.+-])"
    + rb"|/(?:(?![/<>\[\]()%{}])[!-~])*#[0-9A-Fa-f]{2}"
)
# Where a stream's data starts and ends: the scan skips it (compressed bytes match anything).
# Our writers escape ">" and line breaks inside strings, so this only ever starts a real stream.
_STREAM_START = re.compile(rb">>\s*stream\r?\n")
_STREAM_END = b"endstream"
# A /URI key followed by a plain web or mail address, or by another name (it was the /S /URI
# type itself): harmless. Any other /URI (a hex string, an escape, another scheme) is looked at.
_URI = re.compile(rb"/URI(?![A-Za-z0-9_.+-])")
_AFTER_URI = re.compile(
    rb"\s*(?:(?P<name>/|>>)|\((?P<literal>(?:[^\\)]|\\.){0,80})|<(?P<hex>[0-9A-Fa-f\s]{0,160}))", re.S
)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)


def _harmless_uri(data: mmap.mmap, position: int) -> bool:
    """Whether what follows a /URI name at `position` is another name or a web or mail address."""
    found = _AFTER_URI.match(data, position)
    if found is None:
        return False
    if found["name"]:
        return True
    if found["literal"] is not None:
        text = _ESCAPE.sub(
            lambda e: bytes([int(e[1], 8) & 0xFF]) if e[1][:1].isdigit() else e[1], found["literal"]
        )
    else:
        digits = re.sub(rb"\s", b"", found["hex"])
        text = bytes.fromhex((digits[: len(digits) // 2 * 2]).decode())
    return bool(SAFE_URI.match(IGNORED_IN_URI.sub("", text.decode("latin-1"))))


DESCRIPTIONS = {
    "scripts": "scripts",
    "programs": "links that start programs, open other files or send data",
    "attachments": "attached files",
    "media": "media players",
}


def _may_hold_active(path: Path) -> bool:
    """Whether the file's bytes could hold anything `make_safe` removes (False: it holds none)."""
    with path.open("rb") as fh:
        if path.stat().st_size == 0:
            return False
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return any(_names_active(data, start, end) for start, end in _outside_streams(data))


def _outside_streams(data: mmap.mmap) -> list[tuple[int, int]]:
    """The spans of the file that are not stream data: dictionaries, arrays, strings, the trailer."""
    spans, position = [], 0
    while found := _STREAM_START.search(data, position):
        spans.append((position, found.end()))
        end = data.find(_STREAM_END, found.end())
        if end < 0:
            return spans  # a stream that never ends: the rest is its data
        position = end
    spans.append((position, len(data)))
    return spans


def _names_active(data: mmap.mmap, start: int, end: int) -> bool:
    if _TRIGGER.search(data, start, end):
        return True
    return any(not _harmless_uri(data, m.end()) for m in _URI.finditer(data, start, end))


def _action_problem(action: PdfObject) -> str:
    """What kind of active content an action dictionary is ("" when harmless)."""
    if not isinstance(action, DictionaryObject):
        return ""
    kind = action.get("/S")
    if kind in ACTIVE_ACTIONS:
        return ACTIVE_ACTIONS[kind]
    if kind == "/URI":
        uri = action.get("/URI")
        text = uri.get_object() if isinstance(uri, IndirectObject) else uri
        if isinstance(text, bytes):
            text = text.decode("latin-1")
        if not isinstance(text, str) or not SAFE_URI.match(IGNORED_IN_URI.sub("", text)):
            return "programs"
    return ""


def _resolved(value: PdfObject) -> PdfObject:
    return value.get_object() if isinstance(value, IndirectObject) else value


def clean_objects(root: PdfObject) -> set[str]:
    """Take active content out of every object reachable from `root`, in place; the kinds removed."""
    removed: set[str] = set()
    seen: set[int] = set()
    stack = [_resolved(root)]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, DictionaryObject):
            for key in list(obj.keys()):
                if key in ACTIVE_KEYS:
                    del obj[key]
                    removed.add(ACTIVE_KEYS[key])
                    continue
                value = _resolved(obj[key])
                if key in ACTION_KEYS:
                    if isinstance(value, ArrayObject):  # /Next may list several actions
                        kept = [item for item in value if not _action_problem(_resolved(item))]
                        removed.update(_action_problem(_resolved(i)) for i in value if i not in kept)
                        value = ArrayObject(kept)
                        obj[NameObject(key)] = value
                    elif problem := _action_problem(value):
                        del obj[key]
                        removed.add(problem)
                        continue
                if key == "/Annots" and isinstance(value, ArrayObject):
                    kept = []
                    for item in value:
                        subtype = (
                            _resolved(item).get("/Subtype") if isinstance(_resolved(item), dict) else None
                        )
                        if subtype in ACTIVE_ANNOTATIONS:
                            removed.add(ACTIVE_ANNOTATIONS[subtype])
                        else:
                            kept.append(item)
                    if len(kept) != len(value):
                        value = ArrayObject(kept)
                        obj[NameObject(key)] = value
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(_resolved(item) for item in obj)
    return removed


def clean_writer(writer: PdfWriter) -> set[str]:
    """`clean_objects` for a document about to be written; what it found is left out of the file."""
    removed = clean_objects(writer.root_object)  # a reader acts on nothing else (the Info holds text)
    if removed:
        # Objects no longer reachable (a removed script, an attachment's stream) are not written
        # either. pypdf drops objects nothing refers to, one layer per pass (an orphaned
        # annotation still refers to its file): so until no more go.
        for _ in range(MAX_ORPHAN_PASSES):
            before = sum(obj is not None for obj in writer._objects)
            writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
            if sum(obj is not None for obj in writer._objects) == before:
                break
    return removed


def make_safe(path: Path) -> list[str]:
    """Remove scripts, launching actions and attached files from the PDF at `path`, in place.

    Returns what was removed, in words ("scripts", "attached files"…); empty when the file
    held none, and then it is not written again.
    """
    if not _may_hold_active(path):
        return []
    reader = PdfReader(path)
    if reader.is_encrypted:  # we never hand back a locked file; its own check refused it
        return []
    writer = PdfWriter(clone_from=reader)
    removed = clean_writer(writer)
    if not removed:
        return []
    with atomic_path(path) as tmp, tmp.open("wb") as out:
        writer.write(out)
    return [DESCRIPTIONS[kind] for kind in DESCRIPTIONS if kind in removed]


def removed_note(name: str, removed: list[str]) -> str:
    """The sentence on the job card for a result that had active content taken out."""
    listed = removed[0] if len(removed) == 1 else ", ".join(removed[:-1]) + " and " + removed[-1]
    return f"{listed[0].upper()}{listed[1:]} inside {name} were removed, for safety. The pages look the same."


def make_safe_zip(path: Path) -> tuple[int, list[str]]:
    """`make_safe` for each PDF inside the ZIP at `path`, rewritten in place if any changed.

    Returns how many of its PDFs had something removed, and what (in words).
    """
    changed: dict[str, Path] = {}
    removed: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="tp-safe-") as folder, zipfile.ZipFile(path) as archive:
        for number, info in enumerate(archive.infolist()):
            if info.is_dir() or not info.filename.lower().endswith(".pdf"):
                continue
            copy = Path(folder) / f"{number:05d}.pdf"
            with archive.open(info) as member, copy.open("wb") as out:
                shutil.copyfileobj(member, out)
            if found := make_safe(copy):
                changed[info.filename] = copy
                removed.update(found)
            else:
                copy.unlink()
        if changed:
            with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as rewritten:
                for info in archive.infolist():
                    if info.filename in changed:
                        rewritten.write(changed[info.filename], info.filename)
                    else:
                        with archive.open(info) as member, rewritten.open(info, "w") as out:
                            shutil.copyfileobj(member, out)
    order = list(DESCRIPTIONS.values())
    return len(changed), sorted(removed, key=order.index)
