"""Handouts: several pages per sheet, or a folded booklet, from one or more PDFs."""

from __future__ import annotations

import streamlit as st

from core.errors import TeacherPrinterError
from services.previews import handout_cost, handout_counts, handout_preview, prices_of
from storage.config import load_config
from ui import _options as w
from ui._cost import cost_line
from ui._looks import looks_for, waiting
from ui._names import result_name
from ui._organizer import Source, page_picker
from ui._presets import fill_widgets, preset_bar, receive_run_again, run_again_note
from ui._print import print_when_done
from ui._savers import saver_keys, saver_widgets
from ui._ui import owner, plural, submit_button
from ui._uploads import DOCUMENTS_WORDS, PDF_TOOL_TYPES, upload_step, usable_or_stop
from worker.kinds.handouts import HandoutOptions

config = load_config()

st.title("Handouts")
st.caption("Several pages on each sheet to save paper, or a booklet to fold and staple.")

# The widget of each option below, so that a preset or "Run again…" can fill them in.
WIDGETS = w.fields(
    HandoutOptions,
    {
        "layout": "handouts_layout",
        "paper": "handouts_paper",
        "pages": "handouts_pages",
        "per_sheet": "handouts_n",
        "orientation": "handouts_orient",
        "order": "handouts_order",
        "margin_mm": "handouts_margin",
        "gap_mm": "handouts_gap",
        "borders": "handouts_borders",
        "placement": "handouts_placement",
        "duplex": "handouts_duplex",
        "fill": "handouts_fill",
        "cut_marks": "handouts_cut_marks",
        "signature_sheets": lambda sheets: (
            {"handouts_split": False}
            if sheets is None
            else (
                {"handouts_split": True, "handouts_signature": sheets}
                if sheets <= HandoutOptions.spec("signature_sheets").widget_range[1]
                else None
            )
        ),
        "output_name": "handouts_name",
        **saver_keys("handouts"),
    },
)
receive_run_again("handouts", "handouts_submit", lambda item: "handouts_files")
run_again_note("handouts")


# -- 1. Upload ------------------------------------------------------------------------
st.subheader("1. Choose your files")
uploads = upload_step(
    config, "handouts_files", f"{DOCUMENTS_WORDS} (several are used one after the other)", PDF_TOOL_TYPES
)
usable, blocked = usable_or_stop(
    uploads,
    "Make handouts",
    "handouts_submit",
    "handouts",
    "Add a PDF, a Word or PowerPoint file, or a photo to begin.",
)

# -- 2. HandoutOptions -----------------------------------------------------------------------
st.subheader("2. Choose the layout")
presets_here = st.container()
fill_widgets("handouts", WIDGETS)
layout = w.radio(st, HandoutOptions, "layout", "handouts_layout", horizontal=True)
left, right = st.columns(2)
paper = w.selectbox(left, HandoutOptions, "paper", "handouts_paper")
chosen: dict = {"layout": layout, "paper": paper}
if st.toggle("Choose pages by looking", key="handouts_look"):
    page_picker(config, "handouts", [Source(u.as_pdf, "", u.stored.name, u.info.pages) for u in usable],
                "handouts_pages")  # fmt: skip
chosen["pages"] = w.text(
    st, HandoutOptions, "pages", "handouts_pages", placeholder="e.g. 2-9   or   1-3, 5, 8-   or   odd"
)
if layout == "n_up":
    chosen["per_sheet"] = w.selectbox(right, HandoutOptions, "per_sheet", "handouts_n")
    chosen["fill"] = w.selectbox(left, HandoutOptions, "fill", "handouts_fill")
    chosen["cut_marks"] = w.checkbox(right, HandoutOptions, "cut_marks", "handouts_cut_marks")
    with st.expander("More options: orientation, margins, borders, order"):
        a, b = st.columns(2)
        chosen["orientation"] = w.selectbox(a, HandoutOptions, "orientation", "handouts_orient")
        chosen["order"] = w.selectbox(b, HandoutOptions, "order", "handouts_order")
        chosen["margin_mm"] = float(w.slider(a, HandoutOptions, "margin_mm", "handouts_margin"))
        chosen["gap_mm"] = float(w.slider(b, HandoutOptions, "gap_mm", "handouts_gap"))
        chosen["borders"] = w.checkbox(a, HandoutOptions, "borders", "handouts_borders")
        chosen["placement"] = w.text_area(
            st,
            HandoutOptions,
            "placement",
            "handouts_placement",
            placeholder="3, 7\n1, -, 2, 4\n(a number is a page, - leaves the place empty)",
        )
    chosen["duplex"] = w.checkbox(st, HandoutOptions, "duplex", "handouts_duplex")
