"""How prepared jobs travel to ``scripts/enqueue.lua`` and what its reply means.

``Queue`` decides what to enqueue; this module knows only the wire form: the EVALSHA command
writing one job or a batch of one queue's jobs (and the script's short form, for one job
queued now without dependencies), how a large ``enqueue_many`` is cut into calls, and each
job's outcome in a reply. Arguments are encoded straight into RESP: enqueueing
is the producer's hot path, and a list of arguments encoded one by one cost as much client CPU
as everything else a job needs before it is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from jobctl.exceptions import DependencyNotFoundError, JobExistsError
from jobctl.keys import Keys
from jobctl.payload import PreparedJob
from jobctl.scripting import ENQUEUE, bulk, bulk_strings
from jobctl.utils import now

MAX_BATCH_JOBS = 1000
"""Jobs per script call: the script unpacks a batch's ids into one push (Lua's unpack takes
about 8000 values), and a call of this size keeps Redis busy for a few milliseconds at most."""
MAX_BATCH_BYTES = 8 * 1024 * 1024
"""Payload bytes per script call, so large payloads make several moderate calls rather than
one that approaches Redis's limit on a client's pending input (1 GiB by default)."""

_FLAG_TEXTS = [f"{front:d}{allow_failure:d}{generated:d}".encode()
               for front in (0, 1) for allow_failure in (0, 1) for generated in (0, 1)]
_FLAGS = [bulk(text) for text in _FLAG_TEXTS]
"""The script's per-job flags, indexed by 4 * at_front + 2 * allow_failure + generated id."""
_SMALL = [bulk(b"%d" % n) for n in range(64)]
"""Field and dependency counts."""
_EMPTY = bulk(b"")
_STATUS = {ord("q"): b"queued", ord("d"): b"deferred", ord("s"): b"scheduled"}
_ONE_WRITTEN = {bytes([code]): status for code, status in _STATUS.items()}

Outcome = bytes | JobExistsError | DependencyNotFoundError
"""A written (or resent) job's status, or why it was not written."""


def _flags(job: PreparedJob, allow_failure: bool) -> bytes:
    """The job's flags argument; a chosen id's request token follows the three flags."""
    index = 4 * job.at_front + 2 * allow_failure + job.generated_id
    token = job.request_token
    return _FLAGS[index] if token is None else bulk(_FLAG_TEXTS[index] + token)


