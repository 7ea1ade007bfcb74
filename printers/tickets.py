"""A print room ticket: what the teacher asks the reprographics room to do with a job's PDF.

Plain values only (it crosses the queue and lives in the print's record). The room's own
machines do the finishing, so its choices are words the room reads, not IPP codes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from printers.choices import SIDES_WORDS

# What a print room can be asked to do after printing, as its staff read it.
ROOM_FINISHING = {
    "staple": "Staple (top left)",
    "staple-2": "Two staples on the left edge",
    "punch": "Hole punch",
    "fold": "Fold in half",
    "booklet": "Fold and staple as a booklet",
    "laminate": "Laminate",
}
PAPER_COLOURS = ("white", "yellow", "blue", "green", "pink", "cream")
MAX_NOTE_CHARS = 500
MAX_CLASS_CHARS = 60


@dataclass(frozen=True)
class Ticket:
    copies: int
    sides: str
    due: str  # an ISO date, the day the teacher needs it by
    finishing: tuple[str, ...] = ()
    paper_colour: str = "white"
    class_name: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["finishing"] = list(self.finishing)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ticket:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["finishing"] = tuple(known.get("finishing", ()))
        return cls(**known)

    @property
    def due_date(self) -> dt.date:
        return dt.date.fromisoformat(self.due)

    def problems(self, today: dt.date, most_copies: int) -> list[str]:
        """What is wrong with the ticket, in words a teacher can act on; empty when it can go."""
        found = []
        if not 1 <= self.copies <= most_copies:
            found.append(f"Ask for between 1 and {most_copies} copies.")
        if self.sides not in SIDES_WORDS:
            found.append("Choose how the sheets are printed: one side or both.")
        try:
            if self.due_date < today:
                found.append("The day it is needed by has passed: choose today or a later day.")
        except ValueError:
            found.append("Choose the day it is needed by.")
        if unknown := [f for f in self.finishing if f not in ROOM_FINISHING]:
            found.append(f"The print room does not offer {', '.join(unknown)}.")
        if self.paper_colour not in PAPER_COLOURS:
            found.append(f"Choose a paper colour the print room has: {', '.join(PAPER_COLOURS)}.")
        if len(self.class_name) > MAX_CLASS_CHARS:
            found.append(f"Shorten the class to {MAX_CLASS_CHARS} characters.")
        if len(self.note) > MAX_NOTE_CHARS:
            found.append(f"Shorten the note to {MAX_NOTE_CHARS} characters (it has {len(self.note)}).")
        return found

    def details(self, with_class: bool = True, with_due: bool = True) -> list[str]:
        """The ticket in short phrases, as the job's card, the room's queue and the margin line show it."""
        parts = [
            f"{self.copies} {'copy' if self.copies == 1 else 'copies'}",
            SIDES_WORDS.get(self.sides, self.sides).lower(),
        ]
        if self.paper_colour != "white":
            parts.append(f"{self.paper_colour} paper")
        parts += [ROOM_FINISHING[f].lower() for f in self.finishing if f in ROOM_FINISHING]
        if self.class_name and with_class:
            parts.append(f"class {self.class_name}")
        if with_due:
            parts.append(f"needed by {self.due_date:%a %d %b %Y}")
        return parts

    def margin_lines(self, owner: str) -> list[str]:
        """The lines for the first sheet's margin: who and what to do with it, then the note."""
        lines = [f"Print room · {owner} · " + " · ".join(self.details())]
        if note := " ".join(self.note.split()):
            lines.append(f"Note: {note}")
        return [line.replace("{", "(").replace("}", ")") for line in lines]  # braces are stamp fields
