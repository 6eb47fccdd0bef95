"""Messages from thread workers back to the app: a poll's outcome, an action's progress."""

from __future__ import annotations

from textual.message import Message

from jobctl_tui.models import Action, PollResult


class PollSucceeded(Message):
    """A poll finished; the views update from ``result``."""

    def __init__(self, result: PollResult) -> None:
        super().__init__()
        self.result = result


class PollFailed(Message):
    """A poll raised; ``unreachable`` when Redis could not be reached at all."""

    def __init__(self, error: str, unreachable: bool) -> None:
        super().__init__()
        self.error = error
        self.unreachable = unreachable


class ActionPrepared(Message):
    """An action is ready to confirm, or (a str) there is nothing to do."""

    def __init__(self, action: Action | str) -> None:
        super().__init__()
        self.action = action


class ActionFinished(Message):
    """An action ran; ``ok`` is False when it raised."""

    def __init__(self, text: str, ok: bool) -> None:
        super().__init__()
        self.text = text
        self.ok = ok
