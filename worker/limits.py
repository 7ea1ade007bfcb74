"""The limits the IT person set, in the shape the spreadsheet operations take them."""

from __future__ import annotations

from sheets.safety import DEFAULT_LIMITS, Limits
from storage.config import Config


def sheet_limits(config: Config) -> Limits:
    """The spreadsheet limits from the settings (upload size, rows, columns)."""
    return Limits(
        max_file_bytes=config.max_upload_bytes,
        max_rows=config.sheet_max_rows,
        max_columns=config.sheet_max_columns,
        max_cells=max(config.sheet_max_rows * 20, DEFAULT_LIMITS.max_cells),
    )
