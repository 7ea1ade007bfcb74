"""Print room: the tickets teachers sent, the soonest needed first, each with its file, what to do
with it, and buttons to mark it printed, collected, or not printed (with the reason the teacher
reads). Only the print room's staff (PRINT_ROOM_EMAILS) see this page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from core.errors import NotAllowed, ServiceUnavailable
from printers.tickets import Ticket
from services.print_room import MAX_REASON_CHARS, in_print_room
from storage.config import load_config
from storage.prints import PRINTED, SENT, PrintRecord
from ui._print import room_for
from ui._ui import ago, jobs_service, owner, plural, service_banner, take_flash

CHECK_NEW_S = 20

config = load_config()
st.title("Print room")
if jobs_service() is None:
    st.stop()
me, _ = owner()
if not in_print_room(me, config):
    st.info(
        "This page is for the print room's staff. Your tickets show on their jobs' cards on the Jobs page."
    )
    st.stop()
room = room_for(config)
st.caption(
    "Tickets teachers sent, the soonest needed first. Download the file, print it as the ticket says, "
    "then mark it printed: the teacher sees that on the job's card. A ticket you cannot print goes back "
    "with your reason."
)
if flash := take_flash("room_flash"):
    st.success(flash)
if problem := take_flash("room_flash_error"):
    st.error(problem)


def act(operation: Callable[..., None], print_id: str, *more: str, done: str) -> None:
    try:
        operation(print_id, me, *more)
        st.session_state["room_flash"] = done
    except (NotAllowed, ServiceUnavailable) as exc:
        st.session_state["room_flash_error"] = exc.message


def due_words(day: dt.date, today: dt.date) -> str:
    if day < today:
        return f":red[**overdue** (needed by {day:%a %d %b})]"
    if day == today:
        return ":orange[**needed today**]"
    if day == today + dt.timedelta(days=1):
        return "needed tomorrow"
    return f"needed by {day:%a %d %b}"


def reader(print_id: str) -> Callable[[], bytes]:
    return lambda: room.file_of(print_id, me).read_bytes()


def ticket_card(made: PrintRecord, today: dt.date) -> None:
    ticket = Ticket.from_dict(made.ticket)
    with st.container(border=True, key=f"room-{made.id}"):
        head, side = st.columns([5, 3], vertical_alignment="center")
        head.markdown(
            f"**{made.title}** · {made.owner}"
            + (f" · class {ticket.class_name}" if ticket.class_name else "")
            + f"  \n{due_words(ticket.due_date, today)} · sent {ago(made.created_at)}"
        )
        if made.file_ref:
            side.download_button(
                f"Download {made.output_name}", data=reader(made.id), file_name=made.output_name,
                mime="application/pdf", on_click="ignore", key=f"room-dl-{made.id}", icon=":material/download:",
            )  # fmt: skip
        else:
            side.caption("Preparing the file…")
        st.markdown(
            " · ".join(ticket.details(with_class=False, with_due=False))
            + f" · {plural(made.sheets, 'sheet')} of paper"
        )
        if ticket.note:
            st.markdown(f"> {ticket.note}")
        if made.hint:
            st.caption(made.hint)
        if made.state == SENT:
            left, right = st.columns([1, 3])
            left.button("Printed", key=f"room-printed-{made.id}", type="primary", icon=":material/check:",
                        on_click=act, args=(room.mark_printed, made.id), kwargs={"done": "Marked printed."})  # fmt: skip
            if right.toggle("Cannot print it…", key=f"room-no-{made.id}"):
                reason = st.text_input(
                    "Why (the teacher reads this)", key=f"room-why-{made.id}", max_chars=MAX_REASON_CHARS,
                    placeholder="e.g. We have no pink paper until Friday.",
                )  # fmt: skip
                st.button("Send it back", key=f"room-back-{made.id}", disabled=not reason.strip(),
                          on_click=act, args=(room.decline, made.id, reason),
                          kwargs={"done": "Sent back to the teacher."})  # fmt: skip
        elif made.state == PRINTED:
            st.caption(
                f"Printed {ago(made.printed_at or made.updated_at)} by {made.handled_by}; waiting to be collected."
            )
            st.button("Collected", key=f"room-collected-{made.id}", icon=":material/done_all:",
                      on_click=act, args=(room.mark_collected, made.id), kwargs={"done": "Marked collected."})  # fmt: skip


@st.fragment(run_every=CHECK_NEW_S)
def new_tickets(shown: frozenset[str]) -> None:
    """Say when tickets came in since the page was drawn (the list itself stays still to click in)."""
    try:
        now_waiting = {t.id for t in room.waiting(me)}
    except ServiceUnavailable:
        return
    if arrived := now_waiting - shown:
        st.info(f"{plural(len(arrived), 'new ticket')} came in.", icon=":material/notifications:")
        if st.button("Show them", key="room-refresh"):
            st.rerun(scope="app")


try:
    waiting = room.waiting(me)
    done = room.done_lately(me)
except ServiceUnavailable as exc:
    service_banner(exc.message)
    st.stop()

new_tickets(frozenset(t.id for t in waiting))
today = dt.date.today()
to_print = [t for t in waiting if t.state == SENT]
to_collect = [t for t in waiting if t.state == PRINTED]
st.subheader(f"To print ({len(to_print)})")
if not to_print:
    st.caption("Nothing to print.")
for made in to_print:
    ticket_card(made, today)
if to_collect:
    st.subheader(f"Waiting to be collected ({len(to_collect)})")
    for made in to_collect:
        ticket_card(made, today)
with st.expander(f"Done in the last week ({len(done)})"):
    for made in done:
        st.markdown(f"{made.words} · **{made.title}** · {made.owner} · {ago(made.updated_at)}")
