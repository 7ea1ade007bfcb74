"""Print records without a printer in the way: a send its worker never finished is called failed
by the sweep, with Try again; records leave no trace in the sets the sweep reads."""

from __future__ import annotations

import time

from storage.prints import ACTIVE_PRINTS_KEY, FAILED, SENDING, SENDING_KEY, PrintRecord, PrintStore
from storage.redis_conn import get_redis
from worker import printing


def _sending(print_id: str, changed_ago: float) -> PrintRecord:
    at = time.time() - changed_ago
    return PrintRecord(id=print_id, job_id="0123456789abcdef", owner="ada@school.org", where="printer",
                       title="Cells", output_ref="jobs/x/out.pdf", output_name="out.pdf", created_at=at,
                       state=SENDING, printer="Library copier", updated_at=at)  # fmt: skip


def test_a_send_cut_off_with_its_worker_is_failed_by_the_sweep_and_can_be_tried_again(config):
    prints = PrintStore(get_redis(config))
    prints.add(_sending("aaaaaaaaaaaaaaaa", printing.SEND_CUT_OFF_S + 5))  # its worker stopped long ago
    prints.add(_sending("bbbbbbbbbbbbbbbb", 10))  # still being sent
    printing.sweep_printers(prints.conn, config)
    cut, going = prints.get("aaaaaaaaaaaaaaaa"), prints.get("bbbbbbbbbbbbbbbb")
    assert cut.state == FAILED and "was cut off" in cut.message and "Try again" in cut.hint
    assert going.state == SENDING
    assert {m.decode() for m in prints.conn.smembers(SENDING_KEY)} == {"bbbbbbbbbbbbbbbb"}

    from services.printing import Printing

    Printing(config).try_again("aaaaaaaaaaaaaaaa", "ada@school.org")
    again = prints.get("aaaaaaaaaaaaaaaa")
    assert (again.state, again.attempt, again.message) == (SENDING, 2, "")
    assert prints.conn.sismember(SENDING_KEY, "aaaaaaaaaaaaaaaa")


def test_deleting_a_jobs_prints_leaves_nothing_for_the_sweep(config):
    prints = PrintStore(get_redis(config))
    prints.add(_sending("cccccccccccccccc", 1))
    prints.delete_for_job("0123456789abcdef")
    assert prints.get("cccccccccccccccc") is None
    assert not prints.conn.smembers(SENDING_KEY) and not prints.conn.smembers(ACTIVE_PRINTS_KEY)
