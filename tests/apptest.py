"""The app under Streamlit's AppTest, with the looks a page asks for answered by a real RQ worker.

A live page waits for a look in a fragment that reruns it when the answer is in; AppTest
runs a script once per `run()`. So after each run, while looks are queued, a worker (RQ's
SimpleWorker, in this process, on the looks queue only) answers them and the page runs again,
as the browser would see it a moment later.
"""

from __future__ import annotations

from typing import Any

import redis
from rq import Queue
from rq.serializers import JSONSerializer
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

# Pages ask for looks in turn (the file's, then the counts, then the preview): a few rounds.
MAX_ROUNDS = 8


def answer_looks() -> int:
    """Answer every queued look with a real worker in this process; how many were queued."""
    from storage.config import load_config
    from storage.redis_conn import get_redis
    from worker.tasks import make_worker

    config = load_config()
    conn = get_redis(config)
    try:
        queued = Queue(config.look_queue_name, connection=conn, serializer=JSONSerializer).count
    except redis.RedisError:
        return 0
    if queued:
        worker = make_worker(config, conn, inline=True, looks_only=True)
        worker.work(burst=True, logging_level="WARNING", with_scheduler=False)
    return queued


class PageTest(AppTest):
    def _run(self, widget_state: Any = None, timeout: float | None = None) -> AppTest:
        at = super()._run(widget_state, timeout)
        for _ in range(MAX_ROUNDS):
            if not answer_looks():
                break
            from ui._ui import ANSWER_RERUN

            self.session_state[ANSWER_RERUN] = True  # as the page's waiting fragment does
            at = super()._run(self._tree.get_widget_states(), timeout)
        return at


def app_test(timeout: float = 30) -> PageTest:
    return PageTest(str(ROOT / "app.py"), default_timeout=timeout)


def looked(uploads: Any, upload: Any) -> Any:
    """An upload once a worker has looked inside it (the page shows the same a moment later)."""
    answer_looks()
    return uploads.again(upload.stored)


def unlocked(uploads: Any, stored: Any, password: str) -> Any:
    """The unlocked copy of a locked upload, made by a worker, then looked inside."""
    key = uploads.start_unlock(stored, password)
    answer_looks()
    opened = uploads.finish_unlock(key)
    return looked(uploads, opened)
