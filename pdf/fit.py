"""Fit to paper: every page onto a sheet of one paper size (A4, Letter, A3, A5), without cutting
anything off (scaled to fit, centred) or at its actual size (centred; what is larger than the
paper is cut at its edges, and counted). A landscape page goes on landscape paper.

Pages are drawn as form XObjects (`pdf.xobject`), kept vector; as with handouts, links,
comments and form fields of the pages are not carried over.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from core.progress import ProgressCallback, no_progress
from pdf.compose import draw_form, newest_header, save
from pdf.layout import Rect, canonical_paper, paper_size, placement_matrix
from pdf.printing import PrintSetup
from pdf.source import open_source
from pdf.xobject import FormCache

# A page within this of the paper's size counts as that size (rounding in the files' own numbers).
SAME_SIZE_PT = 1.0


@dataclass(frozen=True)
class FitResult:
    pages: int
    paper: str
    resized_pages: int  # pages that were not this paper size already
    cut_pages: int  # actual size only: pages larger than the paper, cut at its edges


def fit_to_paper(
    src: Path,
    out: Path,
    paper: str,
    actual_size: bool = False,
    two_sided: bool = False,
    progress: ProgressCallback = no_progress,
    name: str | None = None,
) -> FitResult:
    """Write `src` to `out` with every page on `paper`, fitted (or at actual size), centred."""
    name = name or src.name
    paper = canonical_paper(paper)
    reader = open_source(src)
    writer = PdfWriter()
    forms = FormCache(reader, writer, name)
    total = len(reader.pages)
    resized = cut = 0
    for index in range(total):
        box = forms.box(index)
        w, h = box.size
        width, height = paper_size(paper, "landscape" if w > h else "portrait")
        if abs(w - width) > SAME_SIZE_PT or abs(h - height) > SAME_SIZE_PT:
            resized += 1
        if actual_size:
            cut += w > width + SAME_SIZE_PT or h > height + SAME_SIZE_PT
            cell = Rect((width - w) / 2, (height - h) / 2, w, h)  # fitting a cell its own size: scale 1
        else:
            cell = Rect(0, 0, width, height)
        page = writer.add_blank_page(width=width, height=height)
        content = DecodedStreamObject()
        content.set_data(
            b"q 0 0 %.3f %.3f re W n " % (width, height)
            + draw_form(placement_matrix(box, cell), "/P0")
            + b" Q\n"
        )
        page[NameObject("/Contents")] = writer._add_object(content.flate_encode())
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): DictionaryObject({NameObject("/P0"): forms.form(index)})}
        )
        progress(index + 1, total + 1, f"Fitting page {index + 1} of {total} to {paper}")
    writer.pdf_header = newest_header(writer.pdf_header, reader.pdf_header, "%PDF-1.4")
    save(writer, out, PrintSetup.of(writer, two_sided, actual_size=True))
    progress(total + 1, total + 1, "Done")
    return FitResult(total, paper, resized, cut)
