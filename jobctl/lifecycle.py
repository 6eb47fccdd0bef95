"""The Redis side of one run of a job: claim it, start it under a token, settle it with that
token (claiming the next job in the same round trip).

A busy worker thus pays one round trip per job: settling a job claims the next and, when that
is one of the ids the worker saw at the head of the queue (its candidates), starts it too;
otherwise ``start`` costs a second. Every step is one script that checks its preconditions, so
a step resent after a lost reply, or sent by a worker presumed dead, changes nothing it should
not.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from redis import Redis

from jobctl import scripting
from jobctl.dependencies import dependent_groups
from jobctl.exceptions import NoSuchJobError
from jobctl.execution import Outcome, perform
from jobctl.job import Job
from jobctl.keys import Keys
from jobctl.retry import Retry
from jobctl.scripting import bulk, bulk_strings
from jobctl.status import JobStatus
from jobctl.utils import decode, now, stamp

if TYPE_CHECKING:
    from jobctl.queue import Queue

_SETTLE_ATTEMPTS = 20


@dataclass(frozen=True, slots=True)
class ClaimGroup:
    """The claim's KEYS and ARGV (see scripts/_claim.lua): the queues in order, the lease, and
    what starting the claimed job needs when it is one of the ``candidates``.

    Both come encoded for the wire (runs of :func:`jobctl.scripting.bulk`): a busy worker
    sends a group with every job, and most of it is the same every time (see
    :func:`_fixed_parts`). ``token`` is the execution token the claimed job starts under if
    it is started in the same round trip.
    """

    nqueues: int
    nkeys: int
    keys: bytes
    nargs: int
    args: bytes
    token: str = ""

    @classmethod
    def build(cls, keys: Keys, queue_names: list[str], lease_expiry: float,
              worker_name: str = "", candidates: tuple[str, ...] = ()) -> ClaimGroup:
        token = new_token()
        fixed_keys, names, worker, job_prefix = _fixed_parts(keys.namespace, tuple(queue_names),
                                                             worker_name)
        encoded = [id.encode() for id in candidates]
        size = len(job_prefix)
        candidate_keys = b"".join([b"$%d\r\n%b%b\r\n" % (size + len(id), job_prefix, id)
                                   for id in encoded])
        candidate_args = b"".join([b"$%d\r\n%b\r\n" % (len(id), id) for id in encoded])
        lease = repr(lease_expiry).encode()
        moment = stamp().encode()
        count = b"%d" % len(candidates)
        args = b"$%d\r\n%b\r\n%b$16\r\n%b\r\n%b$%d\r\n%b\r\n%b$%d\r\n%b\r\n" % (
            len(lease), lease, names, token.encode(), worker, len(moment), moment,
            candidate_args, len(count), count)
        nqueues = len(queue_names)
        return cls(nqueues, 3 + 3 * nqueues + len(encoded), fixed_keys + candidate_keys,
                   nqueues + 5 + len(encoded), args, token)


@lru_cache(maxsize=256)
def _fixed_parts(namespace: str, queue_names: tuple[str, ...], worker_name: str
                 ) -> tuple[bytes, bytes, bytes, bytes]:
    """What a claim group of these queues (in this order) and this worker always holds, in
    RESP form: the fixed KEYS, the queue names, the worker's name; and the job key prefix."""
    keys = Keys(namespace)
    claim_keys = [keys.paused, keys.suspended, keys.worker(worker_name or "-")]
    for name in queue_names:
        claim_keys += [keys.queue(name), keys.registry("started", name), keys.wake(name)]
    return (bulk_strings(claim_keys), bulk_strings(queue_names), bulk(worker_name.encode()),
            keys.job("").encode())


NO_CLAIM = ClaimGroup(0, 0, b"", 0, b"")


