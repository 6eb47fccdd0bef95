"""jobctl: a background-job queue for Python on Redis, with RQ's programming model."""

from jobctl.callbacks import Callback
from jobctl.context import get_current_job
from jobctl.decorators import job
from jobctl.dependencies import Dependency
from jobctl.exceptions import (
    AbandonedJobError,
    DependencyNotFoundError,
    DeserializationError,
    InvalidCallableError,
    InvalidJobOperation,
    JobctlError,
    JobExistsError,
    JobTimeoutException,
    NoSuchJobError,
    PayloadTooLargeError,
    SerializationError,
)
from jobctl.job import Job
from jobctl.queue import Queue
from jobctl.registry import (
    CanceledJobRegistry,
    DeferredJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from jobctl.retry import Retry
from jobctl.serializers import JSONSerializer, PickleSerializer
from jobctl.simple_worker import SimpleWorker
from jobctl.status import JobStatus
from jobctl.worker import Worker
from jobctl.workers import send_kill_horse_command, send_shutdown_command, send_stop_job_command

__version__ = "0.1.0"

__all__ = [
    # queues and jobs
    "Queue", "Job", "JobStatus", "job", "get_current_job",
    # options
    "Callback", "Dependency", "Retry",
    # workers and control
    "Worker", "SimpleWorker",
    "send_stop_job_command", "send_shutdown_command", "send_kill_horse_command",
    # registries
    "StartedJobRegistry", "FinishedJobRegistry", "FailedJobRegistry",
    "DeferredJobRegistry", "ScheduledJobRegistry", "CanceledJobRegistry",
    # serializers
    "PickleSerializer", "JSONSerializer",
    # errors
    "JobctlError", "NoSuchJobError", "JobExistsError", "InvalidJobOperation",
    "JobTimeoutException", "AbandonedJobError", "InvalidCallableError", "SerializationError",
    "DeserializationError", "PayloadTooLargeError", "DependencyNotFoundError",
]
