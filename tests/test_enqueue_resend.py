"""An enqueue resent after its reply was lost must not fail or write the job twice."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest
import redis

from jobctl import JobExistsError, JobStatus, Queue
from jobctl.payload import EnqueueOptions, prepare_job
from jobctl.serializers import resolve_serializer
from tests import jobs


def _prepared(job_id: str | None = None):
    return prepare_job(jobs.add, (1, 2), {}, EnqueueOptions(job_id=job_id),
                       queue_name="default", serializer=resolve_serializer(None))


def test_a_resent_enqueue_with_a_generated_id_reports_the_first_outcome(connection):
    q = Queue(connection=connection)
    prepared = _prepared()
    first = q.enqueue_prepared(prepared)
    again = q.enqueue_prepared(prepared)  # what redis-py's resend of the script amounts to
    assert again.id == first.id
    assert q.job_ids == [first.id]


def test_a_resent_enqueue_with_a_chosen_id_reports_the_first_outcome(connection):
    q = Queue(connection=connection)
    prepared = _prepared("my-id")
    first = q.enqueue_prepared(prepared)
    again = q.enqueue_prepared(prepared)  # the same request (and token), sent again
    assert again.id == first.id == "my-id"
    assert q.job_ids == ["my-id"]


def test_a_chosen_id_that_another_request_wrote_is_still_a_conflict(connection):
    q = Queue(connection=connection)
    q.enqueue_prepared(_prepared("my-id"))
    with pytest.raises(JobExistsError, match="job 'my-id' already exists"):
        q.enqueue_prepared(_prepared("my-id"))
    with pytest.raises(JobExistsError, match="job 'my-id' already exists"):
        q.enqueue(jobs.add, 1, 2, job_id="my-id")
    assert q.job_ids == ["my-id"]


def test_a_resend_in_the_long_form_is_recognised_too(connection):
    q = Queue(connection=connection)
    parent = q.enqueue(jobs.add, 0, 0)
    prepared = prepare_job(jobs.add, (1, 2), {}, EnqueueOptions(job_id="child",
                                                                depends_on=parent),
                           queue_name="default", serializer=resolve_serializer(None))
    first = q.enqueue_prepared(prepared)
    again = q.enqueue_prepared(prepared)
    assert first.id == again.id == "child"
    assert first.get_status() == again.get_status() == JobStatus.DEFERRED


class _ReplyDroppingProxy:
    """A TCP relay to Redis that closes its first connection instead of passing on the reply
    to the first EVALSHA: the script ran, its reply is lost, and the client sends it again on
    a new connection."""

    def __init__(self, port: int) -> None:
        self._upstream_port = port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.dropped = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self._upstream_port))
            sent_script = threading.Event()
            threading.Thread(target=self._relay, args=(client, upstream, sent_script, None),
                             daemon=True).start()
            threading.Thread(target=self._relay, args=(upstream, client, None, sent_script),
                             daemon=True).start()

    def _relay(self, source: socket.socket, target: socket.socket,
               saw_script: threading.Event | None, drop_after: threading.Event | None) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if drop_after is not None and drop_after.is_set() and not self.dropped:
                    self.dropped += 1
                    break
                target.sendall(data)
                if saw_script is not None and b"EVALSHA" in data:
                    saw_script.set()
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def close(self) -> None:
        self._listener.close()


@pytest.mark.parametrize("job_id", [None, "chosen-id"], ids=["generated-id", "chosen-id"])
def test_an_enqueue_whose_reply_was_lost_succeeds_once(connection, redis_url, job_id):
    Queue("warm-up", connection=connection).enqueue(jobs.add, 0, 0)  # the script is loaded
    proxy = _ReplyDroppingProxy(connection.connection_pool.connection_kwargs["port"])
    try:
        through_proxy = redis.Redis(host="127.0.0.1", port=proxy.port)
        job = Queue(connection=through_proxy).enqueue(jobs.add, 1, 2, job_id=job_id)
    finally:
        proxy.close()
    assert proxy.dropped == 1, "the script's reply was lost and the call sent again"
    assert Queue(connection=connection).job_ids == [job.id]
    assert job_id is None or job.id == job_id
