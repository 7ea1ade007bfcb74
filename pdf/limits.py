"""Processing limits of the print-prep operations, named once.

Going over one raises `LimitExceeded` with a message a teacher can act on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import LimitExceeded
from core.units import MB

if TYPE_CHECKING:  # pypdf is imported where a PDF is read, never by the pages that show these limits
    from pypdf.errors import LimitReachedError

# Pages in one source PDF (the same figure as the upload check).
MAX_SOURCE_PAGES = 5000
# Sheets (output pages) one run may write.
MAX_SHEETS = 5000
# Decoded size of one page's drawing instructions when they must be joined; protects memory.
MAX_PAGE_CONTENT_BYTES = 64 * MB
# Pixels in one photo or scan turned into a page (a 108-megapixel phone camera's photo fits; decoded,
# it takes about 3 bytes a pixel).
MAX_PHOTO_PIXELS = 120_000_000
# Largest margin or gap accepted (of a sheet, a label, page numbers), and the smallest cell left after them.
MAX_MARGIN_MM = 50
MIN_CELL_MM = 15
# Largest booklet signature, in sheets of paper.
MAX_SIGNATURE_SHEETS = 64

# What to do about a PDF over one of the limits below: a fresh, plain copy from the teacher's computer.
SIMPLER_COPY_HINT = (
    "Open it on your computer and print it to a new PDF (Print → Save as PDF): that makes a simpler, "
    "usually smaller copy. For a scan, scan it again at a lower resolution. Then upload that."
)


def over_pdf_limit(what: str, exc: LimitReachedError) -> LimitExceeded:
    """`what` (a file, or a page of one) went over one of pypdf's safety limits: say which, and what to do.

    pypdf guards memory with limits of its own (pypdf.Configuration); its error says which in
    English prose, which we turn into the teacher's words (the original goes into the details).
    """
    from pypdf import get_configuration

    limits = get_configuration()
    said = str(exc).lower()
    if "page tree depth" in said:
        reason = f"its list of pages is nested more than {limits.page_tree_maximum_depth} levels deep"
    elif "page tree" in said:
        reason = f"its list of pages has more than {limits.page_tree_maximum_entries:,} entries"
    elif "stream" in said or "decompress" in said or "output length" in said:
        most = limits.maximum_declared_stream_length / MB
        reason = f"a picture or the drawing of a page in it is larger than {most:,.0f} MB once unpacked"
    elif "page content" in said:
        reason = f"the drawing of a page is larger than {MAX_PAGE_CONTENT_BYTES / MB:,.0f} MB"
    else:
        reason = "it is built in a way that goes over this server's safety limits for PDFs"
    return LimitExceeded(f"{what} is too large or too complex to process: {reason}.", SIMPLER_COPY_HINT)
