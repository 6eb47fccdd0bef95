"""Exit codes of every jobctl command, and which error maps to which."""

from __future__ import annotations

from enum import IntEnum

from redis import exceptions as redis_errors

from jobctl import exceptions as errors


class ExitCode(IntEnum):
    """Documented in ``jobctl --help`` and the man page; scripts rely on them."""

    OK = 0
    FAILED = 1
    USAGE = 2
    UNAVAILABLE = 3
    AUTH = 4
    NOT_FOUND = 5
    CONFLICT = 6
    CHECK_FAILED = 7
    INTERRUPTED = 130
    OUTPUT_CLOSED = 141
    """128 + SIGPIPE, what a shell reports for any tool whose reader went away."""


EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 the job or operation failed; 2 usage or validation error; "
    "3 Redis unavailable; 4 authentication or permission refused; 5 not found; "
    "6 conflict (job id exists); 7 a check threshold is violated; 130 interrupted; "
    "141 output closed (e.g. piped into head)."
)

_BY_TYPE: list[tuple[type[BaseException], ExitCode]] = [
    (errors.DependencyNotFoundError, ExitCode.NOT_FOUND),
    (errors.NoSuchJobError, ExitCode.NOT_FOUND),
    (errors.NoSuchQueueError, ExitCode.NOT_FOUND),
    (errors.NoSuchWorkerError, ExitCode.NOT_FOUND),
    (errors.JobExistsError, ExitCode.CONFLICT),
    (errors.AuthenticationFailedError, ExitCode.AUTH),
    (redis_errors.AuthenticationError, ExitCode.AUTH),
    (redis_errors.NoPermissionError, ExitCode.AUTH),
    (errors.ConnectionUnavailableError, ExitCode.UNAVAILABLE),
    (errors.EmbeddedServerError, ExitCode.UNAVAILABLE),
    (redis_errors.ConnectionError, ExitCode.UNAVAILABLE),
    (redis_errors.TimeoutError, ExitCode.UNAVAILABLE),
    (redis_errors.BusyLoadingError, ExitCode.UNAVAILABLE),
    (redis_errors.ReadOnlyError, ExitCode.UNAVAILABLE),
    (redis_errors.OutOfMemoryError, ExitCode.UNAVAILABLE),
    (errors.InvalidJobOperation, ExitCode.FAILED),
    (ValueError, ExitCode.USAGE),
    (errors.JobctlError, ExitCode.FAILED),
    (redis_errors.RedisError, ExitCode.UNAVAILABLE),
]


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an error that reached the top of a command."""
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    for error_type, code in _BY_TYPE:
        if isinstance(exc, error_type):
            return code
    return ExitCode.FAILED
