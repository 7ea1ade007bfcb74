"""The teacher's order of a page's files: kept across reruns, each file a row to move up, down or out."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui._uploads import problem_box


def kept_order(prefix: str, entries: dict[str, dict[str, Any]]) -> list[str]:
    """The keys of `entries` in the teacher's order: new ones at the end, removed or left-out ones not."""
    order: list[str] = [k for k in st.session_state.get(f"{prefix}_order", []) if k in entries]
    order += [k for k in entries if k not in order]
    st.session_state[f"{prefix}_order"] = order
    dropped = st.session_state.get(f"{prefix}_dropped", set())
    dropped.intersection_update(entries)  # a file taken away and added again is back in the list
    order[:] = [k for k in order if k not in dropped]
    return order


def _move(prefix: str, index: int, step: int) -> None:
    current = st.session_state[f"{prefix}_order"]
    target = index + step
    if 0 <= target < len(current):
        current[index], current[target] = current[target], current[index]


def _drop(prefix: str, index: int) -> None:
    st.session_state.setdefault(f"{prefix}_dropped", set()).add(
        st.session_state[f"{prefix}_order"].pop(index)
    )


def draw_order(prefix: str, entries: dict[str, dict[str, Any]], order: list[str]) -> None:
    """One row per file: its place, label and pages (or its problem), and up / down / leave out."""
    for index, key in enumerate(order):
        entry = entries[key]
        with st.container(border=True):
            text, up, down, remove = st.columns([8, 1, 1, 1], vertical_alignment="center")
            pages = f" — {entry['pages']} page{'s' if entry['pages'] != 1 else ''}" if entry["pages"] else ""
            text.markdown(f"**{index + 1}.** {entry['label']}{pages}")
            if entry.get("problem"):
                with text:
                    problem_box(entry["problem"], entry.get("details", ""))
            up.button(
                ":material/arrow_upward:",
                key=f"up-{key}",
                help="Move up",
                on_click=_move,
                args=(prefix, index, -1),
                disabled=index == 0,
            )
            down.button(
                ":material/arrow_downward:",
                key=f"down-{key}",
                help="Move down",
                on_click=_move,
                args=(prefix, index, 1),
                disabled=index == len(order) - 1,
            )
            remove.button(
                ":material/close:",
                key=f"drop-{key}",
                help="Leave this file out",
                on_click=_drop,
                args=(prefix, index),
            )
