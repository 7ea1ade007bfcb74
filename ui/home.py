"""Home: what the app does and where to start."""

import streamlit as st

from ui.tools import JOBS_PAGE, PAGES, TOOLS

st.title("Teacher Printer")
st.write(
    "Turn the documents you already have into print-ready files. Upload, choose, press one "
    "button — the work carries on in the background, even if you close this tab. "
    "Collect the results on the **Jobs** page."
)

columns = st.columns(3)
# The tools fill the columns in turn; the Jobs card closes the last column.
cards = [(columns[index % 3], tool) for index, tool in enumerate(TOOLS)]
cards += [(columns[-1], page) for page in PAGES if page.script == JOBS_PAGE]
for column, page in cards:
    with column, st.container(border=True):
        st.subheader(f"{page.icon} {page.title}")
        st.write(page.blurb)
        st.page_link(page.script, label=page.link, icon=":material/arrow_forward:")
