"""The ``@job`` decorator: ``add.delay(3, 4)`` enqueues ``add(3, 4)``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from redis import Redis

from jobctl.job import Job
from jobctl.payload import OPTION_NAMES, EnqueueOptions
from jobctl.queue import Queue


class job:
    """``@job('low', connection=r, timeout=5)``: give a function ``.delay()`` and ``.enqueue()``.

    Every enqueue option may be set here as a default (``timeout`` is ``job_timeout``); options
    passed to ``.delay()`` are not accepted, so the function's own arguments are never taken.
    """

    def __init__(
        self,
        queue: Queue | str = "default",
        connection: Redis | None = None,
        timeout: int | str | None = None,
        **options: Any,
    ) -> None:
        unknown = set(options) - OPTION_NAMES - {"serializer", "is_async", "namespace"}
        if unknown:
            raise TypeError(f"unknown @job option(s): {', '.join(sorted(unknown))}")
        self.queue = queue
        self.connection = connection
        self.queue_options = {
            k: options.pop(k) for k in ("serializer", "is_async", "namespace") if k in options
        }
        if timeout is not None:
            options.setdefault("job_timeout", timeout)
        self.options = options

    def _queue(self) -> Queue:
        if isinstance(self.queue, Queue):
            return self.queue
        return Queue(self.queue, connection=self.connection, **self.queue_options)

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def delay(*args: Any, **kwargs: Any) -> Job:
            return self._queue().enqueue_call(
                func, args=args, kwargs=kwargs, options=EnqueueOptions(**self.options)
            )

        func.delay = delay  # type: ignore[attr-defined]
        func.enqueue = delay  # type: ignore[attr-defined]
        return func
