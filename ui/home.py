"""Home: what the app does and where to start."""

import streamlit as st

from ui._ui import JOBS_PAGE

st.title("Teacher Printer")
st.write(
    "Turn the documents you already have into print-ready files. Upload, choose, press one "
    "button — the work carries on in the background, even if you close this tab. "
    "Collect the results on the **Jobs** page."
)

left, middle, right = st.columns(3)
with left, st.container(border=True):
    st.subheader(":material/grid_view: Handouts")
    st.write("Several pages on each sheet to save paper, or a booklet to fold and staple.")
    st.page_link("ui/handouts.py", label="Make handouts", icon=":material/arrow_forward:")
with middle, st.container(border=True):
    st.subheader(":material/merge: Merge & arrange")
    st.write("Put PDFs together in your order; keep, turn or number pages; make the file smaller; split it.")
    st.page_link("ui/merge.py", label="Merge & arrange", icon=":material/arrow_forward:")
with right, st.container(border=True):
    st.subheader(":material/groups: Class sets")
    st.write("One copy of a worksheet for every student on your class list, each with the student's name.")
    st.page_link("ui/class_sets.py", label="Make a class set", icon=":material/arrow_forward:")
with left, st.container(border=True):
    st.subheader(":material/table: Spreadsheets")
    st.write("Class lists and mark sheets: CSV to a tidy Excel workbook, workbooks to CSV.")
    st.page_link("ui/spreadsheets.py", label="Open Spreadsheets", icon=":material/arrow_forward:")
with right, st.container(border=True):
    st.subheader(":material/list_alt: Jobs")
    st.write("See what is running, download what is done, and find out what went wrong.")
    st.page_link(JOBS_PAGE, label="Open Jobs", icon=":material/arrow_forward:")
