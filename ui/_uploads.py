"""The upload step every tool page shares: save once, pick from "My files", look inside, unlock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from storage.config import Config
from storage.files import FileStore, StoredFile, upload_id_of
from ui._myfiles import my_files, pick_step
from worker.errors import TeacherPrinterError
from worker.library import MyFiles
from worker.uploads import UploadInfo, describe_upload, unlock_upload


@dataclass(frozen=True)
class Upload:
    stored: StoredFile
    info: UploadInfo


Describe = Callable[[Config, str, str], UploadInfo]


@st.cache_data(show_spinner=False, max_entries=1000)
def _look(_config: Config, ref: str, name: str, data_dir: str, how: str, _describe: Describe) -> UploadInfo:
    return _describe(_config, ref, name)


def upload_step(
    config: Config,
    key: str,
    label: str,
    types: list[str],
    multiple: bool = True,
    describe: Describe = describe_upload,
) -> list[Upload]:
    """Draw the uploader and the "My files" picker; return each file (saved once) with a look inside.

    Uploaded files come first, then the picked ones; a file given both ways counts once.
    """
    files = st.file_uploader(
        label,
        type=types,
        accept_multiple_files=multiple,
        key=key,
        max_upload_size=config.max_upload_mb,
        help=f"Up to {config.max_upload_mb} MB each.",
    )
    if files is None:
        files = []
    elif not isinstance(files, list):
        files = [files]
    mine = my_files(config)
    saved: dict[str, StoredFile] = st.session_state.setdefault(f"{key}__saved", {})
    store = FileStore(config)
    chosen: list[tuple[str, StoredFile, bool]] = []
    for file in files:
        new = file.file_id not in saved
        if new:
            try:
                saved[file.file_id] = (
                    mine.save(file, file.name) if mine else store.save_upload(file, file.name)
                )
            except TeacherPrinterError as exc:
                st.error(exc.for_teacher(), icon=":material/error:")
                continue
        chosen.append((file.file_id, saved[file.file_id], new))
    # Below the uploader: the teacher's earlier files, without those just uploaded here.
    picked = pick_step(mine, key, types, multiple, besides={stored.ref for _, stored, _ in chosen})
    for stored in picked:
        slot = f"pick:{upload_id_of(stored.ref)}"
        chosen.append((slot, saved.get(slot, stored), False))
    uploads = []
    seen: set[str] = set()
    for slot, stored, new in chosen:
        if stored.ref in seen:
            continue
        seen.add(stored.ref)
        info = _look(config, stored.ref, stored.name, str(config.data_dir), describe.__name__, describe)
        if new and mine is not None:
            mine.keep(stored, info)  # listed only if it passed its check (a locked PDF: its unlocked copy)
        if info.needs_password:
            stored, info = _unlock_form(config, key, slot, stored, info, saved, mine)
        uploads.append(Upload(stored, info))
    return uploads


def _unlock_form(
    config: Config,
    key: str,
    slot: str,
    stored: StoredFile,
    info: UploadInfo,
    saved: dict[str, StoredFile],
    mine: MyFiles | None,
) -> tuple[StoredFile, UploadInfo]:
    widget = slot.replace(":", "-")
    with st.container(border=True):
        st.warning(
            f"**{stored.name}** is protected by a password. Type the password to use it, or save an "
            "unprotected copy on your computer (Print → Save as PDF) and upload that.",
            icon=":material/lock:",
        )
        password = st.text_input("Password", type="password", key=f"{key}__pw__{widget}")
        if st.button("Unlock", key=f"{key}__unlock__{widget}") and password:
            try:
                unlocked = unlock_upload(config, stored.ref, stored.name, password)
            except TeacherPrinterError:
                st.error("That password did not open the file. Check it and try again.")
            else:
                if mine is not None:
                    unlocked = mine.reuse(unlocked)
                saved[slot] = unlocked
                info = describe_upload(config, unlocked.ref, unlocked.name)
                if mine is not None:
                    mine.keep(unlocked, info)
                return unlocked, info
    return stored, info
