"""Every Redis key jobctl uses, built in one place.

All keys of one deployment share a namespace written as a Redis Cluster hash tag, so every
multi-key script stays in one slot and several namespaces can share a Redis::

    key                                   type    holds
    {ns}:queues                           set     names of known queues
    {ns}:queue:<queue>                    list    ids of queued jobs, head is next
    {ns}:wake:<queue>                     list    at most one wake-up token for blocked workers
    {ns}:paused                           set     names of paused queues
    {ns}:suspended                        string  present while all workers are suspended
    {ns}:job:<id>                         hash    one job (fields: see jobctl.job.Job.to_fields)
    {ns}:job:<id>:dependents              set     ids of deferred jobs waiting on <id>
    {ns}:started:<queue>                  zset    running job ids, score = lease expiry
    {ns}:finished:<queue>                 zset    finished job ids, score = expiry
    {ns}:failed:<queue>                   zset    failed/stopped job ids, score = expiry
    {ns}:canceled:<queue>                 zset    canceled job ids, score = expiry
    {ns}:deferred:<queue>                 zset    jobs waiting on dependencies, score = created
    {ns}:scheduled:<queue>                zset    jobs due later, score = due time
    {ns}:workers                          set     names of registered workers
    {ns}:worker:<name>                    hash    one worker's record, expires without heartbeat
    {ns}:worker:<name>:commands           list    control commands for one worker
    {ns}:lock:<purpose>                   string  short-lived locks (maintenance, scheduler)
    {ns}:tp:<queue>:<minute>:<outcome>    string  jobs finished/failed in one minute (1 h TTL)
"""

from __future__ import annotations

from dataclasses import dataclass

from jobctl import defaults

REGISTRY_NAMES = ("started", "finished", "failed", "canceled", "deferred", "scheduled")


@dataclass(frozen=True, slots=True)
class Keys:
    """Key builder for one namespace; cheap to create, hashable, safe to share."""

    namespace: str = defaults.NAMESPACE

    @property
    def prefix(self) -> str:
        return "{" + self.namespace + "}:"

    @property
    def queues(self) -> str:
        return self.prefix + "queues"

    def queue(self, name: str) -> str:
        return f"{self.prefix}queue:{name}"

    def wake(self, queue: str) -> str:
        return f"{self.prefix}wake:{queue}"

    @property
    def paused(self) -> str:
        return self.prefix + "paused"

    @property
    def suspended(self) -> str:
        return self.prefix + "suspended"

    def job(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}"

    def dependents(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}:dependents"

    def registry(self, kind: str, queue: str) -> str:
        if kind not in REGISTRY_NAMES:
            raise ValueError(f"unknown registry {kind!r}")
        return f"{self.prefix}{kind}:{queue}"

    @property
    def workers(self) -> str:
        return self.prefix + "workers"

    def worker(self, name: str) -> str:
        return f"{self.prefix}worker:{name}"

    def worker_commands(self, name: str) -> str:
        return f"{self.prefix}worker:{name}:commands"

    def lock(self, purpose: str) -> str:
        return f"{self.prefix}lock:{purpose}"

    def throughput(self, queue: str, minute: int, outcome: str = "finished") -> str:
        """Counter of jobs that ended with ``outcome`` in epoch minute ``minute``."""
        return f"{self.prefix}tp:{queue}:{minute}:{outcome}"

    def job_id_from_key(self, key: str) -> str:
        """Inverse of :meth:`job` for keys read back from Redis."""
        return key.removeprefix(f"{self.prefix}job:")
