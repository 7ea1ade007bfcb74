"""Processing limits of the print-prep operations, named once.

Going over one raises `LimitExceeded` with a message a teacher can act on.
"""

from __future__ import annotations

# Pages in one source PDF (the same figure as the upload check).
MAX_SOURCE_PAGES = 5000
# Sheets (output pages) one run may write.
MAX_SHEETS = 5000
# Decoded size of one page's drawing instructions when they must be joined; protects memory.
MAX_PAGE_CONTENT_BYTES = 64 * 1024 * 1024
# Largest margin or gap accepted, and the smallest cell left after them.
MAX_MARGIN_MM = 50
MIN_CELL_MM = 15
# Largest booklet signature, in sheets of paper.
MAX_SIGNATURE_SHEETS = 64