@dataclass
class Claimed:
    """A job id taken from a queue into the started registry (see scripts/_claim.lua).

    ``fields`` is set when the job was also started, under ``token``, in the same round trip;
    ``dropped`` when it may not run (canceled, deleted or expired while queued).
    ``candidates`` are the ids then at the head of its queue, for the next claim.
    """

    queue: str
    job_id: str
    token: str = ""
    fields: dict[bytes, bytes] | None = None
    dropped: bool = False
    candidates: tuple[str, ...] = ()

    @classmethod
    def from_reply(cls, reply: bytes | None, token: str) -> Claimed | None:
        """Read claim_reply's packed string (see scripts/_claim.lua)."""
        if not reply:
            return None
        parts = unpack(reply)
        queue, job_id, state, ncandidates = (decode(part) for part in parts[:4])
        nfirst = 4 + int(ncandidates)
        flat = parts[nfirst:]
        fields = dict(zip(flat[::2], flat[1::2], strict=True)) if state == "started" else None
        return cls(queue, job_id, token, fields, state == "dropped",
                   tuple(decode(c) for c in parts[4:nfirst]))


def unpack(packed: bytes) -> list[bytes]:
    """The strings of a claim reply: a MessagePack array of strings (see claim_reply in
    scripts/_claim.lua; Redis's cmsgpack writes strings as str, never bin, but both read)."""
    head = packed[0]
    if head & 0xF0 == 0x90:
        count, position = head & 0x0F, 1
    else:
        count, position = _msgpack_size(packed, 0, _ARRAY_SIZES)
    parts: list[bytes] = []
    append = parts.append
    for _ in range(count):
        head = packed[position]
        if head & 0xE0 == 0xA0:  # fixstr: up to 31 bytes, the size in the header
            size = head & 0x1F
            position += 1
        else:
            size, position = _msgpack_size(packed, position, _STRING_SIZES)
        append(packed[position:position + size])
        position += size
    return parts


_ARRAY_SIZES = {0xDC: 2, 0xDD: 4}
_STRING_SIZES = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4}
"""Bytes of the big-endian size after a MessagePack header (array 16/32; str and bin 8/16/32)."""


def _msgpack_size(packed: bytes, position: int, sizes: dict[int, int]) -> tuple[int, int]:
    """The size that follows the header at ``position``, and where the data after it starts."""
    width = sizes.get(packed[position])
    if width is None:
        raise ValueError(f"unexpected claim reply: header {packed[position]:#x} at {position}")
    start = position + 1
    return int.from_bytes(packed[start:start + width], "big"), start + width


@dataclass
class Settled:
    """What settling did: ``verdict`` is ok, failed, retried, fenced, gone or resent."""

    verdict: str
    released: list[str] = field(default_factory=list)
    claimed: Claimed | None = None
    """The job claimed in the same round trip, if any."""


def new_token() -> str:
    """A fresh execution token: only the execution holding it may settle the job (16
    characters: ClaimGroup.build relies on that)."""
    return os.urandom(8).hex()


def claim(connection: Redis, group: ClaimGroup) -> Claimed | None:
    """Atomically take the next job id (queue order is priority order)."""
    reply = scripting.CLAIM.call_encoded(connection, group.nkeys, group.keys, group.nargs,
                                         group.args)
    return Claimed.from_reply(reply, group.token)


def start(connection: Redis, keys: Keys, queue: str, job_id: str, token: str,
          worker_name: str = "", serializer: Any = None) -> Job | None:
    """Mark a claimed job started under ``token``; None when it may not run (see start.lua)."""
    fields = scripting.START(
        connection,
        [keys.job(job_id), keys.registry("started", queue), keys.worker(worker_name or "-")],
        [job_id, token, worker_name, stamp()],
    )
    if not fields:
        return None
    pairs = dict(zip(fields[::2], fields[1::2], strict=True))
    return Job.from_fields(job_id, pairs, connection, keys, serializer)


def settle(connection: Redis, keys: Keys, job: Job, outcome: Outcome, token: str,
           claim_next: ClaimGroup = NO_CLAIM) -> Settled:
    """Record the outcome if ``token`` still owns the job; optionally claim the next job.

    The settling script refuses when the job gained dependents since they were read, so the
    loop re-reads them; every attempt is atomic and a refused attempt changes nothing.
    """
    group_keys: list[str] = []
    group_args: list[str] = []
    for _ in range(_SETTLE_ATTEMPTS):
        reply = _settle_once(connection, keys, job, outcome, token, group_keys, group_args,
                             claim_next)
        verdict = decode(reply[0])
        if verdict == "dependents":
            group_keys, group_args = dependent_groups(connection, keys, job.id)
            continue
        if verdict == "resent":  # an earlier attempt settled the job; its reply was lost
            return Settled(verdict, [], Claimed.from_reply(reply[1], claim_next.token))
        if verdict not in ("ok", "failed", "retried"):
            return Settled(verdict)
        claimed = Claimed.from_reply(reply[1], claim_next.token)
        released = [] if verdict == "retried" else [decode(r) for r in reply[2:]]
        return Settled(verdict, released, claimed)
    raise RuntimeError(f"could not settle job {job.id}: its dependents keep changing")


