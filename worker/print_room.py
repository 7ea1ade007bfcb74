"""The print room on the workers: the copy of a ticket's file with the ticket in its margin.

Only where the school asks for it (PRINT_ROOM_NOTE_ON_PAGE): the web process records the ticket
and queues `prepare_ticket`; until it is done the room's queue says the file is being prepared.
A copy that cannot be made (a character the font lacks, a damaged page) leaves the file as the
teacher made it, with a note saying so: a ticket is never lost for its margin line.
"""

from __future__ import annotations

import logging
from typing import Any

from printers.tickets import Ticket
from storage.config import load_config
from storage.files import FileStore
from storage.jobs import TransitionRefused
from storage.prints import IN_ROOM, PrintRecord, PrintStore
from storage.redis_conn import get_redis

PREPARE_TICKET = "worker.print_room.prepare_ticket"
ROOM_TASKS = frozenset({PREPARE_TICKET})
MARGIN_PT = 7.0
MARGIN_MM = 3.0

log = logging.getLogger(__name__)


def prepare_ticket(print_id: str) -> dict[str, Any]:
    """Write the ticket's details in the top margin of a copy of its file's first sheet."""
    from pdf.marks import MAX_STAMP_CHARS, StampSpec
    from pdf.stamp import stamp

    config = load_config()
    files = FileStore(config)
    prints = PrintStore(get_redis(config), files)
    record = prints.get(print_id)
    if record is None or record.file_ref or record.state not in IN_ROOM:
        return {"skipped": "nothing to prepare"}
    copy = files.job_dir(record.job_id) / "tickets" / f"{record.id}.pdf"
    copy.parent.mkdir(parents=True, exist_ok=True)
    note = ""
    try:
        lines = Ticket.from_dict(record.ticket).margin_lines(record.owner)
        source = files.resolve(record.output_ref)
        # The details along the top margin, the note along the bottom one.
        for line, where in zip(lines, ("top-left", "bottom-left"), strict=False):
            if len(line) > MAX_STAMP_CHARS:
                line = line[: MAX_STAMP_CHARS - 1] + "…"
            spec = StampSpec(text=line, position=where, font_size=MARGIN_PT, margin_mm=MARGIN_MM, pages="1")
            stamp(source, copy.with_suffix(".part"), spec, name=record.output_name)
            copy.with_suffix(".part").replace(copy)
            source = copy
        ref = files.ref(copy)
    except Exception as exc:  # any failure: the room prints the file as it is
        log.warning("print room ticket %s: no margin line (%s)", record.id, exc)
        copy.unlink(missing_ok=True)
        copy.with_suffix(".part").unlink(missing_ok=True)
        ref = record.output_ref
        note = "The ticket could not be written on the first sheet; the file is as the teacher made it."

    def ready(r: PrintRecord) -> None:
        r.file_ref, r.hint = ref, note

    try:
        prints.change(print_id, IN_ROOM, ready)
    except TransitionRefused:  # canceled or deleted meanwhile
        if ref != record.output_ref:
            copy.unlink(missing_ok=True)
        return {"skipped": "ticket ended"}
    return {"prepared": ref}