else:
    long_doc = right.checkbox(
        "Split into parts (for long documents)", key="handouts_split", help="Thick booklets fold badly."
    )
    if long_doc:
        chosen["signature_sheets"] = w.number(st, HandoutOptions, "signature_sheets", "handouts_signature")
chosen |= saver_widgets("handouts", HandoutOptions)

try:
    options = HandoutOptions.from_dict(chosen)
except TeacherPrinterError as exc:
    with presets_here:
        preset_bar("handouts", None)
    st.error(exc.for_teacher())
    submit_button("Make handouts", "handouts_submit", "handouts", "", [], {}, [*blocked, exc.for_teacher()])
    st.stop()
with presets_here:
    preset_bar("handouts", options.to_dict())


# -- 3. What you will get -------------------------------------------------------------
st.subheader("3. What you will get")
try:
    # The job's own counts and checks, from the page sizes the look found: what the job would
    # refuse is said here, before the button.
    plan = handout_counts([u.info for u in usable], options)
except TeacherPrinterError as exc:
    st.error(exc.for_teacher(), icon=":material/error:")
    blocked.append(exc.for_teacher())
else:
    facts, image = st.columns([2, 3])
    with facts:
        st.metric("Pages in", plan.source_pages)
        st.metric("Sheets of paper", plan.sheets_of_paper)
        if options.layout == "booklet":
            st.caption(
                f"The file has {plural(plan.sides, 'page')} to print on both sides of {plan.paper} "
                "landscape paper, flipping on the short edge."
            )
        else:
            st.caption(
                f"The file has {plural(plan.output_pages, 'page')} of {plan.paper} {plan.orientation}."
            )
        if plan.blank_pages_added:
            st.caption(f"{plural(plan.blank_pages_added, 'empty space')} at the end.")
        infos = [u.info for u in usable]
        cost_line(config, [u.as_pdf for u in usable], plan.sides,
                  lambda ink: handout_cost(infos, options, ink, prices_of(config)),
                  lambda ink: handout_cost(infos, options, ink, prices_of(config), savers=False))  # fmt: skip
        if plan.saved_sheets:
            how = "Booklet" if options.layout == "booklet" else f"{options.per_sheet} per sheet"
            sides = ", both sides" if options.layout == "booklet" or options.duplex else ""
            st.caption(
                f":material/eco: {how}{sides}: {plural(plan.sheets_of_paper, 'sheet')} instead of "
                f"{plan.plain_sheets} printed one page per sheet."
            )
    with image:
        try:
            # Drawn by the job's own placing of the pages: a page it could not place stops the job too.
            picture = handout_preview(looks_for(config), usable[0].as_pdf, options)
        except TeacherPrinterError as exc:
            st.error(exc.for_teacher(), icon=":material/error:")
            blocked.append(exc.for_teacher())
        else:
            if picture.pending:
                waiting(config, "Drawing the first sheet…", [picture.key])
            else:
                # A border, so that the white sheet stands out from the white page.
                st.container(border=True).image(picture.value, caption="The first sheet", width="stretch")

# -- 4. Go ----------------------------------------------------------------------------
first = usable[0].stored.name.rsplit(".", 1)[0]
what = "Booklet" if options.layout == "booklet" else f"{options.per_sheet} per sheet"
name = result_name("Name of the result", "handouts_name", first, what.lower())
printing = print_when_done(config, "handouts", owner()[0])
submit_button(
    "Make handouts",
    "handouts_submit",
    "handouts",
    f"Handouts · {what} — {usable[0].stored.name}"
    + (f" and {len(usable) - 1} more" if len(usable) > 1 else ""),
    [{"ref": u.stored.ref, "name": u.stored.name} for u in usable],
    {**options.to_dict(), **name.options()},
    blocked,
    printing=printing,
)