def _settle_once(connection: Redis, keys: Keys, job: Job, outcome: Outcome, token: str,
                 group_keys: list[str], group_args: list[str], claim_next: ClaimGroup) -> Any:
    queue = job.origin
    ndependents = len(group_args) // 2
    job_id = job.id.encode()
    job_key = bulk(keys.job(job.id).encode())
    dependents = bulk(keys.dependents(job.id).encode())
    registries = _registry_keys(keys.namespace, queue)
    nkeys = 4 + len(group_keys) + claim_next.nkeys
    first_args = b"%b%b%b" % (bulk(job_id), bulk(token.encode()), bulk(repr(now()).encode()))
    counts = b"%b%b%b%b" % (bulk(b"%d" % ndependents), bulk(b"%d" % claim_next.nqueues),
                            bulk_strings(group_args), claim_next.args)
    nargs = 7 + len(group_args) + claim_next.nargs
    if outcome.status == JobStatus.FINISHED:
        return scripting.FINISH.call_encoded(
            connection,
            nkeys, b"%b%b%b%b%b%b" % (job_key, registries.started, registries.finished,
                                      dependents, bulk_strings(group_keys), claim_next.keys),
            nargs, b"%b%b%b%b" % (first_args, bulk(b"%d" % job.result_ttl), bulk(outcome.result),
                                  counts),
        )
    retry_delay = ""
    if outcome.retryable and outcome.status == JobStatus.FAILED and job.retries_left:
        max_retries = int(job.field("retries_max") or job.retries_left)
        retry_delay = str(Retry.delay_for(job.retries_left, max_retries, job.retry_intervals))
    return scripting.FAIL.call_encoded(
        connection,
        nkeys + 3, b"%b%b%b%b%b%b%b" % (job_key, registries.started, registries.failed,
                                        dependents, registries.queue_wake_scheduled,
                                        bulk_strings(group_keys), claim_next.keys),
        nargs + 2, b"%b%b%b%b%b%b" % (
            first_args, bulk(b"%d" % job.failure_ttl), bulk(outcome.status.value.encode()),
            bulk(outcome.exc_info.encode()), bulk(retry_delay.encode()), counts),
    )


@dataclass(frozen=True, slots=True)
class _RegistryKeys:
    """A queue's keys the settling scripts take, in RESP form."""

    started: bytes
    finished: bytes
    failed: bytes
    queue_wake_scheduled: bytes


@lru_cache(maxsize=256)
def _registry_keys(namespace: str, queue: str) -> _RegistryKeys:
    keys = Keys(namespace)
    return _RegistryKeys(
        bulk_strings([keys.registry("started", queue)]),
        bulk_strings([keys.registry("finished", queue)]),
        bulk_strings([keys.registry("failed", queue)]),
        bulk_strings([keys.queue(queue), keys.wake(queue), keys.registry("scheduled", queue)]))


def run_synchronously(job: Job, queue: Queue) -> None:
    """``Queue(is_async=False)``: run the job (and dependents it releases) right here."""
    pending = [job.id]
    while pending:
        job_id = pending.pop(0)
        token = new_token()
        claimed = scripting.CLAIM_JOB(
            queue.connection,
            [queue.keys.queue(queue.name), queue.keys.registry("started", queue.name)],
            [job_id, repr(now() + 3600)],
        )
        if not claimed:
            continue
        running = start(queue.connection, queue.keys, queue.name, job_id, token,
                        serializer=queue.serializer)
        if running is None:
            continue
        outcome = perform(running)
        pending += settle(queue.connection, queue.keys, running, outcome, token).released
    with contextlib.suppress(NoSuchJobError):
        job.refresh()
