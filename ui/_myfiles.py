""" "My files": pick a file uploaded before instead of uploading it again, and the list to tidy them."""

from __future__ import annotations

import streamlit as st

from core.errors import NotAllowed, ServiceUnavailable
from services.library import MyFiles, try_my_files
from storage.config import Config
from storage.files import StoredFile
from storage.upload_index import UploadEntry
from ui._ui import ago, human_size, owner, take_flash

PICK_LABEL = "Or use files you uploaded before"
PICK_ONE_LABEL = "Or use a file you uploaded before"


def picks_key(key: str) -> str:
    """The session key of an upload step's "My files" picker."""
    return f"{key}__mine"


def extras_key(key: str) -> str:
    """The session key of files offered to a picker besides the teacher's own (a job run again)."""
    return f"{key}__extra"


def my_files(config: Config) -> MyFiles | None:
    """The signed-in teacher's files, or None when the job service is not configured."""
    return try_my_files(config, owner()[0])


def what_is_in(entry: UploadEntry) -> str:
    """ "12 pages", "3 PDFs", "120 rows", or nothing if the file has not been looked at."""
    if entry.kind == "sheet" and entry.rows is not None:
        return f"{entry.rows:,} row{'s' if entry.rows != 1 else ''}"
    if entry.kind == "zip" and entry.pages is not None:
        return f"{entry.pages} PDF{'s' if entry.pages != 1 else ''}"
    if entry.pages is not None and entry.kind == "pdf":
        return f"{entry.pages} page{'s' if entry.pages != 1 else ''}"
    return ""


def also_named(entry: UploadEntry) -> str:
    """ "also uploaded as “B.pdf”" for a file uploaded again under other names, or nothing."""
    return f"also uploaded as {', '.join(f'“{n}”' for n in entry.also)}" if entry.also else ""


def file_label(entry: UploadEntry) -> str:
    """One line for a file: name (and any other names), what is in it, size, when it was last used."""
    parts = [entry.name, also_named(entry), what_is_in(entry), human_size(entry.size), ago(entry.used_at)]
    return "  ·  ".join(p for p in parts if p)


def pick_step(
    mine: MyFiles | None, key: str, types: list[str], multiple: bool, besides: set[str] | None = None
) -> list[StoredFile]:
    """Offer the teacher's recent files of these types; return the ones picked, in the order picked.

    Files in `besides` (just uploaded in the same step) are not offered again, unless picked already.
    """
    extras: dict[str, UploadEntry] = st.session_state.get(extras_key(key), {})
    recent: list[UploadEntry] = []
    if mine is not None:
        try:
            recent = mine.recent(types)
        except ServiceUnavailable:
            recent = []
    state = picks_key(key)
    current = st.session_state.get(state)
    already = set([current] if isinstance(current, str) else current or [])
    choices = dict(extras)
    for entry in recent:
        if entry.ref not in (besides or set()) or entry.id in already:
            choices.setdefault(entry.id, entry)
    # A file deleted meanwhile, or removed by the clean-up, drops out of the choice quietly.
    if multiple and current is not None:
        kept = [i for i in ([current] if isinstance(current, str) else current) if i in choices]
        if kept != current:
            st.session_state[state] = kept
    elif not multiple and current is not None:
        one = current[0] if isinstance(current, list) and current else current
        one = one if isinstance(one, str) and one in choices else None
        if one != current:
            st.session_state[state] = one
    if not choices:
        return []
    label = lambda upload_id: file_label(choices[upload_id])  # noqa: E731
    if multiple:
        ids = st.multiselect(
            PICK_LABEL, list(choices), format_func=label, key=state, placeholder="Choose from your files"
        )
    else:
        one = st.selectbox(
            PICK_ONE_LABEL, list(choices), index=None, format_func=label, key=state, placeholder="Choose"
        )
        ids = [one] if one else []
    return [choices[i].stored() for i in ids]


def files_list(mine: MyFiles) -> None:
    """The My files page's list: every file with what is in it, and a Delete button."""
    if problem := take_flash("files_flash_error"):
        st.warning(problem, icon=":material/block:")
    if done := take_flash("files_flash"):
        st.toast(done)
    try:
        entries = mine.recent()
    except ServiceUnavailable as exc:
        st.error(exc.for_teacher(), icon=":material/cloud_off:")
        return
    if not entries:
        st.info(
            "No files yet. Files you upload on the tool pages appear here, and you can pick them "
            "there again without uploading.",
            icon=":material/folder_open:",
        )
        return
    for entry in entries:
        with st.container(border=True, key=f"file-{entry.id}"):
            text, delete = st.columns([6, 1], vertical_alignment="center")
            facts = [what_is_in(entry), human_size(entry.size), f"uploaded {ago(entry.uploaded_at)}"]
            if entry.used_at - entry.uploaded_at > 60:
                facts.append(f"last used {ago(entry.used_at)}")
            text.markdown(f"**{entry.name}**  \n:gray[{'  ·  '.join(f for f in facts if f)}]")
            if entry.also:
                text.caption(
                    f"The same file was {also_named(entry)}, so it is kept once, under its first name."
                )
            delete.button("Delete", key=f"delete-file-{entry.id}", on_click=_delete, args=(mine, entry.id))


def _delete(mine: MyFiles, upload_id: str) -> None:
    try:
        entry = mine.delete(upload_id)
        st.session_state["files_flash"] = f"Deleted {entry.name}."
    except (NotAllowed, ServiceUnavailable) as exc:
        st.session_state["files_flash_error"] = exc.for_teacher()
