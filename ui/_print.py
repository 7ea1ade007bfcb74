"""The Jobs card's printing: how each print and print room ticket of the job stands, and the
Print… form (to a printer, or to the print room as a ticket).

Only the printers the teacher may use are offered, and of each only what it said it can do;
the sides are pre-chosen from the result (a booklet: both sides, flip on the short edge). The
page reads what the workers last heard from the printers and never waits for one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from core.errors import ServiceUnavailable, TeacherPrinterError
from pdf.cost import money
from printers.choices import AUTO_SIDES, COLOR_WORDS, SIDES_WORDS, PrintChoice, paper_warning, sheets_for
from printers.setup import PrintersFileError
from printers.tickets import MAX_CLASS_CHARS, MAX_NOTE_CHARS, PAPER_COLOURS, ROOM_FINISHING, Ticket
from services.previews import prices_of
from services.print_room import PrintRoom
from services.printing import PrinterState, Printing
from storage.config import Config
from storage.jobs import JobRecord, OutputFile, Status
from storage.prints import AT_PRINTER, DECLINED, FAILED, LIVE, PRINTED, SENDING, SENT, PrintRecord
from ui._ui import ago, plural
from worker.printing import meant_sides, printable, setup_for

REFRESH_S = 2


_services: dict[str, Printing] = {}
_rooms: dict[str, PrintRoom] = {}
TO_PRINTER, TO_ROOM = "A printer", "The print room"


def printing_for(config: Config) -> Printing:
    """One printing service per settings, shared by every card of every run (it holds no state of a run)."""
    key = repr(config)
    if key not in _services:
        _services[key] = Printing(config)
    return _services[key]


def room_for(config: Config) -> PrintRoom:
    key = repr(config)
    if key not in _rooms:
        _rooms[key] = PrintRoom(config)
    return _rooms[key]


def print_section(config: Config, record: JobRecord, mine: str) -> None:
    """The job's prints and tickets and, for a finished job with a PDF, the Print… form."""
    if record.status != Status.FINISHED or not printable(record):
        return
    room = room_for(config)
    try:
        has_printers = bool(setup_for(config).printers)
    except PrintersFileError as exc:
        st.warning(
            f"Printing is not available: the printers file has a mistake ({exc}). Tell your IT person."
        )
        has_printers = False
    if not has_printers and not room.offered:  # nothing set up: nothing to read for any card
        return
    printing = printing_for(config)
    states: list[PrinterState] = []
    try:
        states = printing.printers_for(mine) if has_printers else []
        made = printing.prints_of(record.id)
    except ServiceUnavailable:
        return
    if any(m.state in LIVE for m in made):
        live_prints(printing, record.id, mine)  # refreshed only while a print is still under way
    else:
        for one in made:
            print_line(printing, one, mine)
    if not states and not room.offered:
        return
    if st.toggle("Print…", key=f"print-open-{record.id}", help="Send it to one of the school's printers"
                 + (" or to the print room" if room.offered else "")):  # fmt: skip
        to_room = not states
        if states and room.offered:
            to_room = (
                st.segmented_control(
                    "Send to", [TO_PRINTER, TO_ROOM], default=TO_PRINTER, key=f"print-where-{record.id}"
                )
                == TO_ROOM
            )
        if to_room:
            ticket_form(room, record, mine)
        else:
            print_form(printing, record, states, mine)


@st.fragment(run_every=REFRESH_S)
def live_prints(printing: Printing, job_id: str, mine: str) -> None:
    """Each print of the job, as its printer last said, redrawn every couple of seconds."""
    try:
        records = printing.prints_of(job_id)
    except ServiceUnavailable:
        return
    for made in records:
        print_line(printing, made, mine)
    if not any(m.state in LIVE for m in records):
        st.rerun()  # all ended: the card draws them still, without refreshing


