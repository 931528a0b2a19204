"""Quotas: before something that counts against an agency's plan is added, the code that
adds it asks here; the plan's owner (billing) answers.

    quota_check("storage", adding=size_in_bytes)

Receivers of `quota_requested` get `resource` ("users", "storage", ...) and `adding`, in the
schema in use, and refuse by raising ValidationError with a message for the person; with no
receiver (billing not installed) nothing is limited.
"""

from __future__ import annotations

from django.dispatch import Signal

quota_requested = Signal()


def quota_check(resource: str, *, adding: int) -> None:
    quota_requested.send(sender=None, resource=resource, adding=adding)
