"""Spreadsheets: class lists and mark sheets — convert, combine, split, clean up, print."""

from __future__ import annotations

import streamlit as st

from core.errors import TeacherPrinterError
from services.previews import groups_of, preview_of
from storage.config import load_config
from ui import _options as w
from ui._looks import looks_for, value_or_wait
from ui._names import ResultName, result_name
from ui._presets import (
    Fields,
    choice,
    choices,
    fill_widgets,
    preset_bar,
    receive_run_again,
    run_again_note,
)
from ui._sheets import header_row_input, preview_table, sheet_list, sheet_picker
from ui._ui import stop_here, submit_button
from ui._uploads import upload_step
from worker.kinds.spreadsheets import (
    ACCEPTED,
    TASK_LABELS,
    SheetOptions,
    is_text_file,
    plan,
)

config = load_config()
BUTTON = "Make it"

st.title("Spreadsheets")
st.caption(
    "Class lists and mark sheets from your school system: tidy Excel workbooks, CSV files, "
    "one sheet per class, a cleaned-up list, or a table that prints well."
)


HERE = (BUTTON, "sheets_submit", "spreadsheets")


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' if count != 1 else ''}"


def task_widgets(tasks: list[str], columns: list[str]) -> Fields:
    """The widget of each option of section 3, so that a preset or "Run again…" can fill them in."""
    return w.fields(
        SheetOptions,
        {
            "task": choice("sheets_task", tasks),
            "all_sheets": "sheets_all",
            "bom": "sheets_bom",
            "combine_mode": "sheets_combine_mode",
            "output_name": "sheets_combined_name",
            "split_column": choice("sheets_split_column", columns),
            "split_into": "sheets_split_into",
            "trim": "sheets_trim",
            "drop_empty": "sheets_drop_empty",
            "drop_duplicates": "sheets_dupes",
            "name_columns": choices("sheets_name_columns", columns),
            "title": "sheets_title",
            "paper": "sheets_paper",
            "guard": "sheets_guard",
        },
    )


receive_run_again("spreadsheets", "sheets_submit", lambda item: "sheets_files")
run_again_note("spreadsheets")


# -- 1. Upload ------------------------------------------------------------------------
st.subheader("1. Choose your files")
uploads = upload_step(
    config,
    "sheets_files",
    "CSV or text files, or Excel (.xlsx, .xlsm, .xls) or OpenDocument (.ods) spreadsheets",
    ACCEPTED,
    multiple=True,
)
for bad in (u for u in uploads if u.info.problem):
    st.error(f"{bad.info.problem}", icon=":material/error:")
usable = [u for u in uploads if not u.info.problem]
if not usable:
    if uploads:  # each problem is drawn above; the button says what keeps it from being pressed
        submit_button(BUTTON, "sheets_submit", "spreadsheets", "", [], {}, [u.info.problem for u in uploads])
    else:
        st.info("Add a spreadsheet to begin.", icon=":material/upload_file:")
    st.stop()

# -- 2. What was read -------------------------------------------------------------------
st.subheader("2. Check what was read")
names = [u.stored.name for u in usable]
shown = usable[0]
if len(usable) > 1:
    picked = st.selectbox("Look at", names, key="sheets_look")
    shown = usable[names.index(picked)]
name = shown.stored.name
looks = looks_for(config)
text_file = is_text_file(name)
try:
    infos = sheet_list(config, shown.stored, HERE)
except TeacherPrinterError as exc:
    stop_here(BUTTON, "sheets_submit", "spreadsheets", exc.for_teacher())
sheet = None
if not text_file:
    sheet = sheet_picker("spreadsheets", infos, "sheets_sheet")
header_row = header_row_input(
    "spreadsheets", "Header row (the row with the column names; 0 if there is none)", "sheets_header"
)
try:
    table = value_or_wait(
        config, preview_of(looks, shown.stored, sheet, header_row), "Reading the first rows…", HERE
    )
except TeacherPrinterError as exc:
    stop_here(BUTTON, "sheets_submit", "spreadsheets", exc.for_teacher())
st.caption(
    f"Column names read from row {table.header_row}."
    if table.header_row
    else "No header row: columns are A, B, C…"
)
preview_table(table)
for note in table.notes:
    st.info(note, icon=":material/info:")
columns = table.columns

# -- 3. What to make ------------------------------------------------------------------
st.subheader("3. Choose what to make")
tasks = ["to_xlsx"] if all(is_text_file(u.stored.name) for u in usable) else []
tasks += ["to_csv"] if any(not is_text_file(u.stored.name) for u in usable) else []
if len(usable) > 1 or len(infos) > 1:
    tasks.append("combine")
tasks += ["split", "clean", "print"]
presets_here = st.container()
fill_widgets("spreadsheets", task_widgets(tasks, columns))
task = w.radio(st, SheetOptions, "task", "sheets_task", choices=tasks)
chosen: dict = {"task": task, "sheet": sheet, "header_row": header_row}
inputs = [{"ref": u.stored.ref, "name": u.stored.name} for u in usable]
named: ResultName | None = None  # the workbook's name, when the files are combined into one
if task == "to_csv":
    if not text_file and len(infos) > 1:
        chosen["all_sheets"] = st.checkbox(
            f"Every sheet ({len(infos)}), as a ZIP of CSV files", key="sheets_all"
        )
    chosen["bom"] = w.checkbox(st, SheetOptions, "bom", "sheets_bom")
