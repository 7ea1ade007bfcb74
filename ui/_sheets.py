"""The "which sheet, which header row" choice that the Spreadsheets and Class sets pages share."""

from __future__ import annotations

import re

import streamlit as st

from services.previews import SheetPreview, sheets_of
from sheets import SheetInfo
from storage.config import Config
from storage.files import StoredFile
from ui._looks import looks_for, value_or_wait
from ui._presets import choice, fill_widgets


def sheet_list(config: Config, file: StoredFile, button: tuple[str, str, str]) -> list[SheetInfo]:
    """The sheets of an uploaded workbook (one for a CSV file); the page waits here for them."""
    return value_or_wait(config, sheets_of(looks_for(config), file), "Reading the sheets…", button)


def sheet_picker(kind: str, infos: list[SheetInfo], key: str) -> str:
    """A choice of sheet, each shown with its rows; the first visible sheet with anything in it comes first."""
    labels = {i.name: f"{i.name} ({i.rows:,} rows){' · hidden' if i.hidden else ''}" for i in infos}
    visible = [i.name for i in infos if not i.hidden and not i.empty] or [i.name for i in infos]
    fill_widgets(kind, {"sheet": choice(key, list(labels))}, last=False)
    return st.selectbox(
        "Sheet", list(labels), index=list(labels).index(visible[0]), format_func=labels.get, key=key
    )


def header_row_input(kind: str, label: str, key: str) -> int | None:
    """The row with the column names, when the teacher corrects what was found (None: found by itself)."""
    fill_widgets(kind, {"header_row": key}, last=False)
    value = st.number_input(
        label, min_value=0, max_value=1000, value=None, placeholder="Found by itself", key=key
    )
    return None if value is None else int(value)


# A preview shows this many columns at most; a note says how many more there are.
PREVIEW_COLUMNS = 30
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def _cell(text: str) -> str:
    """A cell's text as Markdown that shows it as it is (no formatting, links or icons)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split())) or " "


def preview_table(preview: SheetPreview) -> None:
    """The first rows as a table, drawn without pandas (the web process loads no spreadsheet library)."""
    columns = preview.columns[:PREVIEW_COLUMNS]
    lines = [
        "| " + " | ".join(_cell(c) for c in columns) + " |",
        "|" + "---|" * len(columns),
        *("| " + " | ".join(_cell(v) for v in row[: len(columns)]) + " |" for row in preview.rows),
    ]
    with st.container(height=340, border=True):
        st.markdown("\n".join(lines))
    if len(preview.columns) > len(columns):
        st.caption(f"Showing the first {len(columns)} of {len(preview.columns)} columns.")
