"""Teacher Printer: the entry point. `streamlit run app.py` (or `make run`)."""

from __future__ import annotations

import streamlit as st

from pages._ui import sidebar_health, sign_in_gate

# An emoji icon: a :material: one makes the browser fetch it from Google, which a school network may block.
st.set_page_config(page_title="Teacher Printer", page_icon="🖨️", layout="wide")

# Each url_path is its file's name: a bookmark then means the same page in Streamlit's legacy
# pages-directory mode, which a freshly started server is in until app.py first runs.
navigation = st.navigation(
    {
        "": [st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)],
        "Tools": [
            st.Page("pages/handouts.py", title="Handouts", icon=":material/grid_view:", url_path="handouts"),
            st.Page(
                "pages/class_sets.py", title="Class sets", icon=":material/groups:", url_path="class_sets"
            ),
            st.Page("pages/merge.py", title="Merge & arrange", icon=":material/merge:", url_path="merge"),
            st.Page(
                "pages/spreadsheets.py",
                title="Spreadsheets",
                icon=":material/table:",
                url_path="spreadsheets",
            ),
        ],
        "Your work": [
            st.Page("pages/jobs.py", title="Jobs", icon=":material/list_alt:", url_path="jobs"),
            st.Page("pages/files.py", title="My files", icon=":material/folder:", url_path="files"),
        ],
    }
)
sign_in_gate()
sidebar_health()
navigation.run()
