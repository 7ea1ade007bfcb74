"""The upload step every tool page shares: save once, pick from "My files", look inside, unlock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from core.errors import TeacherPrinterError
from services.library import MyFiles
from services.uploads import UploadInfo, describe_upload, unlock_upload
from storage.config import Config
from storage.files import FileStore, StoredFile, upload_id_of
from ui._myfiles import my_files, pick_step


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
        # The browser checks this too; save_upload checks config.max_upload_bytes, the same limit.
        max_upload_size=config.max_upload_mb,
        help=f"Up to {config.max_upload_mb} MB each (1 MB = 1,000,000 bytes).",
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
        # Saved again if the clean-up removed it while the page stayed open: the browser still has it.
        new = file.file_id not in saved or not store.upload_kept(saved[file.file_id].ref)
        if new:
            file.seek(0)
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
        earlier = saved.get(slot)  # its unlocked copy, if it was unlocked here
        chosen.append((slot, earlier if earlier and store.upload_kept(earlier.ref) else stored, False))
    uploads = []
    seen: set[str] = set()
    unlocked: set[str] = st.session_state.setdefault(f"{key}__unlocked", set())
    for slot, stored, new in chosen:
        if stored.ref in seen:
            continue
        seen.add(stored.ref)
        if not store.upload_kept(stored.ref):
            # A picked file the clean-up removed since the list was drawn.
            saved.pop(slot, None)
            st.warning(
                f"**{stored.name}** is no longer on the server: files are removed when they have not been "
                "used for a while. Upload it again.",
                icon=":material/cloud_off:",
            )
            continue
        info = _look(config, stored.ref, stored.name, str(config.data_dir), describe.__name__, describe)
        if new and mine is not None:
            mine.keep(stored, info)  # listed only if it passed its check (a locked PDF: its unlocked copy)
        if info.needs_password:
            _unlock_form(config, key, slot, stored, saved, mine)
        elif slot in unlocked:
            pages = f" ({info.pages} page{'s' if info.pages != 1 else ''})" if info.pages else ""
            st.success(
                f"**{stored.name}** is unlocked{pages}: the job uses a copy without the password.",
                icon=":material/lock_open:",
            )
        uploads.append(Upload(stored, info))
    return uploads


def problem_box(problem: str, details: str = "") -> None:
    """An upload's problem, with what the library said in an expander for the IT person."""
    st.error(problem, icon=":material/error:")
    if details:
        with st.expander("Details for your IT person"):
            st.code(details, language=None)


def show_problems(uploads: list[Upload]) -> list[str]:
    """Draw each upload's problem and note; return what stops the job, for the page's button."""
    blocked = []
    for upload in uploads:
        info = upload.info
        if info.needs_password:  # its unlock form is drawn above
            blocked.append(
                f"{info.name} is protected by a password: type the password above to unlock it, or take it out."
            )
        elif info.problem:
            problem_box(info.problem, info.details)
            blocked.append(info.problem)
        if info.note:
            st.info(info.note, icon=":material/info:")
    return blocked


def _unlock_form(
    config: Config,
    key: str,
    slot: str,
    stored: StoredFile,
    saved: dict[str, StoredFile],
    mine: MyFiles | None,
) -> None:
    """The password field of a protected PDF; once it opens, the page starts over with the unlocked copy."""
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
                if mine is not None:
                    mine.keep(unlocked, describe_upload(config, unlocked.ref, unlocked.name))
                st.session_state[f"{key}__unlocked"].add(slot)
                # Drawn again from the top: the lock and its form give way to the unlocked file.
                st.rerun()
