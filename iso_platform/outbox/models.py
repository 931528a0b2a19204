"""The transactional outbox: Celery tasks written with the change that asks for them."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A task to publish to the broker; the row is deleted once the broker has it.

    Kept in the public schema, with the agency schema the task must run in, so that one
    relay query finds every agency's waiting messages.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    schema_name = models.CharField(max_length=63)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Not published before this time: a retry waits here, not in the broker (a Redis broker
    # redelivers messages whose countdown outlives its visibility timeout, and loses them
    # with the worker that held them).
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.task} in {self.schema_name}"
