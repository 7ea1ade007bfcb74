"""My files: the files a teacher uploaded, to pick again on any tool page, or to delete."""

from __future__ import annotations

import streamlit as st

from storage.config import load_config
from ui._myfiles import files_list, my_files
from ui._ui import jobs_service

config = load_config()

st.title("My files")
st.caption(
    f"Files you uploaded, each kept once however often you upload it. Pick them on any tool page instead of "
    f"uploading them again. Each is kept for {config.retention_days} days after you last used it. A file "
    "that cannot be used (empty, damaged, or not what its name says) is not kept, nor a locked PDF until "
    "you unlock it: the page you uploaded it on says why."
)
mine = my_files(config) if jobs_service() is not None else None
if mine is None:
    st.stop()
files_list(mine)
