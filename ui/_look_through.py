"""A finished job's results before downloading them: a PDF's first sheets as small pictures and
"Look through" every sheet in order, a screen at a time; a ZIP's list of PDFs with their pages.
The pictures and the list come from the workers' looks; this only shows them."""

from __future__ import annotations

import streamlit as st

from core.errors import LookProblem
from services.previews import describe_of
from services.thumbnails import PagePictures
from storage.config import Config
from storage.jobs import JobRecord, OutputFile
from ui._looks import looks_for, waiting
from ui._ui import plural
from worker.steps import PDF_MIME, ZIP_MIME

FIRST_SHEETS = 3
PER_SCREEN = 24
COLUMNS = 6


def result_pictures(config: Config, record: JobRecord, index: int, output: OutputFile) -> None:
    """What result `index` of a finished job holds, drawn small."""
    looks = looks_for(config)
    file = looks.files.output_file(output.ref, output.name, output.size)
    key = f"look-{record.id}-{index}"
    if output.mime == ZIP_MIME:
        _zip_contents(config, file, key)
        return
    if output.mime != PDF_MIME or not output.pages:
        return
    everything = output.pages > FIRST_SHEETS and st.toggle(
        f"Look through all {output.pages} pages of {output.name}", key=key
    )
    if not everything:
        _row(config, file, list(range(min(FIRST_SHEETS, output.pages))), output.pages, COLUMNS)
        return
    screens = -(-output.pages // PER_SCREEN)
    shown = 0
    if screens > 1:
        shown = st.selectbox(
            "Show", range(screens), key=f"{key}-screen",
            format_func=lambda s: f"Pages {s * PER_SCREEN + 1}–{min((s + 1) * PER_SCREEN, output.pages)} of {output.pages}",
        )  # fmt: skip
    first = shown * PER_SCREEN
    _row(config, file, list(range(first, min(first + PER_SCREEN, output.pages))), output.pages, COLUMNS)


def _row(config: Config, file, indexes: list[int], page_count: int, columns: int) -> None:
    got = PagePictures(looks_for(config), file, page_count).read(indexes)
    for start in range(0, len(indexes), columns):
        cells = st.columns(columns)
        for cell, page in zip(cells, indexes[start : start + columns], strict=False):
            data = got.pages.get(page, b"")
            if data:
                cell.image(data, caption=f"Page {page + 1}", width="stretch")
            else:
                cell.caption(f"Page {page + 1}: {'no picture' if data is None else 'drawing…'}")
    if got.pending:
        waiting(config, "Drawing the pages…", got.keys)


def _zip_contents(config: Config, file, key: str) -> None:
    try:
        seen = describe_of(looks_for(config), file)
    except LookProblem as exc:
        st.caption(exc.message)
        return
    if seen.pending or seen.value is None:
        waiting(config, f"Looking inside {file.name}…", [seen.key])
        return
    members = seen.value.members
    if not members:
        return
    lines = [f"- {m.display} — {plural(m.pages, 'page')}" if m.pages else f"- {m.display}" for m in members]
    with st.expander(f"{file.name} holds {plural(len(members), 'PDF')}"):
        st.markdown("\n".join(lines))
