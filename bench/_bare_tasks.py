"""A task for the bare-RQ side of the queue benchmark (importable, as RQ needs)."""


def noop() -> None:
    """Do nothing: the cost measured is RQ's own."""
