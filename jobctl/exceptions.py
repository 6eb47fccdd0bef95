"""Every exception jobctl raises, under one root so callers can catch ``JobctlError``.

Errors caused by bad input also subclass ``ValueError`` (or ``LookupError``), so code written for
RQ that catches those keeps working.
"""

from __future__ import annotations


class JobctlError(Exception):
    """Root of every error raised by jobctl."""


class InvalidCallableError(JobctlError, ValueError):
    """The thing to run is not a module-level callable a worker can import."""


class CallableNotAllowedError(JobctlError, ValueError):
    """The callable is on the denylist or outside the allowed module prefixes."""


class SerializationError(JobctlError, ValueError):
    """Arguments, results or meta cannot be serialized with the chosen serializer."""


class DeserializationError(JobctlError):
    """A stored payload cannot be decoded (corrupted, unknown serializer, bad signature)."""


class PayloadTooLargeError(JobctlError, ValueError):
    """The serialized job is larger than the configured limit."""


class InvalidJobIdError(JobctlError, ValueError):
    """A job id does not match ``[A-Za-z0-9_-]{1,128}``."""


class InvalidQueueNameError(JobctlError, ValueError):
    """A queue name does not match ``[A-Za-z0-9_.-]{1,128}``."""


class InvalidDurationError(JobctlError, ValueError):
    """A timeout or TTL is not one of the accepted forms."""


class InvalidDependencyError(JobctlError, ValueError):
    """A dependency that can never be satisfied, such as a job depending on itself."""


class InvalidURLError(JobctlError, ValueError):
    """A Redis URL that cannot be used; the message carries the URL with its password masked."""


class NoSuchJobError(JobctlError, LookupError):
    """The job does not exist (never did, or expired)."""


class DependencyNotFoundError(NoSuchJobError):
    """A job named in ``depends_on`` does not exist."""


class NoSuchQueueError(JobctlError, LookupError):
    """The queue does not exist."""


class NoSuchWorkerError(JobctlError, LookupError):
    """No live worker has that name."""


class JobExistsError(JobctlError):
    """A job with the requested id already exists."""


class InvalidJobOperation(JobctlError):
    """The job is in a state that does not allow the operation (e.g. cancel a finished job)."""


class JobTimeoutException(JobctlError):
    """Raised inside a job that ran past its ``job_timeout``."""


class AbandonedJobError(JobctlError):
    """A job's worker died while running it."""


class StopRequested(JobctlError):
    """Raised inside a job or callback whose stop was requested (in-process execution)."""


class ConnectionUnavailableError(JobctlError):
    """Redis cannot be reached (refused, timed out, TLS mismatch); the message masks passwords."""


class AuthenticationFailedError(JobctlError):
    """Redis refused the credentials or the user lacks a permission jobctl needs."""


class EmbeddedServerError(JobctlError):
    """The embedded redis-server could not be found, started or stopped."""
