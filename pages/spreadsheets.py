"""Spreadsheets: class lists and mark sheets — convert between CSV and Excel, safely."""

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
    "Class lists and mark sheets from your school system: turn CSV into a tidy Excel workbook, or back."
)


@st.cache_data(show_spinner=False, max_entries=128)
def sheet_list(ref: str, data_dir: str):
    return sheets_of(config, ref)


@st.cache_data(show_spinner="Reading the first rows…", max_entries=128)
def first_rows(ref: str, sheet: str | None, header_row: int | None, data_dir: str):
    return preview_of(config, ref, sheet, header_row)


# -- 1. Upload ------------------------------------------------------------------------
st.subheader("1. Choose your file")
uploads = upload_step(
    config,
    "sheets_files",
    "A CSV or text file, or an Excel (.xlsx, .xlsm, .xls) or OpenDocument (.ods) spreadsheet",
    ACCEPTED,
    multiple=False,
    describe=describe_sheet_upload,
)
if not uploads:
    st.info("Add a spreadsheet to begin.", icon=":material/upload_file:")
    st.stop()
upload = uploads[0]
if upload.info.problem:
    st.error(upload.info.problem, icon=":material/error:")
    st.stop()
ref, name = upload.stored.ref, upload.stored.name
text_file = is_text_file(name)

# -- 2. What to read ------------------------------------------------------------------
st.subheader("2. Check what was read")
try:
    infos = sheet_list(ref, str(config.data_dir))
except TeacherPrinterError as exc:
    st.error(exc.for_teacher(), icon=":material/error:")
    st.stop()
sheet = None
if not text_file:
    labels = {i.name: f"{i.name} ({i.rows:,} rows){' · hidden' if i.hidden else ''}" for i in infos}
    visible = [i.name for i in infos if not i.hidden and not i.empty] or [i.name for i in infos]
    sheet = st.selectbox("Sheet", list(labels), index=list(labels).index(visible[0]), format_func=labels.get,
                         key="sheets_sheet")  # fmt: skip
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

# -- 3. What to make ------------------------------------------------------------------
st.subheader("3. Choose what to make")
tasks = ["to_xlsx", "to_csv"] if text_file else ["to_csv"]
task = st.radio("Make", tasks, format_func=TASK_LABELS.get, key="sheets_task", horizontal=True)
chosen: dict = {"task": task, "sheet": sheet, "header_row": header_row}
if task == "to_csv":
    if not text_file and len(infos) > 1:
        chosen["all_sheets"] = st.checkbox(
            f"Every sheet ({len(infos)}), as a ZIP of CSV files", key="sheets_all", value=False
        )
    chosen["bom"] = st.checkbox(
        "Make accents show correctly when opened in Excel (UTF-8 with BOM)", value=True, key="sheets_bom"
    )
chosen["guard"] = st.checkbox(
    "Protect against formulas hidden in the data (recommended)",
    value=True,
    key="sheets_guard",
    help="Cells that start with = + - or @ could run as formulas when the file is opened. "
    "With this on, they are kept as plain text. Negative numbers are not affected.",
)
options = SheetOptions.from_dict(chosen)

# -- 4. Go ----------------------------------------------------------------------------
submit_button(
    "Convert",
    "sheets_submit",
    "spreadsheets",
    f"Spreadsheets · {TASK_LABELS[task].split(' (')[0].removeprefix('Make ')} — {name}",
    [{"ref": ref, "name": name}],
    options.to_dict(),
)