def print_line(printing: Printing, made: PrintRecord, mine: str) -> None:
    if made.where == "room":
        ticket_line(room_for(printing.config), made, mine)
        return
    where = f"{made.printer}: {plural(made.copies, 'copy', 'copies')}, {SIDES_WORDS.get(made.sides, made.sides).lower()}"
    said = f" ({', '.join(made.reasons)})" if made.reasons else ""
    text = f":material/print: **{made.words}**{said} · {where} · {ago(made.created_at)}"
    if made.state == FAILED:
        st.error(f"{text}  \n{made.message} {made.hint}".strip(), icon=":material/print_disabled:")
    else:
        st.markdown(text)
    if made.state in {SENDING, *AT_PRINTER} and made.state != "canceling":
        st.button(
            "Cancel printing",
            key=f"print-cancel-{made.id}",
            on_click=_act,
            args=(printing.cancel, made.id, mine),
        )
    elif made.state == FAILED:
        st.button(
            "Try again", key=f"print-again-{made.id}", on_click=_act, args=(printing.try_again, made.id, mine)
        )


def ticket_line(room: PrintRoom, made: PrintRecord, mine: str) -> None:
    """A print room ticket on its job's card: how it stands, and what the teacher can still do."""
    asked = " · ".join(Ticket.from_dict(made.ticket).details())
    text = f":material/local_printshop: **{made.words}** · {asked} · sent {ago(made.created_at)}"
    if made.state == DECLINED:
        st.error(f"{text}  \n{made.message}", icon=":material/print_disabled:")
        return
    st.markdown(text)
    if made.state == SENT:
        st.button("Take it back", key=f"ticket-back-{made.id}", on_click=_act, args=(room.withdraw, made.id, mine),
                  help="The print room has not printed it yet")  # fmt: skip
    elif made.state == PRINTED:
        st.button("I have collected it", key=f"ticket-got-{made.id}", on_click=_act,
                  args=(room.mark_collected, made.id, mine))  # fmt: skip


def _act(operation: Callable[[str, str], None], print_id: str, mine: str) -> None:
    try:
        operation(print_id, mine)
    except (TeacherPrinterError, ServiceUnavailable) as exc:
        st.session_state["jobs_flash_error"] = exc.message


def _send(printing: Printing, record: JobRecord, ref: str, choice: PrintChoice, mine: str) -> None:
    try:
        printing.print_job(record, ref, choice, mine)
        st.session_state["jobs_flash"] = f"Sent to {choice.printer}."
        st.session_state[f"print-open-{record.id}"] = False
    except (TeacherPrinterError, ServiceUnavailable) as exc:
        st.session_state["jobs_flash_error"] = exc.message


