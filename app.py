"""Teacher Printer: the entry point. `streamlit run app.py` (or `make run`)."""

from __future__ import annotations

import streamlit as st

from storage.config import load_config
from storage.logs import setup_logging
from ui._ui import audiences, sidebar_health, sign_in_gate, start_run
from ui.tools import HOME_PAGE, sections

setup_logging(load_config().log_level)
start_run()

# An emoji icon: a :material: one makes the browser fetch it from Google, which a school network may block.
st.set_page_config(page_title="Teacher Printer", page_icon="🖨️", layout="wide")

# The pages live in ui/, not pages/: a folder named pages/ beside the entry point puts a fresh
# Streamlit server in its legacy mode (every module listed as a page) until app.py first runs.
navigation = st.navigation(
    {
        section: [
            st.Page(
                page.script,
                title=page.title,
                icon=page.icon,
                url_path=page.url or None,
                default=page.script == HOME_PAGE,
            )
            for page in pages
        ]
        for section, pages in sections(audiences()).items()
    }
)
sign_in_gate()
sidebar_health()
navigation.run()
