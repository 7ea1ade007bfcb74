"""Asking the workers to look inside uploads: queue a look once, read its answer when it is there.

The web process opens no file. A page asks (`Looks.ask`); the answer comes back from Redis
if any page, teacher or job asked the same look of the same content before; otherwise the
look is queued (once, however many pages ask) on the looks queue and `ask` returns None:
the page says "Looking inside …" and asks again shortly (`ui/_looks.py`). A look may give
an early answer before its slower part (`Answer.final` is False): the page shows it and
keeps waiting for the final one.
"""

from __future__ import annotations

import time
from typing import Any

from rq import Callback, Queue, Worker
from rq.serializers import JSONSerializer

from documents.formats import is_convertible_name
from services.reachable import reachable
from storage.config import Config
from storage.files import FileStore, StoredFile
from storage.looks import Answer, LookStore, content_of, key_under
from storage.redis_conn import get_redis
from worker.looks import LOOKS, RUN_LOOK
from worker.tasks import ON_LOOK_FAILURE

# A queued look not answered within LOOK_TIMEOUT plus this is queued again.
QUEUE_MARGIN_S = 30
# How long the page that queued a look waits for a quick answer before it says "Looking inside …".
QUICK_ANSWER_S = 0.4


class Looks:
    """The looks one web process asks for, under one configuration."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.files = FileStore(config)
        conn = get_redis(config)
        self.store = LookStore(conn, self.files)
        self.queue = Queue(config.look_queue_name, connection=conn, serializer=JSONSerializer)

    def key(self, name: str, files: list[StoredFile], params: dict[str, Any]) -> str:
        return key_under(self.config, name, [content_of(f.sha256 or f.ref, f.name) for f in files], params)

    def ask(self, name: str, files: list[StoredFile], params: dict[str, Any] | None = None) -> Answer | None:
        """The answer of look `name` on these files, or None while a worker is at it (queued now if need be)."""
        return self.seek(name, files, params)[1]

    def seek(
        self, name: str, files: list[StoredFile], params: dict[str, Any] | None = None
    ) -> tuple[str, Answer | None]:
        """`ask`, with the look's key beside the answer: what a page that must wait waits for."""
        if name not in LOOKS:
            raise ValueError(f"unknown look: {name!r}")
        params = dict(params or {})
        key = self.key(name, files, params)
        with reachable():
            answer = self.store.get(key)
            kept = answer is not None and (not answer.blob or self.files.resolve(answer.blob).is_file())
            if kept and (answer.final or self.store.waiting(key)):  # type: ignore[union-attr]
                return key, answer
            # Not asked yet, its picture removed, or an early answer whose look died before the end.
            if self.store.claim(key, self.timeout(name, params) + QUEUE_MARGIN_S):
                self._enqueue(name, key, {**params, "refs": [f.ref for f in files]})
                return key, self._soon(key) or (answer if kept else None)
        return key, answer if kept else None

    def timeout(self, name: str, params: dict[str, Any]) -> int:
        """LOOK_TIMEOUT, or for a document to turn into a PDF first, CONVERT_TIMEOUT on top."""
        if name == "describe" and is_convertible_name(str(params.get("name", ""))):
            return self.config.look_timeout + self.config.convert_timeout
        return self.config.look_timeout

    def _soon(self, key: str) -> Answer | None:
        """The answer of a look just queued, if a worker gives it within QUICK_ANSWER_S.

        Most looks take a tenth of a second: waiting that long here (asleep, not working)
        saves the page a round of "Looking inside …" and a second drawing.
        """
        if not Worker.count(connection=self.store.conn, queue=self.queue):
            return None  # no worker takes looks right now: nothing to wait for
        deadline = time.monotonic() + QUICK_ANSWER_S
        while time.monotonic() < deadline:
            time.sleep(0.02)
            if (answer := self.store.get(key)) is not None:
                return answer
        return None

    def ask_once(self, name: str, files: list[StoredFile], params: dict[str, Any]) -> str:
        """Queue a look that is never reused (it carries a one-off secret); its key, to read the answer by."""
        key = self.key(name, files, params)
        with reachable():
            self.store.forget(key)
            self.store.claim(key, self.config.look_timeout + QUEUE_MARGIN_S)
            self._enqueue(name, key, {**params, "refs": [f.ref for f in files]})
        return key

    def waiting(self, keys: list[str]) -> bool:
        """Whether any of these looks is still queued or running (its answer not yet stored)."""
        with reachable():
            return any(self.store.waiting(key) for key in keys)

    def blob(self, answer: Answer) -> bytes | None:
        return self.store.read_blob(answer)

    def _enqueue(self, name: str, key: str, params: dict[str, Any]) -> None:
        refs = params["refs"]
        if refs and "ref" not in params:
            params["ref"] = refs[0]
        self.queue.enqueue_call(
            func=RUN_LOOK,
            args=(name, key, params),
            timeout=self.timeout(name, params),
            result_ttl=60,
            failure_ttl=3600,
            on_failure=Callback(ON_LOOK_FAILURE),
            description=f"look {name}",
        )
