"""Class sets: one copy of a worksheet for every student on a class list, each with its name."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import NoReturn

import streamlit as st

from core.errors import TeacherPrinterError
from services.previews import class_list_of, class_set_cost, class_set_preview, columns_of, prices_of
from sheets.classlist import ListSpec, guess_columns
from storage.config import load_config
from ui import _options as w
from ui._cost import cost_line
from ui._looks import looks_for, value_or_wait, waiting
from ui._names import result_name
from ui._organizer import Source, page_picker
from ui._presets import (
    Fill,
    choice,
    choices,
    fill_widgets,
    preset_bar,
    receive_run_again,
    run_again_note,
)
from ui._print import print_when_done
from ui._savers import saver_keys, saver_widgets
from ui._sheets import header_row_input, sheet_list, sheet_picker
from ui._ui import owner, stop_here, submit_button
from ui._uploads import PDF_TOOL_TYPES, show_problems, upload_step
from worker.kinds.class_sets import (
    MAX_TEXT_CHARS,
    ClassSetOptions,
    check_counts,
    chosen_pages,
    plan,
    unprintable,
    worksheet_name,
)
from worker.kinds.spreadsheets import ACCEPTED, is_text_file

config = load_config()
BUTTON = "Make the class set"

st.title("Class sets")
st.caption(
    "One copy of a worksheet for every student on your class list, each with the student's name on it, "
    "ready for the printer — plus a file per student and a checklist to tick off."
)

NONE = "(none)"
# One column of whole names: the copies are sorted by the whole name, or kept as listed.
ONE_COLUMN_SORT = {"surname": "Alphabetical", "list": "As in the list"}
VERTICAL = {"top": "Top margin", "bottom": "Bottom margin"}
HORIZONTAL = {"left": "Left", "centre": "Centre", "right": "Right"}


def label_place(position: str) -> dict | None:
    """The two widgets of the label's place ("top-right": top margin, right)."""
    vertical, _, horizontal = position.partition("-")
    return (
        {"class_sets_vertical": vertical, "class_sets_horizontal": horizontal}
        if vertical in VERTICAL and horizontal in HORIZONTAL
        else None
    )


# The widgets of the options on each copy (section 3), so that a preset or "Run again…" can fill
# them in; the widgets of the names depend on the class list and are mapped where they are drawn.
COPY_WIDGETS = w.fields(
    ClassSetOptions,
    {
        "show_name": "class_sets_show_name",
        "show_class": "class_sets_show_class",
        # A copy is dated today: a saved date would be last week's by the time it is used again.
        "date_text": lambda text: {"class_sets_show_date": bool(text), "class_sets_date": dt.date.today()},
        "extra_text": "class_sets_text",
        "position": label_place,
        "font_size": "class_sets_size",
        "make_room": "class_sets_room",
        "pages": "class_sets_pages",
        "duplex": "class_sets_duplex",
        "per_sheet": "class_sets_per_sheet",
        "paper": "class_sets_paper",
        "output_name": "class_sets_name",
        **{k: v for k, v in saver_keys("class_sets").items() if k != "trim_margins"},
    },
)


def upload_of(item: dict) -> str:
    """Which upload step an input of an earlier class set belongs to."""
    role = item.get("role") or ("worksheet" if str(item.get("name", "")).lower().endswith(".pdf") else "")
    return "class_sets_worksheet" if role == "worksheet" else "class_sets_list"


def list_part(options: ClassSetOptions) -> ClassSetOptions:
    """Only what reading the list depends on (the rest as by default), so label choices do not read it again."""
    return ClassSetOptions.from_dict(
        {k: v for k, v in options.to_dict().items() if k in ListSpec.__dataclass_fields__}
    )


def wait_for(seen, text: str):
    """A look's value, or "`text`" and the page stops here until a worker answers."""
    return value_or_wait(config, seen, text, (BUTTON, "class_sets_submit", "class_sets"))


presets_here: list = []  # where the presets go, once the names section is drawn; taken by the first offer


def offer_presets(options: dict | None) -> None:
    """Draw the presets at the top of the names section, once per run."""
    if presets_here:
        with presets_here.pop():
            preset_bar("class_sets", options)


def stop_with(exc: TeacherPrinterError) -> NoReturn:
    """Stop the page at a check that failed, saying why, with the presets still on offer."""
    offer_presets(None)
    stop_here(BUTTON, "class_sets_submit", "class_sets", exc.for_teacher())


