"""Make PDF: Word and PowerPoint files, photos and PDFs into one PDF, or one PDF each."""

from __future__ import annotations

import streamlit as st

from core.errors import TeacherPrinterError
from documents.formats import is_slides_name
from storage.config import load_config
from ui import _options as w
from ui._names import result_name
from ui._order import draw_order, kept_order
from ui._presets import fill_widgets, preset_bar, receive_run_again, run_again_note, take_pending_inputs
from ui._print import print_when_done
from ui._ui import owner, plural, submit_button
from ui._uploads import DOCUMENTS_WORDS, PDF_TOOL_TYPES, upload_step, usable_or_stop
from worker.kinds.make_pdf import MakePdfOptions, pages_made

config = load_config()
BUTTON = "Make the PDF"

st.title("Make PDF")
st.caption(
    "Word and PowerPoint files, photos of the board or of a worksheet, and PDFs: one PDF to print or share."
)

WIDGETS = w.fields(
    MakePdfOptions,
    {
        "result": "make_pdf_result",
        "paper": "make_pdf_paper",
        "margin_mm": "make_pdf_margin",
        "per_page": "make_pdf_per_page",
        "dpi": "make_pdf_dpi",
        "clean_up": "make_pdf_clean_up",
        "speaker_notes": "make_pdf_notes",
        "output_name": "make_pdf_name",
    },
)
receive_run_again("make_pdf", "make_pdf_submit", lambda item: "make_pdf_files")
run_again_note("make_pdf")

# -- 1. Upload ------------------------------------------------------------------------
st.subheader("1. Choose your files")
uploads = upload_step(
    config, "make_pdf_files", f"{DOCUMENTS_WORDS}, in the order you want them", PDF_TOOL_TYPES
)
usable, blocked = usable_or_stop(
    uploads, BUTTON, "make_pdf_submit", "make_pdf", "Add Word or PowerPoint files, photos or PDFs to begin."
)

# The teacher's order: as uploaded, then moved up and down.
entries = {
    u.stored.ref: {
        "upload": u,
        "label": f"{u.stored.name}  ·  {u.info.converted_from}" if u.info.converted_from else u.stored.name,
        "pages": u.info.pages,
    }
    for u in usable
}
if (again := take_pending_inputs("make_pdf")) is not None:
    st.session_state["make_pdf_order"] = [item["ref"] for item in again if item["ref"] in entries]
order = kept_order("make_pdf", entries)
if not order:
    submit_button(BUTTON, "make_pdf_submit", "make_pdf", "", [], {}, [*blocked, "Every file was left out."])
    st.stop()
if len(entries) > 1:
    st.subheader("2. Put them in order")
    draw_order("make_pdf", entries, order)
usable = [entries[key]["upload"] for key in order]

# -- 3. Options -----------------------------------------------------------------------
st.subheader("3. Choose how")
presets_here = st.container()
fill_widgets("make_pdf", WIDGETS)
chosen: dict = {"result": w.radio(st, MakePdfOptions, "result", "make_pdf_result", horizontal=True)}
with st.expander("Photos: paper, margins, photos per page, clean-up", expanded=False):
    a, b = st.columns(2)
    chosen["paper"] = w.selectbox(a, MakePdfOptions, "paper", "make_pdf_paper")
    chosen["per_page"] = w.selectbox(b, MakePdfOptions, "per_page", "make_pdf_per_page")
    chosen["margin_mm"] = float(w.slider(a, MakePdfOptions, "margin_mm", "make_pdf_margin"))
    chosen["dpi"] = w.selectbox(b, MakePdfOptions, "dpi", "make_pdf_dpi")
    chosen["clean_up"] = w.checkbox(st, MakePdfOptions, "clean_up", "make_pdf_clean_up")
if any(is_slides_name(u.stored.name) for u in usable):
    chosen["speaker_notes"] = w.checkbox(st, MakePdfOptions, "speaker_notes", "make_pdf_notes")
try:
    options = MakePdfOptions.from_dict(chosen)
except TeacherPrinterError as exc:
    with presets_here:
        preset_bar("make_pdf", None)
    st.error(exc.for_teacher())
    submit_button(BUTTON, "make_pdf_submit", "make_pdf", "", [], {}, [*blocked, exc.for_teacher()])
    st.stop()
with presets_here:
    preset_bar("make_pdf", options.to_dict())

# -- 4. What you will get -------------------------------------------------------------
st.subheader("4. What you will get")
pages = pages_made([(u.stored.name, u.info.pages or 0) for u in usable], options)
if options.result == "each":
    st.metric("PDFs in the ZIP", len(usable))
    st.caption(f"{plural(pages, 'page')} in all, one PDF for each file, in a ZIP.")
else:
    st.metric("Pages", pages)
    st.caption(f"One PDF: {', '.join(u.stored.name for u in usable)}, in this order.")

# -- 5. Go ----------------------------------------------------------------------------
first = usable[0].stored.name.rsplit(".", 1)[0]
name = result_name(
    "Name of the result", "make_pdf_name", first, "as PDFs" if options.result == "each" else ""
)
printing = print_when_done(config, "make_pdf", owner()[0])
submit_button(
    BUTTON,
    "make_pdf_submit",
    "make_pdf",
    f"Make PDF — {usable[0].stored.name}" + (f" and {len(usable) - 1} more" if len(usable) > 1 else ""),
    [{"ref": u.stored.ref, "name": u.stored.name} for u in usable],
    {**options.to_dict(), **name.options()},
    blocked,
    printing=printing,
)
