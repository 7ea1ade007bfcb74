"""The cost line of a tool page: pages to print (printed sides), colour pages, toner cover and
price, from the pages' toner a worker measured (one look per file, kept while the file is)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from pdf.cost import CostEstimate, InkReport, money
from services.previews import ink_of
from storage.config import Config
from storage.files import StoredFile
from ui._looks import looks_for, waiting
from ui._ui import plural


def cost_line(
    config: Config, files: list[StoredFile], sides: int, cost_of: Callable[[InkReport], CostEstimate]
) -> None:
    """Draw what printing the result will cost (`sides`: shown while the toner is measured)."""
    ink = ink_of(looks_for(config), files)
    if ink.pending or ink.value is None:
        waiting(config, f"{plural(sides, 'page')} to print · measuring the toner…", [ink.key])
        return
    cost = cost_of(ink.value)
    # "Pages to print", as the pages already call the sides of the print file.
    line = f"{plural(cost.sides, 'page')} to print"
    if cost.colour_sides:
        line += f", {cost.colour_sides} in colour"
    line += f" · about {cost.coverage:.0%} toner cover"
    if cost.price is not None:
        line += f" · about **{money(cost.price, config.currency)}** to print"
    st.caption(f":material/payments: {line}")
    if ink.value.sampled:
        st.caption(
            f"Toner measured on {ink.value.measured} of {len(ink.value.pages)} pages, spread over the file."
        )
