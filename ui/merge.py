"""Merge & arrange: several PDFs or ZIPs of PDFs into one file, in the teacher's order, then
pages picked, turned, numbered, made smaller or split."""

from __future__ import annotations

import streamlit as st

from core.errors import TeacherPrinterError
from pdf.marks import MAX_STAMP_CHARS
from services.previews import merge_cost, prices_of
from storage.config import load_config
from ui import _options as w
from ui._cost import cost_line
from ui._names import result_name
from ui._order import draw_order, kept_order
from ui._organizer import Source, page_organizer
from ui._presets import fill_widgets, preset_bar, receive_run_again, run_again_note, take_pending_inputs
from ui._print import print_when_done
from ui._savers import saver_keys, saver_widgets
from ui._ui import owner, plural, submit_button
from ui._uploads import DOCUMENTS_WORDS, PDF_TOOL_TYPES, upload_step
from worker.kinds.merge import MergeOptions, plan

config = load_config()

# The widget of each option below, so that a preset or "Run again…" can fill them in.
WIDGETS = w.fields(
    MergeOptions,
    {
        "output_name": "merge_name",
        "keep": "merge_keep",
        "rotate_all": "merge_rotate",
        "blank_after": "merge_blanks",
        "duplex": "merge_duplex",
        "numbers": "merge_numbers",
        "number_style": "merge_number_style",
        "stamp_text": "merge_stamp_text",
        "position": "merge_position",
        "font_size": "merge_font_size",
        "paper": "merge_paper",
        "actual_size": "merge_actual_size",
        "compress": "merge_compress",
        "image_dpi": "merge_dpi",
        "split": "merge_split",
        "split_every": "merge_every",
        "split_ranges": "merge_ranges",
        **saver_keys("merge"),
    },
)


def entry_key(item: dict) -> str:
    """The order list's key of a file, or of one PDF inside a ZIP."""
    return f"{item['ref']}::{item['members'][0]}" if item.get("members") else item["ref"]


st.title("Merge & arrange")
st.caption(
    "Put PDFs — or the PDFs inside a ZIP — together in the order you choose; keep or turn pages, "
    "add page numbers, make the file smaller, or split it."
)
receive_run_again("merge", "merge_submit", lambda item: "merge_files")
run_again_note("merge")


# -- 1. Upload ------------------------------------------------------------------------
st.subheader("1. Choose your files")
uploads = upload_step(
    config, "merge_files", f"{DOCUMENTS_WORDS}, or ZIP files of PDFs", [*PDF_TOOL_TYPES, "zip"]
)

entries: dict[str, dict] = {}
for upload in uploads:
    item, info = upload.stored, upload.info
    if info.note:
        st.info(info.note, icon=":material/info:")  # e.g. a ZIP's files left out for safety
    if info.kind == "zip" and info.members:
        for member in info.members:
            part = {"ref": item.ref, "name": item.name, "members": [member.name]}
            entries[entry_key(part)] = {
                "item": part,
                "label": f"{member.display}  ·  from {item.name}",
                "pdf": item,
                "member": member.name,
                "name": member.display,
                "pages": member.pages,
                "problem": member.problem,
                "details": member.details,
            }
    else:
        problem = info.problem
        if info.needs_password:
            problem = f"{info.name} is protected by a password: type the password above to unlock it, or take it out."
        entries[item.ref] = {
            "item": {"ref": item.ref, "name": item.name},
            "label": f"{item.name}  ·  {info.converted_from}, as a PDF" if info.converted_from else item.name,
            "pdf": upload.as_pdf,
            "member": "",
            "name": item.name,
            "pages": info.pages,
            "problem": problem,
            "details": info.details,
        }

# A job run again: its files in its order, and only the PDFs of its ZIPs that it used.
if (again := take_pending_inputs("merge")) is not None:
    wanted = [entry_key(item) for item in again]
    st.session_state["merge_order"] = [k for k in wanted if k in entries]
    st.session_state["merge_dropped"] = {k for k in entries if k not in wanted}

# Keep the teacher's order: new files go to the end, removed ones drop out.
order = kept_order("merge", entries)