def column_choice(label: str, columns: list[str], guess: str | None, key: str, optional: bool = True):
    choices = [None, *columns] if optional else columns
    index = choices.index(guess) if guess in choices else 0
    return st.selectbox(label, choices, index=index, format_func=lambda c: NONE if c is None else c, key=key)


receive_run_again("class_sets", "class_sets_submit", upload_of)
run_again_note("class_sets")

# -- 1. Upload ------------------------------------------------------------------------
st.subheader("1. Choose the worksheet and the class list")
left, right = st.columns(2)
with left:
    worksheets = upload_step(
        config,
        "class_sets_worksheet",
        "The worksheet: one or more PDFs, Word or PowerPoint files, or photos (used one after the other)",
        PDF_TOOL_TYPES,
    )
with right:
    lists = upload_step(
        config,
        "class_sets_list",
        "The class list: a spreadsheet (.xlsx, .xls, .ods) or a CSV file",
        ACCEPTED,
        multiple=False,
    )
usable = [u for u in worksheets if u.info.pages and not u.info.problem]
blocked = show_problems(worksheets)  # each names its file already
if lists and lists[0].info.problem:
    stop_here(BUTTON, "class_sets_submit", "class_sets", lists[0].info.problem)
if lists and lists[0].pending:  # "Looking inside …" is drawn by the upload step
    submit_button(
        BUTTON, "class_sets_submit", "class_sets", "", [], {}, ["Still looking inside the class list."]
    )
    st.stop()
if not usable or not lists:
    if blocked:
        submit_button(BUTTON, "class_sets_submit", "class_sets", "", [], {}, blocked)
    else:
        st.info("Add a worksheet and a class list to begin.", icon=":material/upload_file:")
    st.stop()
class_list, list_name = lists[0].stored, lists[0].stored.name
looks = looks_for(config)

# -- 2. The names ---------------------------------------------------------------------
st.subheader("2. Choose the names")
presets_here.append(st.container())
sheet = None
if not is_text_file(list_name):
    try:
        infos = sheet_list(config, class_list, (BUTTON, "class_sets_submit", "class_sets"))
    except TeacherPrinterError as exc:
        stop_with(exc)
    if len(infos) > 1:
        sheet = sheet_picker("class_sets", infos, "class_sets_sheet")
with st.expander("The column names are not read from the right row?"):
    header_row = header_row_input(
        "class_sets", "Row with the column names (0 if there is none)", "class_sets_header"
    )
try:
    shape = wait_for(columns_of(looks, class_list, sheet, header_row), "Reading the class list…")
except TeacherPrinterError as exc:
    stop_with(exc)
columns = shape.columns
guess = guess_columns(columns)
# Widgets keyed by the columns: another list gets fresh guesses, not the last list's choices.
sig = hashlib.sha1("\x1f".join(columns).encode()).hexdigest()[:8]
st.caption(
    f"Column names read from row {shape.header_row}: " + ", ".join(f"“{c}”" for c in columns[:12])
    if shape.header_row
    else "No row with column names: columns are called A, B, C…"
)


def name_column(key: str, split_names: bool) -> Fill:
    """A field for a name column: it also says whether the names are split in two."""
    return lambda column: (
        {f"class_sets_split_{sig}": split_names, key: column}
        if column in columns
        else (None if column else {})
    )


fill_widgets(
    "class_sets",
    {
        "name_column": name_column(f"class_sets_name_{sig}", False),
        "first_name_column": name_column(f"class_sets_first_{sig}", True),
        "surname_column": name_column(f"class_sets_surname_{sig}", True),
        "class_column": choice(f"class_sets_class_{sig}", [None, *columns]),
        "sort": lambda order: {
            "class_sets_sort_True": order,
            "class_sets_sort_False": order if order != "first_name" else "surname",
        },
        "name_order": "class_sets_order",
    },
    last=False,
)
split = st.radio(
    "The names are in",
    [True, False],
    index=0 if (guess.first_name or guess.surname or not guess.full_name) else 1,
    format_func=lambda s: "A first-name column and a surname column" if s else "One column",
    horizontal=True,
    key=f"class_sets_split_{sig}",
)
chosen: dict = {"sheet": sheet, "header_row": header_row}
a, b, c = st.columns(3)
if split:
    with a:
        chosen["first_name_column"] = column_choice(
            "First name column", columns, guess.first_name, f"class_sets_first_{sig}"
        )
    with b:
        chosen["surname_column"] = column_choice(
            "Surname column", columns, guess.surname, f"class_sets_surname_{sig}"
        )
