"""Assertions the service tests share: a refusal leaves everything stored as it was."""

from __future__ import annotations

import contextlib

import pytest
from django.core.exceptions import ValidationError


def error_text(exc) -> str:
    """The messages of a ValidationError (or the text of any exception), as one line."""
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def stored_state(objects, tracked) -> tuple[list[dict], list[int]]:
    """Every column of `objects` as stored, and how many rows each `tracked` model has."""
    rows = [type(o).objects.filter(pk=o.pk).values().get() for o in objects]
    return rows, [model.objects.count() for model in tracked]


def refusal_checker(*tracked):
    """`refused(message, *objects)`: a context manager asserting that the call inside raises
    (ValidationError unless `exc=` says otherwise) with `message` among its messages, and that
    neither `objects` nor the row counts of the `tracked` models changed."""

    @contextlib.contextmanager
    def refused(message: str, *objects, exc=ValidationError):
        before = stored_state(objects, tracked)
        with pytest.raises(exc) as info:
            yield info
        assert message in error_text(info.value), error_text(info.value)
        assert stored_state(objects, tracked) == before

    return refused