# -- 2. Order and name ----------------------------------------------------------------
if order:
    fill_widgets("merge", WIDGETS)
    st.subheader("2. Put them in order")
    draw_order("merge", entries, order)

    first = entries[order[0]]["item"]["name"].rsplit(".", 1)[0]
    name = result_name("Name of the merged PDF", "merge_name", first, "merged" if len(order) > 1 else "")

    # -- 3. What to do with the pages --------------------------------------------------
    st.subheader("3. Choose what to do with the pages")
    presets_here = st.container()
    chosen: dict = name.options()
    pages_known = all(entries[k]["pages"] and not entries[k]["problem"] for k in order)
    if not pages_known:
        st.caption("**See every page** (to arrange them one by one) comes once every file above can be used.")
    elif st.toggle("See every page, to arrange them one by one", key="merge_organize"):
        page_organizer(config, "merge", [Source(entries[k]["pdf"], entries[k]["member"], entries[k]["name"],
                                                entries[k]["pages"]) for k in order], "merge_keep")  # fmt: skip
    with st.expander("Pages: keep some, turn them, add blank pages"):
        chosen["keep"] = w.text(
            st,
            MergeOptions,
            "keep",
            "merge_keep",
            placeholder="e.g. 1-3, 5, 8-   or   7, 1-6   or   4r, blank, 5-8l",
        )
        chosen["rotate_all"] = w.selectbox(st, MergeOptions, "rotate_all", "merge_rotate")
        chosen["blank_after"] = w.text(
            st, MergeOptions, "blank_after", "merge_blanks", placeholder="e.g. 4, 8"
        )
        if len(order) > 1:
            chosen["duplex"] = w.checkbox(st, MergeOptions, "duplex", "merge_duplex")
    with st.expander("Page numbers or a short text on every page"):
        chosen["numbers"] = w.checkbox(st, MergeOptions, "numbers", "merge_numbers")
        if chosen["numbers"]:
            left, right = st.columns(2)
            chosen["number_style"] = w.selectbox(left, MergeOptions, "number_style", "merge_number_style")
            if chosen["number_style"] == "text":
                chosen["stamp_text"] = w.text(
                    left,
                    MergeOptions,
                    "stamp_text",
                    "merge_stamp_text",
                    placeholder="e.g. 7B — Homework due Friday",
                    max_chars=MAX_STAMP_CHARS,
                )
            chosen["position"] = w.selectbox(right, MergeOptions, "position", "merge_position")
            chosen["font_size"] = float(w.slider(right, MergeOptions, "font_size", "merge_font_size"))
    with st.expander("Paper: fit to A4, Letter, A3 or A5"):
        chosen["paper"] = w.selectbox(st, MergeOptions, "paper", "merge_paper")
        if chosen["paper"] != "keep":
            chosen["actual_size"] = w.checkbox(st, MergeOptions, "actual_size", "merge_actual_size")
    chosen |= saver_widgets("merge", MergeOptions)
    with st.expander("Make the file smaller"):
        chosen["compress"] = w.checkbox(st, MergeOptions, "compress", "merge_compress")
        if chosen["compress"]:
            chosen["image_dpi"] = w.selectbox(st, MergeOptions, "image_dpi", "merge_dpi")
    with st.expander("Split into several files"):
        chosen["split"] = w.radio(st, MergeOptions, "split", "merge_split")
        if chosen["split"] == "every":
            chosen["split_every"] = w.number(st, MergeOptions, "split_every", "merge_every")
        if chosen["split"] == "ranges":
            chosen["split_ranges"] = w.text(
                st, MergeOptions, "split_ranges", "merge_ranges", placeholder="e.g. 1-4, 5-9, 10-"
            )

    # -- 4. What you will get -----------------------------------------------------------
    st.subheader("4. What you will get")
    # What the job would refuse about the files, in its words, in the order of the list.
    blocked = [entries[k]["problem"] for k in order if entries[k]["problem"]]
    known = [entries[k]["pages"] for k in order]
    options: MergeOptions | None = None
    try:
        options = MergeOptions.from_dict(chosen)
        if all(known):
            counts = plan(known, [entries[k]["label"] for k in order], options)
            what = (
                f"a ZIP of {counts.files} PDFs"
                if counts.files > 1
                else f"one PDF of {plural(counts.result_pages, 'page')}"
            )
            summary = f"You will get **{what}** from **{plural(len(order), 'file')}**"
            if counts.files > 1:
                summary += f", {plural(counts.result_pages, 'page')} in all"
            if counts.blank_pages:
                summary += f", with {plural(counts.blank_pages, 'blank page')}"
            st.info(summary + ".", icon=":material/description:")
            if not blocked:
                labels = [entries[k]["label"] for k in order]
                cost_line(config, [entries[k]["pdf"] for k in order], counts.result_pages,
                          lambda ink: merge_cost(known, labels, options, ink, prices_of(config)),
                          lambda ink: merge_cost(known, labels, options, ink, prices_of(config), savers=False),
                          members=[entries[k]["member"] for k in order])  # fmt: skip
    except TeacherPrinterError as exc:
        st.error(exc.for_teacher(), icon=":material/error:")
        blocked.append(exc.for_teacher())
    with presets_here:
        preset_bar("merge", options.to_dict() if options is not None else None)

    # -- 5. Go ---------------------------------------------------------------------------
    printing = print_when_done(config, "merge", owner()[0])
    submit_button(
        "Merge PDFs",
        "merge_submit",
        "merge",
        f"Merge & arrange — {name.text}.pdf",
        [entries[k]["item"] for k in order],
        {**options.to_dict(), **name.options()} if options is not None else {},
        blocked,
        printing=printing,
    )
else:
    st.info(
        "Add PDFs, Word or PowerPoint files, photos or a ZIP of PDFs to begin.", icon=":material/upload_file:"
    )