elif task == "combine":
    if len(usable) == 1:
        st.caption(f"Every sheet of {name} goes into the new workbook.")
    chosen["combine_mode"] = w.radio(st, SheetOptions, "combine_mode", "sheets_combine_mode")
    stems = [u.stored.name.rsplit(".", 1)[0] for u in usable]
    together = " and ".join(stems) if len(stems) <= 2 else f"{stems[0]} and {len(stems) - 1} more"
    named = result_name(
        "Name of the workbook",
        "sheets_combined_name",
        together,
        "combined" if chosen["combine_mode"] == "sheets" else "in one sheet",
    )
else:
    inputs = [{"ref": shown.stored.ref, "name": name}]
    if task == "split":
        guess = next(
            (c for c in columns if c.strip().lower() in {"class", "form", "group", "klasse", "classe"}), None
        )
        chosen["split_column"] = st.selectbox(
            SheetOptions.spec("split_column").label,
            columns,
            index=columns.index(guess) if guess else 0,
            key="sheets_split_column",
        )
        chosen["split_into"] = w.radio(st, SheetOptions, "split_into", "sheets_split_into")
    elif task == "clean":
        chosen["trim"] = w.checkbox(st, SheetOptions, "trim", "sheets_trim")
        chosen["drop_empty"] = w.checkbox(st, SheetOptions, "drop_empty", "sheets_drop_empty")
        chosen["drop_duplicates"] = w.checkbox(st, SheetOptions, "drop_duplicates", "sheets_dupes")
        chosen["name_columns"] = st.multiselect(
            SheetOptions.spec("name_columns").label, columns, key="sheets_name_columns"
        )
    elif task == "print":
        chosen["title"] = w.text(st, SheetOptions, "title", "sheets_title", max_chars=120)
        chosen["paper"] = w.selectbox(st, SheetOptions, "paper", "sheets_paper")
if task != "print":
    chosen["guard"] = w.checkbox(st, SheetOptions, "guard", "sheets_guard")
try:
    options = SheetOptions.from_dict(chosen)
except TeacherPrinterError as exc:
    with presets_here:
        preset_bar("spreadsheets", None)
    stop_here(BUTTON, "sheets_submit", "spreadsheets", exc.for_teacher())
with presets_here:
    preset_bar("spreadsheets", options.to_dict())

# -- 4. What you will get -------------------------------------------------------------
st.subheader("4. What you will get")
shown_sheet = next((i for i in infos if i.name == sheet), infos[0] if infos else None)
rows = max((shown_sheet.rows if shown_sheet else 0) - table.header_row, 0)
size = f"{plural(rows, 'row')} and {plural(len(columns), 'column')}"
found: dict[str, int] = {}
if task == "split":
    try:
        found = value_or_wait(
            config,
            groups_of(looks, shown.stored, options.split_column, sheet, header_row),
            "Counting the groups…",
            HERE,
        )
    except TeacherPrinterError as exc:
        stop_here(BUTTON, "sheets_submit", "spreadsheets", exc.for_teacher())
counts = plan(len(inputs), len(infos), rows, len(columns), options, len(found))
if task == "to_xlsx":
    result = (
        f"**one Excel workbook** ({size})"
        if counts.results == 1
        else f"**{counts.results} Excel workbooks**, one for each file"
    )
elif task == "to_csv":
    if counts.results > 1:
        result = f"**{counts.results} results**, one for each file"
    elif counts.parts > 1:
        result = f"**a ZIP of {counts.parts} CSV files**, one for each sheet"
    else:
        result = f"**one CSV file** ({size})"
elif task == "combine":
    result = (
        f"**one workbook with {plural(counts.parts, 'sheet')}**, one for each {counts.each}"
        if options.combine_mode == "sheets"
        else f"**one workbook** with the rows of {counts.parts} {counts.each}s in one sheet"
    )
elif task == "split":
    made = {
        "sheets": f"one workbook with {plural(counts.parts, 'sheet')}",
        "xlsx": f"a ZIP of {plural(counts.parts, 'Excel file')}",
        "csv": f"a ZIP of {plural(counts.parts, 'CSV file')}",
    }[options.split_into]
    each = f"one for each of the {plural(counts.parts, 'value')} of “{options.split_column}”"
    result = f"**{made}**, {each} ({plural(rows, 'row')})"
elif task == "clean":
    result = f"**a cleaned copy of {name}** ({size} before cleaning); the Jobs page lists what changed"
else:
    result = f"**a PDF table** of {size} on {options.paper} paper"
st.info(f"You will get {result}.", icon=":material/description:")

# -- 5. Go ----------------------------------------------------------------------------
what = TASK_LABELS[task].split(" (")[0]
subject = name if task != "combine" or len(inputs) == 1 else f"{len(inputs)} files"
submit_button(
    BUTTON,
    "sheets_submit",
    "spreadsheets",
    f"Spreadsheets · {what} — {subject}",
    inputs,
    {**options.to_dict(), **(named.options() if named is not None else {})},
)
