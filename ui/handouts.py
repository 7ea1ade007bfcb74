"""Handouts: several pages per sheet, or a folded booklet, from one or more PDFs."""

from __future__ import annotations

import streamlit as st

from core.errors import TeacherPrinterError
from services.previews import handout_counts, handout_preview
from storage.config import Config, load_config
from ui._names import result_name
from ui._presets import Fields, choice, fill_widgets, preset_bar, receive_run_again, run_again_note, whole
from ui._ui import cached, plural, submit_button
from ui._uploads import show_problems, upload_step
from worker.kinds.handouts import (
    LAYOUTS,
    ORDERS,
    ORIENTATIONS,
    HandoutOptions,
)

config = load_config()

st.title("Handouts")
st.caption("Several pages on each sheet to save paper, or a booklet to fold and staple.")

PER_SHEET = [1, 2, 4, 6, 8, 9, 16]
PAPERS = ["A4", "Letter", "A3"]
ORIENTATION_WORDS = {"auto": "Whichever wastes least paper", "portrait": "Portrait", "landscape": "Landscape"}
# The widget of each option below, so that a preset or "Run again…" can fill them in.
WIDGETS: Fields = {
    "layout": choice("handouts_layout", LAYOUTS),
    "paper": choice("handouts_paper", PAPERS),
    "pages": "handouts_pages",
    "per_sheet": choice("handouts_n", PER_SHEET),
    "orientation": choice("handouts_orient", ORIENTATIONS),
    "order": choice("handouts_order", ORDERS),
    "margin_mm": whole("handouts_margin", 0, 30),
    "gap_mm": whole("handouts_gap", 0, 20),
    "borders": "handouts_borders",
    "placement": "handouts_placement",
    "duplex": "handouts_duplex",
    "signature_sheets": lambda sheets: (
        {"handouts_split": False}
        if sheets is None
        else ({"handouts_split": True, "handouts_signature": sheets} if sheets <= 16 else None)
    ),
    "output_name": "handouts_name",
}
receive_run_again("handouts", "handouts_submit", lambda item: "handouts_files")
run_again_note("handouts")


@cached("Drawing a preview…", max_entries=64)
def preview(config: Config, ref: str, options: dict) -> bytes:
    return handout_preview(config, ref, HandoutOptions.from_dict(options))


@cached(max_entries=256)
def counts(config: Config, refs: tuple[str, ...], options: dict):
    return handout_counts(config, list(refs), HandoutOptions.from_dict(options))


# -- 1. Upload ------------------------------------------------------------------------
st.subheader("1. Choose your PDF")
uploads = upload_step(
    config, "handouts_files", "One or more PDFs (several are used one after the other)", ["pdf"]
)
usable = [u for u in uploads if u.info.pages and not u.info.problem]
blocked = show_problems(uploads)  # each names its file already

if not usable:
    if uploads:
        submit_button("Make handouts", "handouts_submit", "handouts", "", [], {}, blocked)
    else:
        st.info("Add a PDF to begin.", icon=":material/upload_file:")
    st.stop()

# -- 2. Options -----------------------------------------------------------------------
st.subheader("2. Choose the layout")
presets_here = st.container()
fill_widgets("handouts", WIDGETS)
layout = st.radio(
    "Layout",
    ["n_up", "booklet"],
    format_func={"n_up": "Several pages per sheet", "booklet": "Booklet (fold in the middle)"}.get,
    horizontal=True,
    key="handouts_layout",
)
left, right = st.columns(2)
paper = left.selectbox("Paper", PAPERS, key="handouts_paper")
chosen: dict = {"layout": layout, "paper": paper}
chosen["pages"] = st.text_input(
    "Which pages (empty for all)",
    placeholder="e.g. 2-9   or   1-3, 5, 8-   or   odd",
    key="handouts_pages",
    help="Leave out the cover or the answers: type the pages to use, in the order you want them.",
)
if layout == "n_up":
    chosen["per_sheet"] = right.selectbox("Pages per sheet", PER_SHEET, index=2, key="handouts_n")
    with st.expander("More options: orientation, margins, borders, order"):
        a, b = st.columns(2)
        chosen["orientation"] = a.selectbox(
            "Orientation", list(ORIENTATION_WORDS), format_func=ORIENTATION_WORDS.get, key="handouts_orient"
        )
        chosen["order"] = b.selectbox(
            "Reading order",
            ["across", "down"],
            format_func={"across": "Across, then down", "down": "Down, then across"}.get,
            key="handouts_order",
        )
        chosen["margin_mm"] = float(a.slider("Margin (mm)", 0, 30, 10, key="handouts_margin"))
        chosen["gap_mm"] = float(b.slider("Gap between pages (mm)", 0, 20, 5, key="handouts_gap"))
        chosen["borders"] = a.checkbox("Thin line around each page", key="handouts_borders")
        chosen["placement"] = st.text_area(
            "Place the pages yourself (optional): one line per sheet",
            placeholder="3, 7\n1, -, 2, 4\n(a number is a page, - leaves the place empty)",
            key="handouts_placement",
            help="Each line is one sheet; pages go in reading order. This replaces “Which pages”.",
        )
    chosen["duplex"] = st.checkbox("I will print on both sides", key="handouts_duplex")
else:
    long_doc = right.checkbox(
        "Split into parts (for long documents)", key="handouts_split", help="Thick booklets fold badly."
    )
    if long_doc:
        chosen["signature_sheets"] = st.number_input(
            "Sheets of paper in each part", min_value=1, max_value=16, value=5, key="handouts_signature"
        )

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
refs = tuple(u.stored.ref for u in usable)
try:
    # The same counts and checks as the job's: what it would refuse is said here, before the button.
    plan = counts(config, refs, options.to_dict())
    picture = preview(config, refs[0], options.to_dict())
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
                f"The file has {plural(plan.sides, 'page')} to print on both sides of {plan.paper} landscape "
                "paper, flipping on the short edge."
            )
        else:
            st.caption(
                f"The file has {plural(plan.output_pages, 'page')} of {plan.paper} {plan.orientation}."
            )
        if plan.blank_pages_added:
            st.caption(f"{plural(plan.blank_pages_added, 'empty space')} at the end.")
    # A border, so that the white sheet stands out from the white page.
    image.container(border=True).image(picture, caption="The first sheet", width="stretch")

# -- 4. Go ----------------------------------------------------------------------------
first = usable[0].stored.name.rsplit(".", 1)[0]
what = "Booklet" if options.layout == "booklet" else f"{options.per_sheet} per sheet"
name = result_name("Name of the result", "handouts_name", first, what.lower())
submit_button(
    "Make handouts",
    "handouts_submit",
    "handouts",
    f"Handouts · {what} — {usable[0].stored.name}"
    + (f" and {len(usable) - 1} more" if len(usable) > 1 else ""),
    [{"ref": u.stored.ref, "name": u.stored.name} for u in usable],
    {**options.to_dict(), **name.options()},
    blocked,
)
