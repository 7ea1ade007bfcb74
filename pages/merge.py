"""Merge PDFs: several PDFs or ZIPs of PDFs into one file, in the teacher's order."""

from __future__ import annotations

import streamlit as st

from pages._ui import submit_button
from pages._uploads import upload_step
from storage.config import load_config

config = load_config()

st.title("Merge PDFs")
st.caption("Put several PDFs — or the PDFs inside a ZIP — together into one file, in the order you choose.")


# -- 1. Upload ------------------------------------------------------------------------
st.subheader("1. Choose your files")
uploads = upload_step(config, "merge_files", "PDFs, or ZIP files of PDFs", ["pdf", "zip"])

entries: dict[str, dict] = {}
for upload in uploads:
    item, info = upload.stored, upload.info
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
    submit_button(
        "Merge PDFs",
        "merge_submit",
        "merge",
        f"Merge PDFs — {name or first}.pdf",
        [entries[k]["item"] for k in order],
        {"output_name": name or first},
    )
else:
    st.info("Add two or more PDFs (or a ZIP) to begin.", icon=":material/upload_file:")
