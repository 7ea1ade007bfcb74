"""The text we put on pages (page numbers, stamps, a student's name): where, how large, what.

Plain records checked as they are made, with no PDF library: the pages offer these
choices and the operations (`pdf.stamp`, `pdf.named_copies`) draw them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from core.errors import EmptyDocument, LimitExceeded
from core.fonts import SMALLEST_CHOSEN_PT
from pdf.limits import MAX_MARGIN_MM

POSITIONS = ("top-left", "top-centre", "top-right", "bottom-left", "bottom-centre", "bottom-right")
# The page-number styles a teacher picks from; {page} and {pages} are filled in per page.
NUMBER_STYLES = {
    "page_x_of_y": "Page {page} of {pages}",
    "x": "{page}",
    "x_slash_y": "{page} / {pages}",
}
MAX_STAMP_CHARS = 120
# Numbers and stamps may be headline-sized ("DRAFT"), larger than a name label.
MAX_STAMP_PT = 48.0
# A name label sits in a band at the page's edge: larger text would crowd the worksheet.
MAX_LABEL_PT = 36.0


@dataclass(frozen=True)
class StampSpec:
    """What to write where, in plain JSON values so that it can cross the queue as a dict."""

    text: str = NUMBER_STYLES["page_x_of_y"]
    position: str = "bottom-centre"
    font_size: float = 10.0
    margin_mm: float = 8.0
    pages: str = "all"  # which pages carry the stamp
    first_number: int = 1  # {page} on the first stamped page

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "position", self.position.strip().lower().replace(" ", "-").replace("center", "centre")
        )
        object.__setattr__(self, "text", unicodedata.normalize("NFC", self.text).strip())
        if self.position not in POSITIONS:
            raise ValueError(f"position must be one of {POSITIONS}, not {self.position!r}")
        if not SMALLEST_CHOSEN_PT <= self.font_size <= MAX_STAMP_PT:
            raise ValueError(
                f"font_size must be between {SMALLEST_CHOSEN_PT} and {MAX_STAMP_PT} pt, not {self.font_size!r}"
            )
        if not 0 <= self.margin_mm <= MAX_MARGIN_MM:
            raise ValueError(f"margin_mm must be between 0 and {MAX_MARGIN_MM}, not {self.margin_mm!r}")
        if (
            isinstance(self.first_number, bool)
            or not isinstance(self.first_number, int)
            or self.first_number < 0
        ):
            raise ValueError(f"first_number must be a whole number from 0, not {self.first_number!r}")
        if not self.text:
            raise EmptyDocument(
                "There is no text to write on the pages.", hint="Type the text, or pick a page-number style."
            )
        if "\n" in self.text or "\r" in self.text:
            raise LimitExceeded(
                "The text has more than one line; only one line fits in a margin.",
                hint="Write it on one line.",
            )
        if len(self.text) > MAX_STAMP_CHARS:
            raise LimitExceeded(
                f"The text is {len(self.text)} characters long; at most {MAX_STAMP_CHARS} fit in a margin.",
                hint="Shorten the text.",
            )

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StampSpec:
        """The spec from `to_dict`'s output; unknown keys are refused."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown stamp options: {sorted(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class LabelStyle:
    """Where and how large the label is written, and whether the page shrinks to make room for it."""

    position: str = "top-right"
    font_size: float = 11.0
    margin_mm: float = 6.0
    make_room: bool = True

    def __post_init__(self) -> None:
        if self.position not in POSITIONS:
            raise ValueError(f"position must be one of {POSITIONS}, not {self.position!r}")
        if not SMALLEST_CHOSEN_PT <= self.font_size <= MAX_LABEL_PT:
            raise ValueError(f"font_size must be between {SMALLEST_CHOSEN_PT} and {MAX_LABEL_PT} pt")
        if not 0 <= self.margin_mm <= MAX_MARGIN_MM:
            raise ValueError(f"margin_mm must be between 0 and {MAX_MARGIN_MM}")
