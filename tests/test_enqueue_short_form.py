"""A job queued now without dependencies is written by enqueue.lua's short form (fewer
arguments, straight-line code): it must leave Redis exactly as the long form does."""

from __future__ import annotations

from typing import Any

import pytest

from jobctl import Queue, enqueuing, scripting
from jobctl.keys import Keys
from jobctl.payload import EnqueueOptions, PreparedJob, prepare_job
from jobctl.serializers import resolve_serializer
from tests import jobs

VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "at front": {"at_front": True},
    "ttl": {"ttl": 300},
    "chosen id": {"job_id": "chosen-id"},
    "timeouts and meta": {"job_timeout": 30, "result_ttl": 60, "meta": {"k": "v"}},
}


def _prepared(**options: Any) -> PreparedJob:
    return prepare_job(jobs.add, (1, 2), {}, EnqueueOptions(**options), queue_name="q",
                       serializer=resolve_serializer(None))


def _write(connection, keys: Keys, prepared: PreparedJob, short: bool) -> bytes:
    command = (enqueuing.short_command(keys, "q", prepared) if short
               else enqueuing.script_command(keys, "q", [prepared], None))
    [reply] = scripting.ENQUEUE.run_commands(connection, [command])
    return bytes(reply)


def _state(connection, keys: Keys, job_ids: list[str]) -> dict[str, Any]:
    ttls = [connection.ttl(keys.job(i)) for i in job_ids]
    return {
        "hashes": [connection.hgetall(keys.job(i)) for i in job_ids],
        "ttls": [ttl if ttl < 0 else ttl > 290 for ttl in ttls],  # -1: none
        "queue": connection.lrange(keys.queue("q"), 0, -1),
        "wake": connection.lrange(keys.wake("q"), 0, -1),
        "queues": connection.smembers(keys.queues),
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_short_form_writes_what_the_long_form_writes(connection, variant):
    long_keys, short_keys = Keys("long"), Keys("short")
    options = VARIANTS[variant]
    first = _prepared(**options)
    second = _prepared(**{**options, "job_id": None})  # onto a non-empty queue
    for prepared in (first, second):
        assert _write(connection, long_keys, prepared, short=False) == b"q"
        assert _write(connection, short_keys, prepared, short=True) == b"q"
        connection.delete(long_keys.wake("q"), short_keys.wake("q"))  # the second pushes none
    ids = [first.job_id, second.job_id]
    assert _state(connection, short_keys, ids) == _state(connection, long_keys, ids)
    assert _state(connection, short_keys, ids)["hashes"][0][b"status"] == b"queued"


def test_the_short_form_pushes_a_wake_token_only_onto_an_empty_queue(connection):
    keys = Keys("short")
    _write(connection, keys, _prepared(), short=True)
    assert connection.lrange(keys.wake("q"), 0, -1) == [b"1"]
    connection.delete(keys.wake("q"))
    _write(connection, keys, _prepared(), short=True)
    assert connection.llen(keys.wake("q")) == 0


def test_the_short_form_reports_a_resend_and_a_conflict_as_the_long_form(connection):
    generated, chosen, rival = _prepared(), _prepared(job_id="taken"), _prepared(job_id="taken")
    replies = {}
    for short, keys in ((False, Keys("long")), (True, Keys("short"))):
        for prepared in (generated, chosen):
            _write(connection, keys, prepared, short)
        replies[short] = [_write(connection, keys, p, short) for p in (generated, chosen, rival)]
    assert replies[True] == replies[False] == [b"r\nqueued", b"r\nqueued", b"e\nqueued"]


def test_enqueue_takes_the_short_form_only_for_a_job_queued_now_without_dependencies(
        connection, monkeypatch):
    used: list[str] = []
    short_command = enqueuing.short_command
    monkeypatch.setattr(enqueuing, "short_command",
                        lambda keys, queue, job: used.append(job.job_id) or
                        short_command(keys, queue, job))
    q = Queue(connection=connection)
    plain = q.enqueue(jobs.add, 1, 2)
    q.enqueue(jobs.add, 1, 2, depends_on=plain)
    q.enqueue_at(plain.created_at, jobs.add, 1, 2)
    q.enqueue_many([Queue.prepare_data(jobs.add, args=(1, 2))])
    assert used == [plain.id]
    assert plain.get_status() == "queued"
