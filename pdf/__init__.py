"""Pure PDF operations: files in, files out, a progress callback; no Streamlit, RQ or Redis."""
