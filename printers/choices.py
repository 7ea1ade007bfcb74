"""What a teacher asks of a print, and whether the printer and the school's rules allow it.

The Print… form, the job's "Send to printer" step and the worker that sends it all check a
choice here, so the page refuses (in the same words) what the worker would. Nothing here talks
to a printer: the printer's capabilities are what it said when a worker last asked.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from printers.ipp import Capabilities
from printers.setup import Printer, PrinterSetup

AUTO_SIDES = "auto"  # as the result is meant to be printed (a booklet: both sides, short edge)
SIDES_WORDS = {
    "one-sided": "One-sided",
    "two-sided-long-edge": "Both sides, flip on the long edge",
    "two-sided-short-edge": "Both sides, flip on the short edge",
}
COLOR_WORDS = {"color": "Colour", "monochrome": "Black and white"}
PAPER_WORDS = {
    "iso_a4_210x297mm": "A4",
    "na_letter_8.5x11in": "Letter",
    "iso_a3_297x420mm": "A3",
    "iso_a5_148x210mm": "A5",
    "na_legal_8.5x14in": "Legal",
    # Envelopes sit in many printers' trays beside the paper.
    "na_number-10_4.125x9.5in": "#10 envelopes",
    "iso_dl_110x220mm": "DL envelopes",
    "iso_c5_162x229mm": "C5 envelopes",
}
# A PWG 5101.1 media keyword: class_name_WIDTHxHEIGHTunit.
MEDIA_NAME = re.compile(r"^[a-z]+_(?P<name>.+?)_(?P<w>[\d.]+)x(?P<h>[\d.]+)(?P<unit>mm|in)$")


def paper_words(keyword: str) -> str:
    """A media keyword as a person says it: "A4", or "roll 4 (4×6 in)" for one without a common name."""
    if keyword in PAPER_WORDS:
        return PAPER_WORDS[keyword]
    if found := MEDIA_NAME.match(keyword):
        return f"{found['name'].replace('-', ' ')} ({found['w']}×{found['h']} {found['unit']})"
    return keyword


@dataclass(frozen=True)
class PrintChoice:
    """One print of a job's result: where, how many, how."""

    printer: str
    copies: int = 1
    sides: str = AUTO_SIDES
    color: str = ""  # "": the printer's own default
    finishings: tuple[int, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["finishings"] = list(self.finishings)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrintChoice:
        return cls(
            printer=str(data.get("printer", "")),
            copies=int(data.get("copies", 1)),
            sides=str(data.get("sides", AUTO_SIDES)),
            color=str(data.get("color", "")),
            finishings=tuple(int(f) for f in data.get("finishings", ())),
        )

    def sides_for(self, meant: str) -> str:
        """The sides to send: the chosen ones, or the ones the result is meant for."""
        return meant if self.sides == AUTO_SIDES else self.sides


@dataclass(frozen=True)
class PrintRules:
    """The school's limits on printing (settings)."""

    max_copies: int
    room_above_sheets: int = 0


def sheets_for(pages: int, sides: str, copies: int) -> int:
    """Sheets of paper the print takes."""
    per_copy = (pages + 1) // 2 if sides.startswith("two-sided") else pages
    return per_copy * max(1, copies)


def media_for(paper: str, can: Capabilities | None) -> str:
    """The media keyword to ask for: the result's paper, when the printer has that size at all."""
    keyword = next((k for k, words in PAPER_WORDS.items() if words == paper), "")
    if not keyword or can is None:
        return keyword
    return keyword if not can.media_supported or keyword in can.media_supported else ""


def paper_warning(paper: str, printer: str, can: Capabilities | None) -> str:
    """A sentence when the printer has no paper of the result's size loaded; "" otherwise."""
    keyword = media_for(paper, can)
    if can is None or not paper or not can.media_ready or keyword in can.media_ready:
        return ""
    loaded = ", ".join(dict.fromkeys(paper_words(m) for m in can.media_ready))
    if not keyword:
        return f"{printer} cannot print on {paper} paper (it has {loaded}): the pages will be fitted to its paper."
    return (
        f"{printer} has no {paper} paper loaded (it has {loaded}): it will wait for someone to load "
        f"{paper}, or choose another printer."
    )


def problems(
    choice: PrintChoice,
    printer: Printer | None,
    setup: PrinterSetup,
    person: str | None,
    can: Capabilities | None,
    rules: PrintRules,
    meant_sides: str,
) -> list[str]:
    """Everything that keeps this print from being sent, in the teacher's words (empty: it may go).

    `person` is the teacher's address (None: an admin, or single-user mode, who may use any printer).
    """
    if printer is None:
        return [f"There is no printer called “{choice.printer}” (any more): choose another one."]
    if not setup.may_use(printer, person):
        return [f"{printer.name} is not one of the printers you may use."]
    found = []
    if choice.copies < 1:
        found.append("Print at least 1 copy.")
    elif choice.copies > rules.max_copies:
        found.append(
            f"At most {rules.max_copies} copies can be sent to a printer at once: "
            "for more, send it to the print room."
        )
    if can is None:  # not known yet what it can do: the send itself will tell
        return found
    if not can.takes_pdf:
        found.append(f"{printer.name} does not take PDF files: choose another printer.")
    if choice.copies > can.most_copies:
        found.append(f"{printer.name} prints at most {can.most_copies} copies of a job.")
    sides = choice.sides_for(meant_sides)
    if sides not in can.sides:
        found.append(f"{printer.name} cannot print on both sides: choose one-sided, or another printer.")
    if choice.color and choice.color not in can.color_modes:
        found.append(f"{printer.name} cannot print in {COLOR_WORDS.get(choice.color, choice.color).lower()}.")
    if missing := [f for f in choice.finishings if f not in can.finishing_words]:
        found.append(f"{printer.name} cannot do that finishing ({', '.join(map(str, missing))}).")
    return found