def print_form(printing: Printing, record: JobRecord, states: list[PrinterState], mine: str) -> None:
    key = f"print-{record.id}"
    outputs = printable(record)
    with st.container(border=True):
        by_name = {s.printer.name: s for s in states}
        name = st.selectbox(
            "Printer", list(by_name), key=f"{key}-printer",
            format_func=lambda n: n + (f" — {by_name[n].printer.location}" if by_name[n].printer.location else ""),
        )  # fmt: skip
        state = by_name[name]
        can = state.can
        if can is None and state.checked_at is None:
            asking(printing, name, mine)
            return
        if can is None:
            st.warning(
                f"{name} cannot be reached right now{': ' + state.problem if state.problem else ''}. "
                "Check that it is switched on, or choose another printer.",
                icon=":material/print_disabled:",
            )
            st.button("Check the printers again", key=f"{key}-check", on_click=printing.check_again)
            return
        output = outputs[0]
        if len(outputs) > 1:
            chosen = st.selectbox("File", [o.name for o in outputs], key=f"{key}-file")
            output = next(o for o in outputs if o.name == chosen)
        meant = meant_sides(record)
        sides_offered = [s for s in SIDES_WORDS if s in can.sides]
        default_sides = meant if meant in sides_offered else sides_offered[0]
        sides = st.radio(
            "Sides", sides_offered, index=sides_offered.index(default_sides), key=f"{key}-sides-{name}",
            format_func=SIDES_WORDS.get, help="Chosen for this result; change it only if you know better.",
        )  # fmt: skip
        if record.kind == "class_sets":
            copies = 1
            st.caption("One collated set: it already holds one copy per student.")
        else:
            most = min(can.most_copies, printing.config.max_print_copies)
            copies = int(st.number_input("Copies", 1, most, 1, key=f"{key}-copies"))
        color = ""
        if can.colour and "monochrome" in can.color_modes:
            color = st.radio(
                "Colour",
                ["monochrome", "color"],
                key=f"{key}-color",
                format_func=COLOR_WORDS.get,
                horizontal=True,
            )
        finishing = []
        if can.finishing_words:
            finishing = st.multiselect(
                "Finishing",
                list(can.finishing_words),
                key=f"{key}-finishing",
                format_func=can.finishing_words.get,
            )
        choice = PrintChoice(name, copies, sides if sides != meant else AUTO_SIDES, color, tuple(finishing))
        sheets = sheets_for(output.pages, sides, copies)
        st.caption(f"{plural(sheets, 'sheet')} of paper · printed at actual size"
                   + cost_words(printing.config, output, copies, colour=can.colour and color != "monochrome"))  # fmt: skip
        if warning := paper_warning(output.paper, name, can):
            st.warning(warning, icon=":material/description:")
        room = printing.config.print_room_above_sheets
        if room and sheets > room:
            st.info(
                f"That is more than {room} sheets: "
                + ("send it to the print room instead (Send to, above)." if room_for(printing.config).offered
                   else "ask whether the print room should print this one.")
            )  # fmt: skip
        blocked = printing.problems(record, choice, mine)
        st.button(
            "Print", key=f"{key}-go", type="primary", icon=":material/print:", disabled=bool(blocked),
            on_click=_send, args=(printing, record, output.ref, choice, mine),
        )  # fmt: skip
        for reason in blocked:
            st.warning(reason, icon=":material/block:")


@st.fragment(run_every=REFRESH_S)
def asking(printing: Printing, name: str, mine: str) -> None:
    """A printer nobody has asked yet (the app has just started, or it was just listed): ask it now
    and draw the form once a worker has its answer."""
    flag = f"print-asked-{name}"
    if not st.session_state.get(flag):
        st.session_state[flag] = True
        printing.check_again()
    try:
        state = next((s for s in printing.printers_for(mine) if s.printer.name == name), None)
    except (PrintersFileError, ServiceUnavailable):
        return
    if state is not None and state.checked_at is not None:
        st.rerun(scope="app")
    st.info(f"Asking {name} what it can do…", icon=":material/hourglass_empty:")


def print_when_done(config: Config, kind: str, mine: str) -> dict | None:
    """On a tool page: "Send to a printer when it is done", drawn only where printers are set up;
    the choice for `Jobs.submit(printing=…)`, or None."""
    try:
        states = [s for s in printing_for(config).printers_for(mine) if s.can is not None and s.can.takes_pdf]
    except (PrintersFileError, ServiceUnavailable):
        return None
    if not states or not st.checkbox("Send it to a printer when it is done", key=f"{kind}_print"):
        return None
    names = [s.printer.name for s in states]
    left, right = st.columns(2)
    name = left.selectbox("Printer", names, key=f"{kind}_print_printer")
    can = next(s.can for s in states if s.printer.name == name)
    assert can is not None
    if kind == "class_sets":
        copies = 1
        right.caption("One collated set: it already holds one copy per student.")
    else:
        most = min(can.most_copies, config.max_print_copies)
        copies = int(right.number_input("Copies", 1, most, 1, key=f"{kind}_print_copies"))
    sides = AUTO_SIDES
    if not can.two_sided:
        sides = "one-sided"
        st.caption(f"{name} prints on one side only.")
    else:
        st.caption(
            "Sides as the result is meant to be printed (a booklet: both sides, flip on the short edge)."
        )
    return PrintChoice(name, copies, sides).to_dict()


