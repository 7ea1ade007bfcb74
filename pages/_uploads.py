"""The upload step every tool page shares: save once, look inside, unlock protected PDFs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from storage.config import Config
from storage.files import FileStore, StoredFile
from worker.errors import TeacherPrinterError
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
    """Draw the uploader; return each file saved in the store (once per file) with a look inside."""
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
    saved: dict[str, StoredFile] = st.session_state.setdefault(f"{key}__saved", {})
    store = FileStore(config)
    uploads = []
    for file in files:
        if file.file_id not in saved:
            try:
                saved[file.file_id] = store.save_upload(file, file.name)
            except TeacherPrinterError as exc:
                st.error(exc.for_teacher(), icon=":material/error:")
                continue
        stored = saved[file.file_id]
        info = _look(config, stored.ref, stored.name, str(config.data_dir), describe.__name__, describe)
        if info.needs_password:
            stored, info = _unlock_form(config, key, file.file_id, stored, info, saved)
        uploads.append(Upload(stored, info))
    return uploads


def _unlock_form(
    config: Config, key: str, file_id: str, stored: StoredFile, info: UploadInfo, saved: dict[str, StoredFile]
) -> tuple[StoredFile, UploadInfo]:
    with st.container(border=True):
        st.warning(
            f"**{stored.name}** is protected by a password. Type the password to use it, or save an "
            "unprotected copy on your computer (Print → Save as PDF) and upload that.",
            icon=":material/lock:",
        )
        password = st.text_input("Password", type="password", key=f"{key}__pw__{file_id}")
        if st.button("Unlock", key=f"{key}__unlock__{file_id}") and password:
            try:
                unlocked = unlock_upload(config, stored.ref, stored.name, password)
            except TeacherPrinterError:
                st.error("That password did not open the file. Check it and try again.")
            else:
                saved[file_id] = unlocked
                info = describe_upload(config, unlocked.ref, unlocked.name)
                return unlocked, info
    return stored, info