else:
    with a:
        chosen["name_column"] = column_choice(
            "Name column", columns, guess.full_name or columns[0], f"class_sets_name_{sig}", optional=False
        )
with c:
    chosen["class_column"] = column_choice(
        "Class column (if any)", columns, guess.group, f"class_sets_class_{sig}"
    )
if not (chosen.get("name_column") or chosen.get("first_name_column") or chosen.get("surname_column")):
    offer_presets(None)
    st.info("Choose the column with the students' names.", icon=":material/person_search:")
    submit_button(
        BUTTON, "class_sets_submit", "class_sets", "", [], {}, ["Choose the column with the names."]
    )
    st.stop()

a, b = st.columns(2)
sort = ClassSetOptions.spec("sort")
chosen["sort"] = w.radio(
    a,
    ClassSetOptions,
    "sort",
    f"class_sets_sort_{split}",
    label=sort.label + (" (grouped by class)" if chosen["class_column"] else ""),
    choices=None if split else list(ONE_COLUMN_SORT),
    format_func=sort.word if split else ONE_COLUMN_SORT.get,
    horizontal=True,
)
if split:
    chosen["name_order"] = w.radio(b, ClassSetOptions, "name_order", "class_sets_order", horizontal=True)

try:
    everyone = wait_for(
        class_list_of(looks, class_list, list_part(ClassSetOptions.from_dict(chosen))),
        "Reading the names…",
    )
except TeacherPrinterError as exc:
    stop_with(exc)
if chosen["class_column"] and everyone.classes:
    fill_widgets(
        "class_sets", {"classes": choices(f"class_sets_classes_{sig}", list(everyone.classes))}, last=False
    )
    chosen["classes"] = st.multiselect(
        "Only these classes",
        list(everyone.classes),
        format_func=lambda g: f"{g} ({everyone.classes[g]})",
        placeholder="Every class",
        key=f"class_sets_classes_{sig}",
    )

# -- 3. What goes on each copy -------------------------------------------------------
st.subheader("3. Choose what goes on each copy")
fill_widgets("class_sets", COPY_WIDGETS)
a, b, c, d = st.columns(4)
chosen["show_name"] = w.checkbox(a, ClassSetOptions, "show_name", "class_sets_show_name")
if chosen["class_column"]:
    chosen["show_class"] = w.checkbox(b, ClassSetOptions, "show_class", "class_sets_show_class")
else:
    chosen["show_class"] = False
if c.checkbox("Date", value=False, key="class_sets_show_date"):
    day = c.date_input("Date", value=dt.date.today(), key="class_sets_date", label_visibility="collapsed")
    chosen["date_text"] = f"{day.day} {day.strftime('%b')} {day.year}"
chosen["extra_text"] = w.text(
    d,
    ClassSetOptions,
    "extra_text",
    "class_sets_text",
    placeholder="Homework — due Friday",
    max_chars=MAX_TEXT_CHARS,
)
a, b, c = st.columns(3)
position = ClassSetOptions.spec("position")
first_vertical, _, first_horizontal = position.default.partition("-")
vertical = a.selectbox(
    position.label,
    list(VERTICAL),
    index=list(VERTICAL).index(first_vertical),
    format_func=VERTICAL.get,
    key="class_sets_vertical",
)
horizontal = b.selectbox(
    "Side",
    list(HORIZONTAL),
    index=list(HORIZONTAL).index(first_horizontal),
    format_func=HORIZONTAL.get,
    key="class_sets_horizontal",
)
chosen["position"] = f"{vertical}-{horizontal}"
chosen["font_size"] = float(w.slider(c, ClassSetOptions, "font_size", "class_sets_size"))
chosen["make_room"] = w.checkbox(st, ClassSetOptions, "make_room", "class_sets_room")
sources = [Source(u.as_pdf, "", u.stored.name, u.info.pages) for u in usable]
if st.toggle("Choose the worksheet's pages by looking", key="class_sets_look"):
    page_picker(config, "class_sets", sources, "class_sets_pages")
