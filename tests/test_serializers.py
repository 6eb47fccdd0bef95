"""Serializers: pickle by default (seed 8), JSON on request, the choice stored per job."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from jobctl import Job, JobStatus, JSONSerializer, PickleSerializer, Queue, SerializationError
from tests import jobs
from tests.fixtures_engine import burst


def test_pickle_round_trips_arbitrary_python_objects(connection):
    q = Queue(connection=connection)
    value = {"when": datetime(2024, 1, 2, tzinfo=UTC), "tags": {"a", "b"}, "raw": b"\x00",
             "point": jobs.Point(1, 2), "amount": Decimal("1.10"), "pair": (1, 2)}
    job = q.enqueue(jobs.mirror, value)
    burst(q)
    assert job.result == value
    assert isinstance(q.serializer, PickleSerializer)


def test_json_queue_round_trip(connection):
    q = Queue(connection=connection, serializer="json")
    job = q.enqueue(jobs.echo, 1, "two", [3], key={"nested": None})
    raw = connection.hget(job.key, "data")
    assert json.loads(raw) == [[1, "two", [3]], {"key": {"nested": None}}]
    assert connection.hget(job.key, "ser") == b"json"
    burst(q)
    expected = {"args": [1, "two", [3]], "kwargs": {"key": {"nested": None}}}
    assert job.result == expected
    assert json.loads(connection.hget(job.key, "result")) == expected
    fetched = Job.fetch(job.id, connection=connection)  # no serializer given: read from the job
    assert isinstance(fetched.serializer, JSONSerializer)
    assert fetched.result == expected


def test_json_meta_and_synchronous_queue(connection):
    q = Queue(connection=connection, serializer=JSONSerializer, is_async=False)
    job = q.enqueue(jobs.touch_meta, "k", [1, 2], meta={"a": 1})
    assert job.get_status() == JobStatus.FINISHED
    assert Job.fetch(job.id, connection=connection).meta == {"a": 1, "k": [1, 2]}
    assert json.loads(connection.hget(job.key, "meta")) == {"a": 1, "k": [1, 2]}


def test_a_worker_decodes_pickle_and_json_jobs_side_by_side(connection):
    pickled = Queue(connection=connection).enqueue(jobs.mirror, (1, 2))
    jsoned = Queue(connection=connection, serializer="json").enqueue(jobs.mirror, (1, 2))
    burst(Queue(connection=connection))
    assert pickled.result == (1, 2)
    assert jsoned.result == [1, 2]  # JSON has no tuples


def test_a_result_json_cannot_encode_fails_the_job(connection):
    q = Queue(connection=connection, serializer="json")
    job = q.enqueue(jobs.unpicklable_result)
    burst(q)
    assert job.get_status() == JobStatus.FAILED
    assert "cannot serialize the result with json" in job.exc_info


def test_unknown_serializer_name_is_refused(connection):
    with pytest.raises(SerializationError, match="unknown serializer 'yaml'; choose one of"):
        Queue(connection=connection, serializer="yaml")
