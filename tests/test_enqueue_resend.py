"""An enqueue resent after its reply was lost must not fail or write the job twice."""

from __future__ import annotations

import pytest

from jobctl import JobExistsError, Queue
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


def test_a_chosen_id_that_exists_is_still_a_conflict(connection):
    q = Queue(connection=connection)
    q.enqueue_prepared(_prepared("my-id"))
    with pytest.raises(JobExistsError, match="job 'my-id' already exists"):
        q.enqueue_prepared(_prepared("my-id"))
    assert q.job_ids == ["my-id"]
