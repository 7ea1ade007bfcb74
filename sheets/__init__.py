"""Spreadsheet operations: read any accepted file, convert CSV ⇄ XLSX.

Plain functions, files in and files out, with a progress callback; nothing
here imports Streamlit, RQ or Redis.
"""

from sheets.convert import csv_to_xlsx, xlsx_to_csv
from sheets.model import ConvertResult, SheetInfo, Table
from sheets.read import list_sheets, open_source, preview, read_table
from sheets.safety import DEFAULT_LIMITS, Limits

__all__ = [
    "DEFAULT_LIMITS",
    "ConvertResult",
    "Limits",
    "SheetInfo",
    "Table",
    "csv_to_xlsx",
    "list_sheets",
    "open_source",
    "preview",
    "read_table",
    "xlsx_to_csv",
]
