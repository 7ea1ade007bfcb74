"""Teacher Printer: the entry point. `streamlit run app.py` (or `make run`)."""

from __future__ import annotations

import streamlit as st

from storage.config import load_config
from storage.logs import setup_logging
from ui._ui import sidebar_health, sign_in_gate

setup_logging(load_config().log_level)

# An emoji icon: a :material: one makes the browser fetch it from Google, which a school network may block.
st.set_page_config(page_title="Teacher Printer", page_icon="🖨️", layout="wide")

# The pages live in ui/, not pages/: a folder named pages/ beside the entry point puts a fresh
# Streamlit server in its legacy mode (every module listed as a page) until app.py first runs.
navigation = st.navigation(
    {
        "": [st.Page("ui/home.py", title="Home", icon=":material/home:", default=True)],
        "Tools": [
            st.Page("ui/handouts.py", title="Handouts", icon=":material/grid_view:", url_path="handouts"),
            st.Page("ui/class_sets.py", title="Class sets", icon=":material/groups:", url_path="class_sets"),
            st.Page("ui/merge.py", title="Merge & arrange", icon=":material/merge:", url_path="merge"),
            st.Page(
                "ui/spreadsheets.py",
                title="Spreadsheets",
                icon=":material/table:",
                url_path="spreadsheets",
            ),
        ],
        "Your work": [
            st.Page("ui/jobs.py", title="Jobs", icon=":material/list_alt:", url_path="jobs"),
            st.Page("ui/files.py", title="My files", icon=":material/folder:", url_path="files"),
        ],
    }
)
sign_in_gate()
sidebar_health()
navigation.run()
