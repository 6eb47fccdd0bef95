"""Workers: take jobs from queues in priority order and run each in a forked child (the seed).

The loop claims a job atomically (one script moves its id into the started registry), starts it
under a fresh execution token, runs it, and settles it with that token, so a worker presumed
dead cannot overwrite a re-run's outcome. Heartbeats come from this parent process on a timer;
Redis outages are waited out, never fatal.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from redis import Redis

from jobctl import defaults, lifecycle, maintenance, scripting
from jobctl.context import resolve_connection, resolve_keys
from jobctl.dequeue import PriorityOrder
from jobctl.dequeue import dequeue_strategy as dequeue_strategy_for
from jobctl.execution import Outcome, job_message, perform_message, run_stopped_callback
from jobctl.forkserver import ForkServer
from jobctl.horse import TICK, HorseWatch, LocalForks, Spawner, StandbyHorses
from jobctl.job import Job
from jobctl.keys import Keys
from jobctl.lifecycle import NO_CLAIM, Claimed, ClaimGroup, new_token, settle, start
from jobctl.outage import Outage, is_transient
from jobctl.queue import Queue
from jobctl.scheduler import Scheduler
from jobctl.serializers import Serializer, resolve_serializer
from jobctl.shutdown import Shutdown
from jobctl.status import JobStatus
from jobctl.throughput import ThroughputCounts
from jobctl.utils import decode, now, validate_queue_name
from jobctl.workers import WorkerInfo, list_workers

logger = logging.getLogger("jobctl.worker")
T = TypeVar("T")

SCHEDULER_INTERVAL = 1.0
"""Seconds between a scheduler's passes over its queues' scheduled registries."""


class Worker:
    """Runs jobs from ``queues`` (earlier queues first), forking a child per job (or per
    ``jobs_per_horse`` jobs)."""

    mode = "fork"

    def __init__(
        self,
        queues: Iterable[Queue | str] | Queue | str = (defaults.QUEUE_NAME,),
        connection: Redis | None = None,
        name: str | None = None,
        serializer: str | Serializer | None = None,
        namespace: str | None = None,
        *,
        allow: Iterable[str] = (),
        heartbeat_interval: float = defaults.WORKER_HEARTBEAT_INTERVAL,
        lease: float = defaults.WORKER_LEASE,
        block_timeout: float = defaults.WORKER_BLOCK_TIMEOUT,
        hard_kill_grace: float = defaults.HARD_KILL_GRACE,
        maintenance_interval: float = defaults.MAINTENANCE_INTERVAL,
        shutdown_timeout: float | None = defaults.WARM_SHUTDOWN_TIMEOUT,
        abandon_policy: maintenance.AbandonPolicy | None = None,
        dequeue_strategy: str | PriorityOrder = "default",
        fork_server: bool = False,
        jobs_per_horse: int = 1,
    ) -> None:
        items = [queues] if isinstance(queues, Queue | str) else list(queues)
        first = next((q for q in items if isinstance(q, Queue)), None)
        self.connection = resolve_connection(connection or (first.connection if first else None))
        self.keys: Keys = first.keys if first and namespace is None else resolve_keys(namespace)
        self.queue_names = [q.name if isinstance(q, Queue) else validate_queue_name(q)
                            for q in items]
        self.serializer = resolve_serializer(serializer)
        self.name = name or f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:6]}"
        self.allow = tuple(allow)
        self.heartbeat_interval = heartbeat_interval
        self.lease = lease
        self.block_timeout = block_timeout
        self.hard_kill_grace = hard_kill_grace
        self.maintenance_interval = maintenance_interval
        self.abandon_policy = abandon_policy or maintenance.AbandonPolicy()
        self.dequeue_strategy = dequeue_strategy_for(dequeue_strategy)
        self.successful_job_count = 0
        self.failed_job_count = 0
        self.total_working_time = 0.0
        self._throughput = ThroughputCounts(self.keys)
        self._shown_busy = False
        self.shutdown = Shutdown(shutdown_timeout)
        self.scheduler: Scheduler | None = None
        self.outage = Outage(self.connection, should_stop=lambda: self.shutdown.requested)
        self._next_heartbeat = 0.0
        self._next_maintenance = 0.0
        self._next_schedule = 0.0
        self._current: tuple[Job, str] | None = None
        self._candidates: tuple[str, ...] = ()
        """Ids at the head of the queue at the last claim: if the next claim takes one of them,
        it is started in the same round trip (see scripts/_claim.lua)."""
        self._held: Claimed | None = None
        """The job claimed in passing and not yet running (heartbeats report and lease it)."""
        self._woken_by: str | None = None
        """The wake list whose token woke the worker last, until the claim that followed."""
        self.fork_server = fork_server
        """Fork work-horses from a small server process (jobctl.forkserver) instead of this
        one: cheaper forks, but jobs see nothing this process set up after it started."""
        if jobs_per_horse < 1:
            raise ValueError(f"jobs_per_horse must be at least 1, not {jobs_per_horse}")
        self.jobs_per_horse = jobs_per_horse
        """Jobs each work-horse runs in turn before it exits: 1 gives every job a fresh
        process; more saves the forks, and a job then sees what earlier ones left behind."""
        self._horses: StandbyHorses | None = None
        self._identity: dict[str, Any] = {}

    @classmethod
    def all(cls, connection: Redis | None = None, namespace: str | None = None) -> list[WorkerInfo]:
        """Every live worker's record."""
        return list_workers(connection, namespace)

    @property
    def queues(self) -> list[Queue]:
        return [Queue(n, connection=self.connection, keys=self.keys) for n in self.queue_names]

    # -- the loop --------------------------------------------------------------------------

    def work(self, burst: bool = False, max_jobs: int | None = None,
             max_idle_time: float | None = None, with_scheduler: bool = False,
             logging_level: str | None = None) -> bool:
        """Run jobs until stopped (or, with ``burst``, until the queues are empty).

        Returns whether any job was processed.
        """
        if logging_level:
            logging.getLogger("jobctl").setLevel(logging_level)
        if with_scheduler:
            # The lock lapses about when the worker would count as dead, so another worker's
            # scheduler takes over within a lease (not a fixed 30 s) when this one dies.
            self.scheduler = Scheduler(self.connection, self.keys, self.queue_names, self.name,
                                       lock_ttl=max(self.lease, 3 * SCHEDULER_INTERVAL))
        self.shutdown.install()
        if self.fork_server and self.mode == "fork" and self._horses is None:
            self._horses = self._standby_horses()  # the server boots while the worker starts
        processed = 0
        idle_since = time.monotonic()
        claimed: Claimed | None = None
        try:
            self.resilient(self.register)
            while not self.shutdown.requested:
                self.resilient(self.housekeeping)
                claimed = claimed or self.resilient(self.claim)
                self._pass_on_unused_wake(claimed)
                if claimed is None:
                    self._mark_idle()
                    if burst or self._idle_too_long(idle_since, max_idle_time):
                        break
                    self.resilient(self.wait_for_work)
                    continue
                last = max_jobs is not None and processed + 1 >= max_jobs
                claimed = self.process(claimed, claim_next=not last)
                processed += 1
                idle_since = time.monotonic()
                if last:
                    break
        finally:
            if claimed is not None:
                self._unclaim(claimed)
            if self._horses is not None:
                self._horses.close()
                self._horses = None
            self.shutdown.restore()
            self.unregister()
        return processed > 0

    def resilient(self, step: Callable[[], T]) -> T:
        """Run one step, waiting out Redis outages; credentials errors still propagate."""
        while True:
            try:
                result = step()
            except Exception as exc:
                if not is_transient(exc) or self.shutdown.cold:
                    raise
                self.outage.failed(exc)
                continue
            self.outage.succeeded()
            return result

    def _idle_too_long(self, idle_since: float, max_idle_time: float | None) -> bool:
        return max_idle_time is not None and time.monotonic() - idle_since >= max_idle_time

    def claim_group(self) -> ClaimGroup:
        """The queues to claim from, in the dequeue strategy's order, with a fresh lease."""
        names = self.dequeue_strategy.order(self.queue_names)
        return ClaimGroup.build(self.keys, names, now() + self.lease, self.name,
                                self._candidates)

    def claim(self) -> Claimed | None:
        """Atomically take the next job id (queue order is priority order)."""
        return self._claimed(lifecycle.claim(self.connection, self.claim_group()))

    def _claimed(self, claimed: Claimed | None) -> Claimed | None:
        if claimed is not None:
            self.dequeue_strategy.claimed(self.queue_names, claimed.queue)
            self._candidates = claimed.candidates
        self._held = claimed
        return claimed

    def _unclaim(self, claimed: Claimed) -> None:
        """Give back a job claimed in passing (the worker is stopping), even if it was started
        in the same round trip: it has not run."""
        queue, job_id = claimed.queue, claimed.job_id
        try:
            scripting.UNCLAIM(
                self.connection,
                [self.keys.job(job_id), self.keys.registry("started", queue),
                 self.keys.queue(queue), self.keys.wake(queue)],
                [job_id, claimed.token if claimed.fields is not None else ""],
            )
        except Exception as exc:  # the reaper requeues it once the lease runs out
            logger.warning("could not give back job %s: %s", job_id, exc)

    def _mark_idle(self) -> None:
        """Tell monitors at once that the worker went idle (the settle scripts do not)."""
        if self._shown_busy:
            self._shown_busy = False
            self.resilient(lambda: self.connection.hset(
                self.keys.worker(self.name), mapping={"state": "idle", "current_job": ""}))

    def wait_for_work(self) -> None:
        """Block until a queue signals new work or a command arrives (or the timeout passes)."""
        wake_keys = [self.keys.worker_commands(self.name)]
        wake_keys += [self.keys.wake(n) for n in self.queue_names]
        # Wake up when the next heartbeat or maintenance pass is due, not up to a block
        # timeout later: reaping stays within the lease plus one maintenance interval.
        due = min(self._next_heartbeat, self._next_maintenance) - time.monotonic()
        timeout = min(self.block_timeout, self.heartbeat_interval, due,
                      SCHEDULER_INTERVAL if self.scheduler else self.block_timeout)
        reply = self.shutdown.interruptible(
            lambda: self.connection.blpop(wake_keys, timeout=max(timeout, 0.01)))
        if self.shutdown.requested and reply is None:
            self.connection.connection_pool.disconnect()  # the BLPOP may have been cut short
        if reply and decode(reply[0]) == wake_keys[0]:
            self.handle_command(decode(reply[1]))
        elif reply and self.shutdown.requested:
            self.pass_on_wake(decode(reply[0]))
        elif reply:
            self._woken_by = decode(reply[0])

    def _pass_on_unused_wake(self, claimed: Claimed | None) -> None:
        """A token from one queue woke this worker but it claimed from another (an earlier
        queue had work by then): pass the token on, for workers blocked on that queue alone.
        Nothing claimed means the token's job went to another worker: nothing to pass on."""
        woken_by, self._woken_by = self._woken_by, None
        if woken_by and claimed is not None and self.keys.wake(claimed.queue) != woken_by:
            self.resilient(lambda: self.pass_on_wake(woken_by))

    def pass_on_wake(self, wake_key: str) -> None:
        """Put back a queue's wake-up token this worker took but will not act on (it stops).

        Enqueue pushes a token only when the queue was empty, so a token taken and dropped
        would leave the other workers blocked on that queue until their timeout.
        """
        pipe = self.connection.pipeline(transaction=False)
        pipe.lpush(wake_key, "1")
        pipe.ltrim(wake_key, 0, 0)
        pipe.execute()

    def process(self, claimed: Claimed, claim_next: bool = True) -> Claimed | None:
        """Start (unless the claim did), run and settle one claimed job; returns the next job
        claimed while settling.

        Settling and claiming (and usually starting) the next job share one round trip, so a
        busy worker pays one per job.
        """
        queue = claimed.queue
        job = self._started(claimed)
        self._held = None
        if job is None:
            return None
        token = claimed.token
        # Name only: decoding the arguments here would unpickle before the signature check.
        logger.info("%s: %s (%s)", queue, job.func_name, job.id)
        self._current = (job, token)
        self._shown_busy = True
        began = time.monotonic()
        try:
            outcome = self.execute(job)
            if outcome.status == JobStatus.STOPPED:
                outcome.exc_info += run_stopped_callback(job, self.connection)
            self._count(queue, job, outcome, time.monotonic() - began)
            group = self.claim_group() if claim_next and not self.shutdown.requested else None
            settled = self.resilient(lambda: settle(self.connection, self.keys, job, outcome,
                                                    token, group or NO_CLAIM))
        finally:
            self._current = None
        return self._claimed(settled.claimed)

    def _started(self, claimed: Claimed) -> Job | None:
        """The claimed job, started under ``claimed.token`` (by the claim or now), or None
        when it may not run."""
        if claimed.dropped:
            return None
        if claimed.fields is not None:
            return Job.from_fields(claimed.job_id, claimed.fields, self.connection, self.keys,
                                   self.serializer)
        claimed.token = new_token()
        return self.resilient(lambda: start(self.connection, self.keys, claimed.queue,
                                            claimed.job_id, claimed.token, self.name,
                                            self.serializer))

    def _count(self, queue: str, job: Job, outcome: Outcome, seconds: float) -> None:
        """Local counters, written to Redis with the next heartbeat (not once per job)."""
        finished = outcome.status == JobStatus.FINISHED
        if finished:
            self.successful_job_count += 1
            logger.info("%s: job %s finished", queue, job.id)
        else:
            self.failed_job_count += 1
            logger.warning("%s: job %s %s", queue, job.id, outcome.status.value)
        self.total_working_time += seconds
        self._throughput.add(queue, finished)

    def execute(self, job: Job) -> Outcome:
        """Run the job in a forked child under a hard limit past its timeout."""
        hard_limit = None if job.timeout < 0 else job.timeout + self.hard_kill_grace
        watch = HorseWatch(on_tick=self.tick_while_busy, cold_shutdown=lambda: self.shutdown.cold,
                           tick=min(TICK, self.heartbeat_interval))
        if self._horses is None:
            self._horses = self._standby_horses()
        return self._horses.run(job_message(job), watch, hard_limit)

    def _standby_horses(self) -> StandbyHorses:
        return StandbyHorses(self._spawner(), self.jobs_per_horse)

    def _spawner(self) -> Spawner:
        if self.fork_server:
            settings = {"connection": self.connection, "keys": self.keys,
                        "serializer": self.serializer, "allow": self.allow}
            server = ForkServer.start(self._run_message, settings,
                                      reply_timeout=max(1.0, min(10.0, self.lease / 3)))
            if server is not None:
                return server
        return LocalForks(self._run_message)

    def _run_message(self, message: bytes) -> Outcome:
        """In a work-horse forked by this process: run the job handed over."""
        return perform_message(message, self.connection, self.keys, self.serializer, self.allow)

    # -- heartbeat, maintenance, commands ------------------------------------------------

    def housekeeping(self) -> None:
        """Heartbeat when due; move due scheduled jobs; periodic clean-up and reaping."""
        moment = time.monotonic()
        if moment >= self._next_heartbeat:
            self.heartbeat()
        if self.scheduler is not None and moment >= self._next_schedule:
            self._next_schedule = moment + SCHEDULER_INTERVAL
            self.scheduler.enqueue_due()
        if moment >= self._next_maintenance:
            self._next_maintenance = moment + self.maintenance_interval
            self.maintain()

    def maintain(self) -> None:
        """One worker per interval (a short lock) cleans registries and reaps dead workers."""
        lock_ms = max(int(self.maintenance_interval * 1000) - 50, 100)
        if not self.connection.set(self.keys.lock("maintenance"), self.name, nx=True, px=lock_ms):
            return
        queues = sorted({*self.queue_names,
                         *(decode(q) for q in self.connection.smembers(self.keys.queues))})
        maintenance.clean_registries(self.connection, self.keys, queues)
        maintenance.drop_vanished_deferred(self.connection, self.keys, queues)
        maintenance.prune_workers(self.connection, self.keys)
        maintenance.reap_abandoned(self.connection, self.keys, queues, self.abandon_policy)

    def tick_while_busy(self) -> str:
        """Called while a job runs (every heartbeat interval, at most a second apart):
        heartbeat and maintenance when due, read commands.

        Maintenance runs here too, so a dead worker's jobs are reaped even while every live
        worker is busy. Redis being away must not disturb the running job: errors are logged,
        not raised.
        """
        try:
            moment = time.monotonic()
            if moment >= self._next_heartbeat:
                self.heartbeat()
            if moment >= self._next_maintenance:
                self._next_maintenance = moment + self.maintenance_interval
                self.maintain()
            command = self.connection.lpop(self.keys.worker_commands(self.name))
        except Exception as exc:
            if not is_transient(exc):
                raise
            if self.outage.started is None:
                self.outage.started = time.monotonic()
                logger.error("lost Redis while a job runs (%s); the job goes on", exc)
            return ""
        self.outage.succeeded()
        return self.handle_command(decode(command)) if command else ""

    def handle_command(self, command: str) -> str:
        """Act on a control command; returns a reason to stop the running job, or ""."""
        action, _, argument = command.partition(" ")
        current_id = self._current[0].id if self._current else None
        if action == "shutdown":
            self.shutdown.request("shutdown command")
        elif action == "kill-horse" and current_id:
            return "the worker's work-horse was killed on request"
        elif action == "stop-job" and argument and argument == current_id:
            return "stopped on request"
        return ""

    def heartbeat(self) -> None:
        """Refresh the worker record and the lease of the running job, in one round trip."""
        self._next_heartbeat = time.monotonic() + self.heartbeat_interval
        pipe = self.connection.pipeline(transaction=False)
        key = self.keys.worker(self.name)
        # A job the last settle claimed and started counts as running from then on.
        held = self._held if self._held is not None and self._held.fields is not None else None
        running = ((self._current[0].origin, self._current[0].id) if self._current
                   else (held.queue, held.job_id) if held else None)
        current = running[1] if running else ""
        suspended = self.connection.exists(self.keys.suspended) if not current else 0
        state = "busy" if current else ("suspended" if suspended else "idle")
        # The full record every time: after Redis lost its data (a restart without persistence)
        # or the record expired during an outage, the worker shows up again as itself.
        pipe.hset(key, mapping={
            **self._identity, "last_heartbeat": repr(now()), "state": state,
            "current_job": current, "successful": self.successful_job_count,
            "failed": self.failed_job_count, "working_time": repr(self.total_working_time),
        })
        self._throughput.flush(pipe)
        pipe.expire(key, int(self.lease) + 1)
        pipe.sadd(self.keys.workers, self.name)
        if running is not None:
            pipe.zadd(self.keys.registry("started", running[0]), {current: now() + self.lease},
                      xx=True)
        pipe.execute()

    def register(self) -> None:
        self._identity = {
            "name": self.name, "host": socket.gethostname(), "pid": os.getpid(),
            "queues": ",".join(self.queue_names), "birth": repr(now()), "mode": self.mode,
            **({"jobs_per_horse": self.jobs_per_horse} if self.mode == "fork" else {}),
        }
        record: dict[str, Any] = {
            **self._identity, "state": "idle", "current_job": "", "last_heartbeat": repr(now()),
        }
        pipe = self.connection.pipeline(transaction=True)
        pipe.hset(self.keys.worker(self.name), mapping=record)
        pipe.expire(self.keys.worker(self.name), int(self.lease) + 1)
        pipe.sadd(self.keys.workers, self.name)
        pipe.execute()
        self._next_heartbeat = time.monotonic() + self.heartbeat_interval
        logger.info("worker %s started (%s) on queues %s", self.name, self.mode,
                    ", ".join(self.queue_names))

    def unregister(self) -> None:
        try:
            if self.scheduler is not None:
                self.scheduler.release_locks()
            pipe = self.connection.pipeline(transaction=True)
            self._throughput.flush(pipe)
            pipe.srem(self.keys.workers, self.name)
            pipe.delete(self.keys.worker(self.name), self.keys.worker_commands(self.name))
            pipe.execute()
        except Exception as exc:
            logger.warning("could not unregister worker %s: %s", self.name, exc)
        logger.info("worker %s stopped: %d finished, %d failed", self.name,
                    self.successful_job_count, self.failed_job_count)


def __getattr__(name: str) -> Any:
    """``jobctl.worker.SimpleWorker`` (RQ's location) lives in jobctl.simple_worker."""
    if name == "SimpleWorker":
        from jobctl.simple_worker import SimpleWorker

        return SimpleWorker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
