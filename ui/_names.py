"""The "Name of the result" box every tool page ends with.

Its default follows the page's current choices (the files in their order, the layout…) on
every run until the teacher types a name of their own; from then on their name stays. A
widget with a key keeps the value it was first given, so the default cannot simply be passed
as `value=`: the box is filled through its session key, and a small note remembers which
default it last showed, to tell a name the teacher typed from a default gone stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from core.files import shorten
from worker.pipelines import NAME_TYPED

NAME_CHARS = 120


@dataclass(frozen=True)
class ResultName:
    text: str
    typed: bool  # the teacher typed it (rather than taking the default)

    def options(self) -> dict[str, Any]:
        """The job options that carry it: a typed name is marked so "Run again…" keeps it."""
        return {"output_name": self.text, **({NAME_TYPED: True} if self.typed else {})}


def default_name(stem: str, what: str = "") -> str:
    """`stem` followed by `what`, the stem shortened at a word boundary so that `what` always fits."""
    if not what:
        return shorten(stem.strip(), NAME_CHARS)
    room = max(NAME_CHARS - len(what) - 1, 0)
    return shorten(f"{shorten(stem.strip(), room)} {what}".strip(), NAME_CHARS)


def result_name(label: str, key: str, stem: str, what: str = "") -> ResultName:
    """Draw the name box, its default made from `stem` and `what` as the page stands now."""
    default = default_name(stem, what)
    note_key = f"{key}__default"
    note: dict[str, Any] = st.session_state.get(note_key) or {"shown": None, "typed": None}
    typed = note["typed"]
    shown = st.session_state.get(key)
    if shown is not None:
        # What the box holds now: the teacher's edit, a default shown earlier, or a name put in by
        # "Run again…" (empty when that job had the default). Empty or a default: follow the choices.
        shown = shown.strip()
        typed = shown if shown and shown not in (note["shown"], default) else None
    # (None: the box was not drawn on the last run, so Streamlit forgot it; the note still knows.)
    st.session_state[key] = typed or default
    st.session_state[note_key] = {"shown": default, "typed": typed}
    text = st.text_input(label, key=key, max_chars=NAME_CHARS).strip()
    return ResultName(text or default, typed=bool(typed))
