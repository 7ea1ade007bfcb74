"""Merge PDFs: several PDFs or ZIPs of PDFs into one file, in the teacher's order."""

from __future__ import annotations

import streamlit as st

from pages._ui import JOBS_PAGE, jobs_service, owner
from storage.config import load_config
from storage.files import FileStore, StoredFile
from worker.errors import ServiceUnavailable, TeacherPrinterError
from worker.uploads import UploadInfo, describe_upload

config = load_config()

st.title("Merge PDFs")
st.caption("Put several PDFs — or the PDFs inside a ZIP — together into one file, in the order you choose.")


@st.cache_data(show_spinner=False, max_entries=500)
def look_at(ref: str, name: str, data_dir: str) -> UploadInfo:
    return describe_upload(config, ref, name)


def saved_uploads(files: list) -> list[StoredFile]:
    """Each uploaded file saved once into the file store, remembered across reruns."""
    saved: dict[str, StoredFile] = st.session_state.setdefault("merge_saved", {})
    store = FileStore(config)
    result = []
    for upload in files:
        if upload.file_id not in saved:
            try:
                saved[upload.file_id] = store.save_upload(upload, upload.name)
            except TeacherPrinterError as exc:
                st.error(exc.for_teacher(), icon=":material/error:")
                continue
        result.append(saved[upload.file_id])
    return result


# -- 1. Upload ------------------------------------------------------------------------
st.subheader("1. Choose your files")
uploads = st.file_uploader(
    "PDFs, or ZIP files of PDFs",
    type=["pdf", "zip"],
    accept_multiple_files=True,
    key="merge_files",
    max_upload_size=config.max_upload_mb,
    help=f"Up to {config.max_upload_mb} MB each.",
)
stored = saved_uploads(uploads or [])

entries: dict[str, dict] = {}
for item in stored:
    info = look_at(item.ref, item.name, str(config.data_dir))
    if info.kind == "zip" and info.members:
        for member, display in info.members:
            key = f"{item.ref}::{member}"
            entries[key] = {
                "item": {"ref": item.ref, "name": item.name, "members": [member]},
                "label": f"{display}  ·  from {item.name}",
                "pages": None,
                "problem": "",
            }
    else:
        entries[item.ref] = {
            "item": {"ref": item.ref, "name": item.name},
            "label": item.name,
            "pages": info.pages,
            "problem": info.problem,
        }

# Keep the teacher's order: new files go to the end, removed ones drop out.
order: list[str] = [k for k in st.session_state.get("merge_order", []) if k in entries]
order += [k for k in entries if k not in order]
st.session_state["merge_order"] = order


def move(index: int, step: int) -> None:
    current = st.session_state["merge_order"]
    target = index + step
    if 0 <= target < len(current):
        current[index], current[target] = current[target], current[index]


def drop(index: int) -> None:
    st.session_state.setdefault("merge_dropped", set()).add(st.session_state["merge_order"].pop(index))


dropped = st.session_state.get("merge_dropped", set())
order[:] = [k for k in order if k not in dropped]

# -- 2. Order and name ----------------------------------------------------------------
if order:
    st.subheader("2. Put them in order")
    for index, key in enumerate(order):
        entry = entries[key]
        with st.container(border=True):
            text, up, down, remove = st.columns([8, 1, 1, 1], vertical_alignment="center")
            pages = f" — {entry['pages']} page{'s' if entry['pages'] != 1 else ''}" if entry["pages"] else ""
            text.markdown(f"**{index + 1}.** {entry['label']}{pages}")
            if entry["problem"]:
                text.warning(entry["problem"], icon=":material/warning:")
            up.button(
                ":material/arrow_upward:",
                key=f"up-{key}",
                help="Move up",
                on_click=move,
                args=(index, -1),
                disabled=index == 0,
            )
            down.button(
                ":material/arrow_downward:",
                key=f"down-{key}",
                help="Move down",
                on_click=move,
                args=(index, 1),
                disabled=index == len(order) - 1,
            )
            remove.button(
                ":material/close:",
                key=f"drop-{key}",
                help="Leave this file out",
                on_click=drop,
                args=(index,),
            )

    first = entries[order[0]]["item"]["name"].rsplit(".", 1)[0]
    name = st.text_input(
        "Name of the merged PDF",
        value=f"{first} merged" if len(order) > 1 else first,
        key="merge_name",
        max_chars=120,
    )

    known = [entries[k]["pages"] for k in order]
    total = sum(p for p in known if p)
    unknown = sum(1 for k in order if entries[k]["pages"] is None)
    summary = f"You will get **one PDF** from **{len(order)} file{'s' if len(order) != 1 else ''}**"
    if total:
        summary += f" with **{total}{'+' if unknown else ''} pages**"
    st.info(summary + ".", icon=":material/description:")

    # -- 3. Go ---------------------------------------------------------------------------
    if st.button("Merge PDFs", type="primary", key="merge_submit"):
        jobs = jobs_service()
        if jobs is not None:
            try:
                record_owner, _ = owner()
                record = jobs.submit(
                    "merge",
                    f"Merge PDFs — {name or first}.pdf",
                    [entries[k]["item"] for k in order],
                    {"output_name": name or first},
                    record_owner,
                )
                st.session_state["merge_submitted"] = record.title
            except ServiceUnavailable as exc:
                st.session_state.pop("merge_submitted", None)
                st.error(
                    f"{exc.message} Your job was **not submitted**, but your files are saved on the server: "
                    "press the button again once the job service is running.",
                    icon=":material/cloud_off:",
                )
        else:
            st.error(
                "Your job was **not submitted**; your files are saved on the server. "
                "Press the button again once the job service is running."
            )
else:
    st.info("Add two or more PDFs (or a ZIP) to begin.", icon=":material/upload_file:")

if st.session_state.get("merge_submitted"):
    st.success(
        f"Submitted: **{st.session_state['merge_submitted']}**. It runs in the background — "
        "you can close this tab.",
        icon=":material/check_circle:",
    )
    st.page_link(JOBS_PAGE, label="Follow it on the Jobs page", icon=":material/arrow_forward:")
