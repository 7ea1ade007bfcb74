"""Waiting for a worker's look inside a file: a line that says so, and a quiet check for the answer."""

from __future__ import annotations

from typing import TypeVar

import streamlit as st

from services.looks import Looks
from services.previews import Seen
from storage.config import Config
from ui._ui import rerun_for_an_answer, submit_button

T = TypeVar("T")

# How often a waiting page asks Redis whether the answer is in (one cheap read each time).
POLL_S = 0.25


@st.cache_resource
def looks_for(config: Config) -> Looks:
    """One Looks (one Redis connection pool, one queue) per configuration, shared by the sessions."""
    return Looks(config)


def waiting(config: Config, text: str, keys: list[str]) -> None:
    """Say what is being looked at; when every answer is in, draw the page again with them."""
    with st.container(border=True):
        st.markdown(f":material/hourglass_top: {text}")
        _poll(config, tuple(keys))


@st.fragment(run_every=POLL_S)
def _poll(config: Config, keys: tuple[str, ...]) -> None:
    if not looks_for(config).waiting(list(keys)):
        rerun_for_an_answer()


def value_or_wait(config: Config, seen: Seen[T], text: str, button: tuple[str, str, str]) -> T:
    """The look's value; while it is pending, say `text`, keep the page's button off, and stop here."""
    if seen.pending:
        waiting(config, text, [seen.key])
        label, key, kind = button
        submit_button(label, key, kind, "", [], {}, [f"{text.rstrip('…')}: a moment, please."])
        st.stop()
    return seen.value  # type: ignore[return-value]
