"""The paper and toner savers' widgets, the same on every tool that offers them (Handouts, Merge &
arrange, Class sets): drawn from `worker.savers.SaverOptions`, under one expander."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui import _options as w
from worker.savers import SaverOptions

NAMES = ("greyscale", "toner_saver", "trim_margins")


def saver_keys(prefix: str) -> dict[str, str]:
    """Each saver's widget key on the page of `prefix`, for presets and "Run again…"."""
    return {name: f"{prefix}_{name}" for name in NAMES}


def saver_widgets(prefix: str, record: type[SaverOptions], trim: bool = True) -> dict[str, Any]:
    """Draw the savers (in an expander) and return what the teacher chose."""
    keys = saver_keys(prefix)
    chosen: dict[str, Any] = {}
    with st.expander("Save toner and paper: greyscale, toner saver, trim margins"):
        left, right = st.columns(2)
        chosen["greyscale"] = w.checkbox(left, record, "greyscale", keys["greyscale"])
        chosen["toner_saver"] = w.selectbox(right, record, "toner_saver", keys["toner_saver"])
        if trim:
            chosen["trim_margins"] = w.selectbox(st, record, "trim_margins", keys["trim_margins"])
    return chosen
