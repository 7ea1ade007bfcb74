"""`python -m worker`: one background worker on the looks queue then the jobs queue, with the sweep beside it."""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import threading
import time

import redis
from rq.exceptions import StopRequested

from core.errors import ServiceUnavailable
from documents.office import network_closed, office_available
from storage.config import Config, load_config
from storage.files import FileStore
from storage.jobs import JobStore
from storage.logs import setup_logging
from storage.redis_conn import OFFICE_REPORT_S, get_redis, report_office
from worker.converting import claim_profile, release_profile
from worker.sweep import rebuild, sweep
from worker.tasks import make_worker

log = logging.getLogger("worker")
REDIS_WAIT_S = 60


def _sweep_forever(stop: threading.Event) -> None:
    config = load_config()
    while not stop.wait(config.sweep_interval):
        try:
            sweep(JobStore(get_redis(config), FileStore(config)), config)
        except (redis.RedisError, ServiceUnavailable) as exc:
            log.warning("sweep skipped: %s", exc)
        except Exception:
            log.exception("sweep failed")


def _printers_forever(stop: threading.Event) -> None:
    """Ask the printers what they can do and how their prints stand (one process at a time)."""
    from worker.printing import sweep_printers

    config = load_config()
    while True:  # the first round at once: the Print… form has nothing to offer until a printer is asked
        try:
            sweep_printers(get_redis(config), config)
        except (redis.RedisError, ServiceUnavailable) as exc:
            log.warning("printers round skipped: %s", exc)
        except Exception:
            log.exception("printers round failed")
        if stop.wait(config.sweep_interval):
            return


def _report_office_forever(stop: threading.Event, name: str) -> None:
    """Tell the web app, while this worker lives, that it can turn Word files into PDFs."""
    config = load_config()
    while True:
        try:
            report_office(get_redis(config), name)
        except (redis.RedisError, ServiceUnavailable) as exc:
            log.warning("could not report LibreOffice: %s", exc)
        if stop.wait(OFFICE_REPORT_S):
            return


def load_operations() -> None:
    """Import every PDF and spreadsheet operation now, once, in the worker process.

    The web app must not load these libraries, so the kinds and looks import them inside
    the steps; here they are loaded before the first job, so that each work-horse (a fork
    of this process) has them already: no step or look pays for the imports, or needs
    address space for them under its memory limit.
    """
    import documents
    import pdf
    import sheets

    for package in (pdf, sheets, documents):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    importlib.import_module("pandas")  # the first rows of spreadsheet previews
    importlib.import_module("pypdf")
    importlib.import_module("img2pdf")


def _wait_for_redis(conn: redis.Redis, patience_s: float | None = REDIS_WAIT_S) -> None:
    """Return once Redis answers; after `patience_s` (None: never give up) exit with the reason."""
    deadline = None if patience_s is None else time.monotonic() + patience_s
    while True:
        try:
            conn.ping()
            return
        except redis.RedisError as exc:
            if deadline is not None and time.monotonic() > deadline:
                raise SystemExit(f"worker: Redis is not reachable: {exc}") from exc
            time.sleep(0.5)


def work_through_outages(config: Config, conn: redis.Redis, args: argparse.Namespace) -> None:
    """Run RQ's work loop; when it ends because Redis went away, wait for Redis and carry on.

    RQ retries its own waits for the next job, but quits on a Redis error anywhere else in
    its loop (recording a result, its heartbeat); a worker that then exits takes no more jobs
    until someone starts it again. Only a stop that was asked for (a signal) or the end of a
    burst ends this loop.
    """
    name = args.name
    while True:
        worker = make_worker(config, conn, inline=args.simple, name=name, looks_only=args.looks_only)
        try:
            worker.work(burst=args.burst, logging_level=config.log_level, with_scheduler=False)
        except redis.RedisError as exc:  # raised from RQ's own clean-up, Redis being away
            log.warning("worker: Redis went away (%s)", exc)
        # Without max_jobs or max_idle_time, RQ's loop ends by itself only on a signal or at the
        # end of a burst; any other end was an error it logged ("found an unhandled exception").
        if worker.stop_asked or args.burst:
            return
        log.warning("worker: its loop ended on an error; carrying on once Redis answers")
        try:
            # RQ's signal handlers are still in place: a stop asked for now raises StopRequested.
            _wait_for_redis(conn, patience_s=None)
            time.sleep(1)  # not a tight loop, whatever the error was
        except StopRequested:
            return
        if worker.stop_asked:
            return
        name = None  # the old name may still be registered until its key expires


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    parser.add_argument("--simple", action="store_true", help="run jobs in this process (no fork)")
    parser.add_argument("--no-sweep", action="store_true", help="do not run the lost-job sweep")
    parser.add_argument("--name", default=None, help="worker name (default: RQ's)")
    parser.add_argument(
        "--looks-only", action="store_true", help="take only looks inside uploads, never jobs (fast answers)"
    )
    args = parser.parse_args(argv)

    config = load_config()
    setup_logging(config.log_level)
    try:
        conn = get_redis(config)
    except ServiceUnavailable as exc:
        print(f"worker: {exc.for_teacher()}", file=sys.stderr)
        return 2
    _wait_for_redis(conn)
    rebuild(JobStore(conn, FileStore(config)))  # any record Redis lost while no worker ran
    load_operations()
    stop = threading.Event()
    if not args.no_sweep:
        threading.Thread(target=_sweep_forever, args=(stop,), name="sweep", daemon=True).start()
        threading.Thread(target=_printers_forever, args=(stop,), name="printers", daemon=True).start()
    profile = claim_profile()
    if office_available():
        if not network_closed():
            log.warning(
                "LibreOffice runs with this host's network here: links are blocked by its settings only"
            )
        threading.Thread(
            target=_report_office_forever, args=(stop, profile.name), name="office", daemon=True
        ).start()
    else:
        log.warning(
            "LibreOffice is not installed here: Word and PowerPoint files cannot be converted (make office)"
        )
    try:
        work_through_outages(config, conn, args)
    finally:
        stop.set()
        release_profile()
    return 0


if __name__ == "__main__":
    sys.exit(main())
