"""Spreadsheets: class lists and mark sheets — convert, combine, split, clean up, print."""

from __future__ import annotations

import streamlit as st

from pages._ui import submit_button
from pages._uploads import upload_step
from storage.config import load_config
from worker.errors import TeacherPrinterError
from worker.kinds.spreadsheets import (
    ACCEPTED,
    TASK_LABELS,
    SheetOptions,
    describe_sheet_upload,
    is_text_file,
    preview_of,
    sheets_of,
)

config = load_config()

st.title("Spreadsheets")
st.caption(
    "Class lists and mark sheets from your school system: tidy Excel workbooks, CSV files, "
    "one sheet per class, a cleaned-up list, or a table that prints well."
)


@st.cache_data(show_spinner=False, max_entries=128)
def sheet_list(ref: str, data_dir: str):
    return sheets_of(config, ref)


@st.cache_data(show_spinner="Reading the first rows…", max_entries=128)
def first_rows(ref: str, sheet: str | None, header_row: int | None, data_dir: str):
    return preview_of(config, ref, sheet, header_row)


# -- 1. Upload ------------------------------------------------------------------------
st.subheader("1. Choose your files")
uploads = upload_step(
    config,
    "sheets_files",
    "CSV or text files, or Excel (.xlsx, .xlsm, .xls) or OpenDocument (.ods) spreadsheets",
    ACCEPTED,
    multiple=True,
    describe=describe_sheet_upload,
)
for bad in (u for u in uploads if u.info.problem):
    st.error(f"{bad.info.problem}", icon=":material/error:")
usable = [u for u in uploads if not u.info.problem]
if not usable:
    st.info("Add a spreadsheet to begin.", icon=":material/upload_file:")
    st.stop()

# -- 2. What was read -------------------------------------------------------------------
st.subheader("2. Check what was read")
names = [u.stored.name for u in usable]
shown = usable[0]
if len(usable) > 1:
    picked = st.selectbox("Look at", names, key="sheets_look")
    shown = usable[names.index(picked)]
ref, name = shown.stored.ref, shown.stored.name
text_file = is_text_file(name)
try:
    infos = sheet_list(ref, str(config.data_dir))
except TeacherPrinterError as exc:
    st.error(exc.for_teacher(), icon=":material/error:")
    st.stop()
sheet = None
if not text_file:
    labels = {i.name: f"{i.name} ({i.rows:,} rows){' · hidden' if i.hidden else ''}" for i in infos}
    visible = [i.name for i in infos if not i.hidden and not i.empty] or [i.name for i in infos]
    sheet = st.selectbox(
        "Sheet",
        list(labels),
        index=list(labels).index(visible[0]),
        format_func=labels.get,
        key="sheets_sheet",
    )
header_choice = st.number_input(
    "Header row (the row with the column names; 0 if there is none)",
    min_value=0,
    max_value=1000,
    value=None,
    placeholder="Found by itself",
    key="sheets_header",
)
header_row = None if header_choice is None else int(header_choice)
try:
    table = first_rows(ref, sheet, header_row, str(config.data_dir))
except TeacherPrinterError as exc:
    st.error(exc.for_teacher(), icon=":material/error:")
    st.stop()
st.caption(
    f"Column names read from row {table.header_row}."
    if table.header_row
    else "No header row: columns are A, B, C…"
)
st.dataframe(table.frame, hide_index=True, width="stretch", height=300)
for note in table.notes:
    st.info(note, icon=":material/info:")
columns = [str(c) for c in table.frame.columns]

# -- 3. What to make ------------------------------------------------------------------
st.subheader("3. Choose what to make")
tasks = ["to_xlsx"] if all(is_text_file(u.stored.name) for u in usable) else []
tasks += ["to_csv"] if any(not is_text_file(u.stored.name) for u in usable) else []
if len(usable) > 1 or len(infos) > 1:
    tasks.append("combine")
tasks += ["split", "clean", "print"]
task = st.radio("Make", tasks, format_func=TASK_LABELS.get, key="sheets_task")
chosen: dict = {"task": task, "sheet": sheet, "header_row": header_row}
inputs = [{"ref": u.stored.ref, "name": u.stored.name} for u in usable]
if task == "to_csv":
    if not text_file and len(infos) > 1:
        chosen["all_sheets"] = st.checkbox(
            f"Every sheet ({len(infos)}), as a ZIP of CSV files", key="sheets_all"
        )
    chosen["bom"] = st.checkbox(
        "Make accents show correctly when opened in Excel (UTF-8 with BOM)", value=True, key="sheets_bom"
    )
elif task == "combine":
    if len(usable) == 1:
        st.caption(f"Every sheet of {name} goes into the new workbook.")
    chosen["combine_mode"] = st.radio(
        "How",
        ["sheets", "stack"],
        format_func={
            "sheets": "One sheet for each file",
            "stack": "All rows in one sheet, with a “Source” column saying where each came from",
        }.get,
        key="sheets_combine_mode",
    )
    chosen["output_name"] = st.text_input(
        "Name of the workbook", value="combined", key="sheets_combined_name"
    )
else:
    inputs = [{"ref": ref, "name": name}]
    if task == "split":
        guess = next(
            (c for c in columns if c.strip().lower() in {"class", "form", "group", "klasse", "classe"}), None
        )
        chosen["split_column"] = st.selectbox(
            "Split by the column",
            columns,
            index=columns.index(guess) if guess else 0,
            key="sheets_split_column",
        )
        chosen["split_into"] = st.radio(
            "Into",
            ["sheets", "xlsx", "csv"],
            format_func={
                "sheets": "One workbook, one sheet for each value",
                "xlsx": "One Excel file for each value (in a ZIP)",
                "csv": "One CSV file for each value (in a ZIP)",
            }.get,
            key="sheets_split_into",
        )
    elif task == "clean":
        chosen["trim"] = st.checkbox("Remove extra spaces", value=True, key="sheets_trim")
        chosen["drop_empty"] = st.checkbox(
            "Remove empty rows and columns", value=True, key="sheets_drop_empty"
        )
        chosen["drop_duplicates"] = st.checkbox(
            "Remove rows that appear twice", value=True, key="sheets_dupes"
        )
        chosen["name_columns"] = st.multiselect(
            "Write these names with capitals only at the start (JOHN SMITH → John Smith)",
            columns,
            key="sheets_name_columns",
        )
    elif task == "print":
        chosen["title"] = st.text_input("Title at the top (optional)", key="sheets_title", max_chars=120)
        chosen["paper"] = st.selectbox("Paper", ["A4", "Letter"], key="sheets_paper")
if task != "print":
    chosen["guard"] = st.checkbox(
        "Protect against formulas hidden in the data (recommended)",
        value=True,
        key="sheets_guard",
        help="Cells that start with = + - or @ could run as formulas when the file is opened. "
        "With this on, they are kept as plain text. Negative numbers are not affected.",
    )
try:
    options = SheetOptions.from_dict(chosen)
except TeacherPrinterError as exc:
    st.error(exc.for_teacher(), icon=":material/error:")
    st.stop()

# -- 4. Go ----------------------------------------------------------------------------
what = TASK_LABELS[task].split(" (")[0]
subject = name if task != "combine" or len(inputs) == 1 else f"{len(inputs)} files"
submit_button(
    "Make it",
    "sheets_submit",
    "spreadsheets",
    f"Spreadsheets · {what} — {subject}",
    inputs,
    {**options.to_dict(), **({"output_name": chosen["output_name"]} if "output_name" in chosen else {})},
)
