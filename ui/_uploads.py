"""The upload step every tool page shares: save once, pick from "My files", look inside, unlock."""

from __future__ import annotations

import streamlit as st

from core.errors import TeacherPrinterError
from documents.formats import CONVERTIBLE_SUFFIXES
from services.uploads import Upload, Uploads
from storage.config import Config
from storage.files import StoredFile, upload_id_of
from ui._looks import looks_for, waiting
from ui._myfiles import my_files, pick_step
from ui._ui import submit_button

# What the PDF tools take: PDFs, and documents and photos, which their job turns into PDFs first.
PDF_TOOL_TYPES = ["pdf", *CONVERTIBLE_SUFFIXES]
DOCUMENTS_WORDS = "PDFs, Word or PowerPoint files (or OpenDocument, RTF), or photos"


def upload_step(
    config: Config, key: str, label: str, types: list[str], multiple: bool = True
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
    looks = looks_for(config)
    kept: set[str] = st.session_state.setdefault(f"{key}__kept", set())
    uploads = Uploads(config, mine, kept, looks)
    # What each slot (an uploader's file, or a file picked from My files) stands for on the server.
    saved: dict[str, StoredFile] = st.session_state.setdefault(f"{key}__saved", {})
    chosen: list[tuple[str, Upload]] = []
    for file in files:
        upload = uploads.again(saved[file.file_id]) if file.file_id in saved else None
        if upload is None:  # new, or removed by the clean-up while the page stayed open: saved (again)
            file.seek(0)
            try:
                upload = uploads.add(file, file.name)
            except TeacherPrinterError as exc:
                st.error(exc.for_teacher(), icon=":material/error:")
                continue
            saved[file.file_id] = upload.stored
        chosen.append((file.file_id, upload))
    # Below the uploader: the teacher's earlier files, without those just uploaded here.
    picked = pick_step(mine, key, types, multiple, besides={upload.stored.ref for _, upload in chosen})
    for stored in picked:
        slot = f"pick:{upload_id_of(stored.ref)}"
        upload = (uploads.again(saved[slot]) if slot in saved else None) or uploads.again(stored)
        if upload is None:  # removed by the clean-up since the list was drawn
            st.warning(
                f"**{stored.name}** is no longer on the server: files are removed when they have not been "
                "used for a while. Upload it again.",
                icon=":material/cloud_off:",
            )
            continue
        chosen.append((slot, upload))
    result = []
    seen: set[str] = set()
    pending = list({upload.stored.ref: upload for _, upload in chosen if upload.pending}.values())
    if pending:
        names = ", ".join(f"**{u.stored.name}**" for u in pending)
        waiting(config, f"Looking inside {names}…", [u.look for u in pending])
    checking = list({u.stored.ref: u for _, u in chosen if u.checking}.values())
    if checking:
        names = ", ".join(f"**{u.stored.name}** ({u.info.pages:,} pages)" for u in checking)
        waiting(config, f"Checking every page of {names}…", [u.look for u in checking])
    unlocked: set[str] = st.session_state.setdefault(f"{key}__unlocked", set())
    for slot, upload in chosen:
        if upload.stored.ref in seen:
            continue
        seen.add(upload.stored.ref)
        if upload.info.needs_password:
            _unlock_form(uploads, key, slot, upload.stored, saved)
        elif slot in unlocked:
            pages = (
                f" ({upload.info.pages} page{'s' if upload.info.pages != 1 else ''})"
                if upload.info.pages
                else ""
            )
            st.success(
                f"**{upload.stored.name}** is unlocked{pages}: the job uses a copy without the password.",
                icon=":material/lock_open:",
            )
        result.append(upload)
    return result


def usable_or_stop(
    uploads: list[Upload], button: str, key: str, kind: str, begin: str
) -> tuple[list[Upload], list[str]]:
    """The uploads a job can use, and what stops the button; with none usable, the page ends here:
    with the button off and its reasons, or, before any file, the words that say how to begin."""
    usable = [u for u in uploads if u.info.pages and not u.info.problem]
    blocked = show_problems(uploads)  # each names its file already
    if not usable:
        if uploads:
            submit_button(button, key, kind, "", [], {}, blocked)
        else:
            st.info(begin, icon=":material/upload_file:")
        st.stop()
    return usable, blocked


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
        if upload.pending:  # "Looking inside …" is drawn above
            blocked.append(f"Still looking inside {info.name}: a moment, please.")
        elif upload.checking:  # "Checking every page …" is drawn above
            blocked.append(f"Still checking every page of {info.name}: a moment, please.")
        elif info.needs_password:  # its unlock form is drawn above
            blocked.append(
                f"{info.name} is protected by a password: type the password above to unlock it, or take it out."
            )
        elif info.problem:
            problem_box(info.problem, info.details)
            blocked.append(info.problem)
        elif info.converted_from and info.pages:
            pages = f"{info.pages:,} page{'s' if info.pages != 1 else ''}"
            st.caption(
                f":material/transform: **{info.name}** ({info.converted_from}) becomes a PDF of {pages}."
            )
        if info.note:
            st.info(info.note, icon=":material/info:")
    return blocked


def _unlock_form(
    uploads: Uploads, key: str, slot: str, stored: StoredFile, saved: dict[str, StoredFile]
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
        unlocking: dict[str, str] = st.session_state.setdefault(f"{key}__unlocking", {})
        if st.button("Unlock", key=f"{key}__unlock__{widget}") and password:
            unlocking[slot] = uploads.start_unlock(stored, password)
        if slot not in unlocking:
            return
        try:
            unlocked = uploads.finish_unlock(unlocking[slot])
        except TeacherPrinterError:
            del unlocking[slot]
            st.error("That password did not open the file. Check it and try again.")
            return
        if unlocked is None:
            waiting(uploads.config, f"Unlocking **{stored.name}**…", [unlocking[slot]])
            return
        del unlocking[slot]
        saved[slot] = unlocked.stored
        st.session_state[f"{key}__unlocked"].add(slot)
        # Drawn again from the top: the lock and its form give way to the unlocked file.
        st.rerun()