chosen["pages"] = w.text(st, ClassSetOptions, "pages", "class_sets_pages", placeholder="e.g. 1-2   or   1, 3")
a, b = st.columns(2)
chosen["duplex"] = w.checkbox(a, ClassSetOptions, "duplex", "class_sets_duplex")
chosen["per_sheet"] = w.selectbox(b, ClassSetOptions, "per_sheet", "class_sets_per_sheet")
if chosen["per_sheet"] > 1:
    chosen["paper"] = w.selectbox(b, ClassSetOptions, "paper", "class_sets_paper")
# Not trimming: the label's place is measured from the worksheet's own edges.
chosen |= saver_widgets("class_sets", ClassSetOptions, trim=False)

try:
    options = ClassSetOptions.from_dict(chosen)
    found = wait_for(class_list_of(looks, class_list, list_part(options)), "Reading the names…")
except TeacherPrinterError as exc:
    stop_with(exc)
offer_presets(options.to_dict())

# -- 4. What you will get ------------------------------------------------------------
st.subheader("4. What you will get")
everything = sum(u.info.pages or 0 for u in usable)
worksheet = worksheet_name([u.stored.name for u in usable])
try:
    picked = chosen_pages(options, everything, worksheet)
except TeacherPrinterError as exc:
    stop_with(exc)
pages = len(picked) if picked is not None else everything
counts = plan(len(found.students), pages, options)
try:
    # The job's own check of these counts: a worksheet or print file too long is said here, first.
    check_counts(counts, worksheet)
except TeacherPrinterError as exc:
    blocked.append(exc.for_teacher())
# The copy's first page: which file of the worksheet holds it, and where.
first_page, holder = picked[0] if picked else 0, 0
while first_page >= (usable[holder].info.pages or 0):
    first_page -= usable[holder].info.pages or 0
    holder += 1
try:
    picture = class_set_preview(
        looks, usable[holder].as_pdf, found.students[0].to_dict(), options, first_page
    )
except TeacherPrinterError as exc:
    stop_with(exc)
facts, image = st.columns([2, 3])
with facts:
    st.metric("Students", counts.students)
    st.metric("Pages per copy", counts.padded_pages)
    st.metric("Pages in the print file", counts.total_pages)
    st.metric("Sheets of paper", counts.sheets_of_paper)
    cost_line(config, [u.as_pdf for u in usable], counts.printed_sides,
              lambda ink: class_set_cost(pages, counts.students, options, ink, prices_of(config), chosen=picked),
              lambda ink: class_set_cost(pages, counts.students, options, ink, prices_of(config), savers=False,
                                         chosen=picked))  # fmt: skip
    if counts.blank_pages:
        st.caption(
            f"A blank page is added to each copy of {pages} page{'s' if pages != 1 else ''} "
            f"so that every copy starts on a new sheet ({counts.blank_pages:,} in all)."
        )
    st.caption("You also get a ZIP with one PDF per student and a checklist to tick off.")
    for note in found.notes:
        st.info(note, icon=":material/info:")
    if options.show_name and (cannot := unprintable(found.students)):
        listed = ", ".join(f"“{s.display}”" for s in cannot[:10]) + (" …" if len(cannot) > 10 else "")
        st.warning(
            f"{len(cannot)} name{'s use' if len(cannot) != 1 else ' uses'} letters the font on this server "
            f"cannot print: {listed}. {'Those copies get' if len(cannot) != 1 else 'That copy gets'} a line "
            "to write the name on by hand.",
            icon=":material/warning:",
        )
with image:
    if picture.pending:
        waiting(config, "Drawing the first student's copy…", [picture.key])
    else:
        st.container(border=True).image(
            picture.value, caption="The first page of the first student's copy", width="stretch"
        )

# -- Go ---------------------------------------------------------------------------------
first = usable[0].stored.name.rsplit(".", 1)[0]
which = f" ({', '.join(options.classes)})" if options.classes else ""
name = result_name("Name of the result", "class_sets_name", first, f"class set{which}")
printing = print_when_done(config, "class_sets", owner()[0])
submit_button(
    BUTTON,
    "class_sets_submit",
    "class_sets",
    f"Class set · {counts.students} students{which} — {usable[0].stored.name}"
    + (f" and {len(usable) - 1} more" if len(usable) > 1 else ""),
    [{"ref": u.stored.ref, "name": u.stored.name, "role": "worksheet"} for u in usable]
    + [{"ref": class_list.ref, "name": list_name, "role": "class_list"}],
    {**options.to_dict(), **name.options()},
    blocked,
    printing=printing,
)
