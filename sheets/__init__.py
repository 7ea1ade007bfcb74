"""Spreadsheet operations: read any accepted file, convert CSV ⇄ XLSX.

Plain functions, files in and files out, with a progress callback; nothing
here imports Streamlit, RQ or Redis. The names below are loaded on first use, so
that importing one light module of the package (a limit, a model) loads no reader.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "csv_to_xlsx": "sheets.convert",
    "xlsx_to_csv": "sheets.convert",
    "ConvertResult": "sheets.model",
    "SheetInfo": "sheets.model",
    "Table": "sheets.model",
    "list_sheets": "sheets.read",
    "open_source": "sheets.read",
    "preview": "sheets.read",
    "read_table": "sheets.read",
    "DEFAULT_LIMITS": "sheets.safety",
    "Limits": "sheets.safety",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'sheets' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
