"""How a result is meant to be printed: on one or both sides, flipped on which edge, at what size.

The facts come from the file as it is written (are most of its pages wider than tall?)
and from what it is for (a layout made for both sides, sheets made to a paper size). They
go into the PDF as viewer preferences that print dialogs read (/Duplex, /PrintScaling),
and into the job's result, from which its card says the same in words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pypdf is imported by the operations that write; the Jobs page reads only the words
    from pypdf import PdfReader, PdfWriter

# Viewer preferences /Duplex and /PrintScaling are PDF 1.7 and 1.6 features.
PRINT_HINTS_VERSION = "%PDF-1.7"
PRINT_HINTS = ("/Duplex", "/PrintScaling")


def sheets_of_paper(sides: int, two_sided: bool) -> int:
    """Sheets of paper for printing `sides` pages: two on each sheet when printed on both sides."""
    return (sides + 1) // 2 if two_sided else sides


@dataclass(frozen=True)
class PrintSetup:
    """How to print one result file."""

    two_sided: bool = False
    landscape: bool = False  # most pages are wider than tall, as they are shown
    actual_size: bool = False  # the pages were made to the paper: never shrink them to fit

    @classmethod
    def of(cls, writer: PdfWriter, two_sided: bool, actual_size: bool) -> PrintSetup:
        """The setup for the pages `writer` holds."""
        wide = 0
        for page in writer.pages:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            turned = int(page.get("/Rotate", 0) or 0) % 180 == 90
            wide += (width > height) != turned
        return cls(two_sided, landscape=2 * wide > len(writer.pages), actual_size=actual_size)

    @property
    def ipp_sides(self) -> str:
        """The same as an IPP printer is asked for it (`sides`)."""
        return f"two-sided-{self.edge}-edge" if self.two_sided else "one-sided"

    @property
    def edge(self) -> str:
        """The edge to flip the paper on for two-sided printing, so that the backs read upright."""
        return "short" if self.landscape else "long"

    def mark(self, writer: PdfWriter) -> None:
        """Write the setup into the PDF, for print dialogs that read it."""
        if not (self.two_sided or self.actual_size):
            return
        preferences = writer.viewer_preferences or writer.create_viewer_preferences()
        if self.two_sided:
            preferences.duplex = "/DuplexFlipShortEdge" if self.landscape else "/DuplexFlipLongEdge"
        if self.actual_size:
            preferences.print_scaling = "/None"
        writer.pdf_header = max(writer.pdf_header, PRINT_HINTS_VERSION)

    def steps(self) -> list[str]:
        """How to print it, in a teacher's words: the lines of the card's "How to print" box."""
        lines = []
        if self.two_sided:
            printer_words = (
                "“short-edge binding” or “flip up”"
                if self.landscape
                else "“long-edge binding” or “flip on long edge”; it is the usual two-sided setting"
            )
            lines.append(
                f"Print on both sides of the paper, flipping on the {self.edge} edge "
                f"(your printer may call it {printer_words})."
            )
        if self.actual_size:
            lines.append("Print at actual size (100 %), not “fit to page”.")
        if lines:
            lines.append("The file asks the print dialog for these settings; check them before you print.")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrintSetup:
        return cls(**{k: bool(v) for k, v in data.items() if k in cls.__dataclass_fields__})


# The paper sizes a result is made on, as IPP names them (PWG 5101.1), with their size in points.
MEDIA: dict[str, tuple[str, float, float]] = {
    "A4": ("iso_a4_210x297mm", 595.28, 841.89),
    "Letter": ("na_letter_8.5x11in", 612.0, 792.0),
    "A3": ("iso_a3_297x420mm", 841.89, 1190.55),
    "A5": ("iso_a5_148x210mm", 419.53, 595.28),
    "Legal": ("na_legal_8.5x14in", 612.0, 1008.0),
}
PAPER_OF_MEDIA = {keyword: paper for paper, (keyword, _, _) in MEDIA.items()}


def paper_of(width: float, height: float) -> str:
    """The paper a page of this size (in points, either way round) is made for; "" for none of ours."""
    short, long = sorted((width, height))
    for paper, (_, w, h) in MEDIA.items():
        if abs(short - w) <= 3 and abs(long - h) <= 3:
            return paper
    return ""


def pages_and_paper(path: Path) -> tuple[int, str]:
    """A PDF's page count and the paper its pages are all made on ("" when they differ)."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    papers = set()
    for page in reader.pages[:50]:  # a sample: enough to tell a mixed file, quick on a long one
        box = page.mediabox
        papers.add(paper_of(float(box.width), float(box.height)))
    return len(reader.pages), (papers.pop() if len(papers) == 1 else "")


def setup_of(result: dict[str, Any]) -> PrintSetup:
    return PrintSetup.from_dict(result.get("printing") or {})


def how_to_print(result: dict[str, Any]) -> list[str]:
    """The "How to print" lines for a step's result: only a two-sided result has them."""
    setup = PrintSetup.from_dict(result.get("printing") or {})
    if not setup.two_sided:
        return []
    return setup.steps() + list(result.get("print_notes", []))


def carry_over(reader: PdfReader, writer: PdfWriter) -> None:
    """Give a file made of pages of another (a part of a split) the other's print setup."""
    from pypdf.generic import NameObject

    source = reader.viewer_preferences
    hints = {key: source[key] for key in PRINT_HINTS if source is not None and key in source}
    if hints:
        preferences = writer.viewer_preferences or writer.create_viewer_preferences()
        preferences.update({NameObject(key): NameObject(str(value)) for key, value in hints.items()})
        writer.pdf_header = max(writer.pdf_header, PRINT_HINTS_VERSION)
