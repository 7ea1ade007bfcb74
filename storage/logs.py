"""The one logging set-up of the web app and the workers (LOG_LEVEL).

The app's own loggers, and RQ's (the workers' "job started", "job done" lines), log at
LOG_LEVEL. Every other library logs only its warnings and errors unless LOG_LEVEL is
DEBUG: fontTools, for one, writes whole glyph lists at INFO on every class set.
"""

from __future__ import annotations

import logging

OWN_LOGGERS = ("worker", "storage", "ui", "rq")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Handler(logging.StreamHandler):
    """The handler this module adds (told apart so that setting up twice adds no second one)."""


def setup_logging(level: str) -> None:
    """Log to standard error: the app's own loggers at `level`, other libraries from WARNING up."""
    root = logging.getLogger()
    if not any(isinstance(handler, _Handler) for handler in root.handlers):
        handler = _Handler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    numeric = logging.getLevelName(level)
    root.setLevel(numeric if numeric == logging.DEBUG else max(numeric, logging.WARNING))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(numeric)