def batches(prepared: list[PreparedJob]) -> Iterator[list[PreparedJob]]:
    """Cut jobs into script calls of at most MAX_BATCH_JOBS jobs and about MAX_BATCH_BYTES."""
    batch: list[PreparedJob] = []
    size = 0
    for job in prepared:
        job_size = len(job.fields["data"])
        if batch and (len(batch) == MAX_BATCH_JOBS or size + job_size > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(job)
        size += job_size
    if batch:
        yield batch


@lru_cache(maxsize=256)
def _queue_arguments(namespace: str, queue: str) -> tuple[bytes, bytes, bytes]:
    """The queue's five KEYS and its name (ARGV[1]) in RESP form, and the job key prefix."""
    keys = Keys(namespace)
    queue_keys = [keys.queue(queue), keys.queues, keys.wake(queue),
                  keys.registry("deferred", queue), keys.registry("scheduled", queue)]
    return (bulk_strings(queue_keys), bulk(queue.encode()),
            keys.job("").encode())


class _FieldNames(dict[str, bytes]):
    """Field names in RESP form, made on first use (at most a few hundred kept)."""

    def __missing__(self, name: str) -> bytes:
        value = bulk(name.encode())
        if len(self) < 256:
            self[name] = value
        return value


_FIELD_NAMES = _FieldNames()


def _count(n: int) -> bytes:
    return _SMALL[n] if n < len(_SMALL) else bulk(b"%d" % n)


def script_command(keys: Keys, queue: str, batch: list[PreparedJob], due: float | None
                   ) -> bytes:
    """The enqueue.lua call writing ``batch`` into ``queue`` (layout: see the script)."""
    queue_keys, queue_name, job_prefix = _queue_arguments(keys.namespace, queue)
    key_parts = [queue_keys]
    arg_parts = [queue_name, _EMPTY]
    nkeys, nargs = 5, 2
    due_arg = _EMPTY if due is None else bulk(repr(due).encode())
    any_dependencies = False
    for job in batch:
        job_id = job.job_id.encode()
        fields = job.fields
        deps = job.dependencies
        key_parts.append(b"$%d\r\n%b%b\r\n" % (len(job_prefix) + len(job_id), job_prefix, job_id))
        arg_parts.append(b"$%d\r\n%b\r\n%b%b%b%b%b" % (
            len(job_id), job_id,
            _flags(job, deps.allow_failure),
            _EMPTY if job.ttl is None else bulk(b"%d" % job.ttl),
            due_arg,
            _count(len(fields)),
            _count(len(deps.job_ids)),
        ))
        for name, value in fields.items():
            arg_parts.append(b"%b$%d\r\n%b\r\n" % (_FIELD_NAMES[name], len(value), value))
        if deps.job_ids:
            any_dependencies = True
            for dep_id in deps.job_ids:
                key_parts += [bulk(keys.job(dep_id).encode()),
                              bulk(keys.dependents(dep_id).encode())]
                arg_parts.append(bulk(dep_id.encode()))
        nkeys += 1 + 2 * len(deps.job_ids)
        nargs += 6 + 2 * len(fields) + len(deps.job_ids)
    if any_dependencies:  # now() at full precision: it orders the deferred registry
        arg_parts[1] = bulk(repr(now()).encode())
    return ENQUEUE.command(nkeys, b"".join(key_parts), nargs, b"".join(arg_parts))


@lru_cache(maxsize=256)
def _short_form_arguments(namespace: str, queue: str) -> tuple[bytes, bytes, bytes]:
    """In RESP form: the short form's command from EVALSHA to the queue's three KEYS (its
    count of arguments left out), the job key prefix (not encoded: the id follows), and the
    queue's name (ARGV[1])."""
    keys = Keys(namespace)
    queue_keys = (keys.queue(queue), keys.queues, keys.wake(queue))
    command = ENQUEUE.command(4, bulk_strings(queue_keys), 0, b"")
    return (command[command.index(b"\r\n") + 2:], keys.job("").encode(),
            bulk(queue.encode()))


_CRLF = b"\r\n"
_HEADERS = [b"$%d\r\n" % n for n in range(1024)]
"""The line opening a bulk string, by its length (below 1024)."""
_SHORT_FORM_SIZES = [b"*%d\r\n" % (11 + 2 * n) for n in range(64)]
"""The line opening the short form's command, by the job's number of fields (below 64)."""


def short_command(keys: Keys, queue: str, job: PreparedJob) -> bytes:
    """The enqueue.lua call queueing ``job`` now, in the script's short form; for a job without
    dependencies (Queue.enqueue's common case). Same effects and outcome as
    ``script_command(keys, queue, [job], None)`` for less work on both sides: fewer arguments
    for Redis, and for the client no formatting but of the job's own values."""
    head, job_prefix, queue_name = _short_form_arguments(keys.namespace, queue)
    job_id = job.job_id.encode()
    fields = job.fields
    headers = _HEADERS
    count = len(fields)
    size = len(job_id)
    key_size = len(job_prefix) + size
    parts = [_SHORT_FORM_SIZES[count] if count < 64 else b"*%d\r\n" % (11 + 2 * count), head,
             headers[key_size] if key_size < 1024 else b"$%d\r\n" % key_size,
             job_prefix, job_id, _CRLF,  # KEYS[4]
             queue_name,
             headers[size], job_id, _CRLF,
             _flags(job, False),
             _EMPTY if job.ttl is None else bulk(b"%d" % job.ttl)]
    names = _FIELD_NAMES
    for name, value in fields.items():
        size = len(value)
        parts += (names[name], headers[size] if size < 1024 else b"$%d\r\n" % size, value, _CRLF)
    return b"".join(parts)


def outcome(reply: bytes, job: PreparedJob) -> Outcome:
    """The outcome of the call that wrote the one job ``job``, from its reply."""
    [result] = outcomes(reply, [job])
    return result


def outcomes(reply: bytes, batch: list[PreparedJob]) -> list[Outcome]:
    """Each job's outcome, in order, from the reply of the call that wrote ``batch``."""
    written = _ONE_WRITTEN.get(reply)
    if written is not None:  # the common reply of a single enqueue
        return [written]
    codes, *rest = reply.split(b"\n")
    details = iter(rest)
    results: list[Outcome] = []
    for code, job in zip(codes, batch, strict=True):
        status = _STATUS.get(code)
        if status is not None:
            results.append(status)
        elif code == ord("r"):
            results.append(next(details))
        elif code == ord("e"):
            results.append(JobExistsError(
                f"job {job.job_id!r} already exists (status {next(details).decode() or '?'})"))
        else:
            results.append(DependencyNotFoundError(
                f"dependency {next(details).decode()!r} does not exist"))
    return results