def ticket_form(room: PrintRoom, record: JobRecord, mine: str) -> None:
    """The print room's ticket: copies, sides, finishing, paper colour, the day it is needed, class, note."""
    key = f"ticket-{record.id}"
    outputs = printable(record)
    with st.container(border=True):
        output = outputs[0]
        if len(outputs) > 1:
            chosen = st.selectbox("File", [o.name for o in outputs], key=f"{key}-file")
            output = next(o for o in outputs if o.name == chosen)
        left, right = st.columns(2)
        if record.kind == "class_sets":
            copies = 1
            left.caption("One collated set: it already holds one copy per student.")
        else:
            copies = int(left.number_input("Copies", 1, room.config.max_print_copies, 1, key=f"{key}-copies"))
        due = right.date_input("Needed by", dt.date.today() + dt.timedelta(days=1), min_value=dt.date.today(),
                               key=f"{key}-due", format="DD/MM/YYYY")  # fmt: skip
        meant = meant_sides(record)
        sides = st.radio("Sides", list(SIDES_WORDS), index=list(SIDES_WORDS).index(meant), key=f"{key}-sides",
                         format_func=SIDES_WORDS.get, horizontal=True)  # fmt: skip
        finishing = st.multiselect("Finishing", list(ROOM_FINISHING), key=f"{key}-finishing",
                                   format_func=ROOM_FINISHING.get)  # fmt: skip
        left, right = st.columns(2)
        colour = left.selectbox("Paper colour", PAPER_COLOURS, key=f"{key}-paper", format_func=str.capitalize)
        class_name = right.text_input("Class", key=f"{key}-class", max_chars=MAX_CLASS_CHARS,
                                      placeholder="e.g. 9B")  # fmt: skip
        note = st.text_area("Note for the print room", key=f"{key}-note", max_chars=MAX_NOTE_CHARS, height=80)
        ticket = Ticket(
            copies, sides, due.isoformat(), tuple(finishing), colour, class_name.strip(), note.strip()
        )
        st.caption(f"{plural(sheets_for(output.pages, sides, copies), 'sheet')} of paper"
                   + cost_words(room.config, output, copies))  # fmt: skip
        blocked = room.problems(ticket, record)
        st.button(
            "Send to the print room", key=f"{key}-go", type="primary", icon=":material/local_printshop:",
            disabled=bool(blocked), on_click=_send_ticket, args=(room, record, output.ref, ticket, mine),
        )  # fmt: skip
        for reason in blocked:
            st.warning(reason, icon=":material/block:")


def _send_ticket(room: PrintRoom, record: JobRecord, ref: str, ticket: Ticket, mine: str) -> None:
    try:
        room.send(record, ref, ticket, mine)
        st.session_state["jobs_flash"] = "Sent to the print room."
        st.session_state[f"print-open-{record.id}"] = False
    except (TeacherPrinterError, ServiceUnavailable) as exc:
        st.session_state["jobs_flash_error"] = exc.message


def cost_words(config: Config, output: OutputFile, copies: int, colour: bool = True) -> str:
    """What printing `output` `copies` times comes to, from the toner its worker measured:
    " · 24 pages to print, 6 in colour · about 4% toner cover · about £0.84" ("" unmeasured)."""
    if output.coverage is None or not output.pages:
        return ""
    sides = output.pages * copies
    in_colour = output.colour_pages * copies if colour else 0
    words = f" · {plural(sides, 'page')} to print"
    if in_colour:
        words += f", {in_colour:,} in colour"
    words += f" · about {output.coverage:.0%} toner cover"
    price = prices_of(config).of(sides - in_colour, in_colour)
    if price is not None:
        words += f" · about **{money(price, config.currency)}**"
    return words
