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
    config: Config,
    files: list[StoredFile],
    sides: int,
    cost_of: Callable[[InkReport], CostEstimate],
    plain_of: Callable[[InkReport], CostEstimate] | None = None,
    members: list[str] | None = None,
) -> None:
    """Draw what printing the result will cost (`sides`: shown while the toner is measured), and,
    with `plain_of` (the cost without greyscale and the toner saver), what those save."""
    ink = ink_of(looks_for(config), files, members)
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
    if plain_of is not None and (saved := savings(config, cost, plain_of(ink.value))):
        st.caption(f":material/eco: {saved}")


def savings(config: Config, cost: CostEstimate, plain: CostEstimate) -> str:
    """What greyscale and the toner saver save, against the same print without them ("" if nothing)."""
    parts = []
    if plain.colour_sides > cost.colour_sides:
        parts.append(f"{cost.colour_sides} pages in colour instead of {plain.colour_sides}")
    if plain.coverage - cost.coverage >= 0.005:
        parts.append(f"about {cost.coverage:.0%} toner cover instead of {plain.coverage:.0%}")
    if plain.price is not None and cost.price is not None and plain.price - cost.price >= 0.005:
        parts.append(
            f"about {money(cost.price, config.currency)} instead of {money(plain.price, config.currency)}"
        )
    return "Toner and colour saved: " + ", ".join(parts) + "." if parts else ""
