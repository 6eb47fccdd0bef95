"""Dequeue strategies: in which order a worker offers its queues to the claim script."""

from __future__ import annotations

import random


class PriorityOrder:
    """The order given: earlier queues always first (the default)."""

    name = "default"

    def order(self, names: list[str]) -> list[str]:
        return names

    def claimed(self, names: list[str], queue: str) -> None:
        """Told which queue the last job came from."""


class RoundRobin(PriorityOrder):
    """After taking a job from a queue, start the next claim at the queue after it."""

    name = "round-robin"

    def __init__(self) -> None:
        self._start = 0

    def order(self, names: list[str]) -> list[str]:
        start = self._start % len(names) if names else 0
        return names[start:] + names[:start]

    def claimed(self, names: list[str], queue: str) -> None:
        if queue in names:
            self._start = names.index(queue) + 1


class RandomOrder(PriorityOrder):
    """A fresh random order for every claim."""

    name = "random"

    def order(self, names: list[str]) -> list[str]:
        return random.sample(names, len(names))


STRATEGIES: dict[str, type[PriorityOrder]] = {
    cls.name: cls for cls in (PriorityOrder, RoundRobin, RandomOrder)
}


def dequeue_strategy(name: str | PriorityOrder) -> PriorityOrder:
    if isinstance(name, PriorityOrder):
        return name
    try:
        return STRATEGIES[name.replace("_", "-")]()
    except KeyError:
        raise ValueError(
            f"unknown dequeue strategy {name!r}; choose one of: {', '.join(STRATEGIES)}"
        ) from None
