"""A module that fails while being imported, for the worker's "cannot import" path."""

1 / 0  # noqa: B018


def fn() -> None:
    return None
