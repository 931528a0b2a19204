"""Queue Celery tasks without losing them when the broker is down (a transactional outbox).

`task_enqueue()` writes the message in the caller's transaction: the task exists if and
only if the change that asked for it was committed. Right after the commit the message is
published and its row deleted; if the broker does not answer, the row stays and
`outbox_relay()` (beat, every RECOVERY_SECONDS) publishes it once the broker is back.

Delivery is at least once: a crash between publishing and deleting the row publishes the
message again, so the tasks queued this way must be idempotent (they are: see each caller).

`delay` keeps a message until then (a webhook's next attempt): the relay publishes it once
due, so a retry hours away survives restarts of the broker and of every worker.

Use it for tasks nothing else would re-queue. Work with a state row of its own (inbox
events, provisioning jobs, operations, dirty statistics) is re-queued by its beat sweep
and needs no outbox (docs/operations.md, "Faults").
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from celery import current_app as app
from django.db import connection, transaction
from django.utils import timezone

from iso_platform.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)
RELAY_BATCH = 500


def task_enqueue(
    *, task, args=(), kwargs=None, schema: str | None = None, delay: float | None = None
) -> OutboxMessage:
    """Queue `task(*args, **kwargs)` in `schema` (default: the current one) once the current
    transaction commits, or `delay` seconds later. Arguments must be JSON values (ids, not
    model instances)."""
    message = OutboxMessage.objects.create(
        task=getattr(task, "name", task),
        args=list(args),
        kwargs=kwargs or {},
        schema_name=schema or connection.schema_name,
        available_at=timezone.now() + dt.timedelta(seconds=delay or 0),
    )
    if not delay:
        transaction.on_commit(lambda: _publish_soon(message.pk))
    return message


def _publish_soon(message_id) -> None:
    try:
        outbox_relay(ids=[message_id])
    except Exception:  # broker or database down: the row waits for the relay
        logger.warning("outbox message %s left for the relay", message_id, exc_info=True)


def outbox_relay(*, ids=None, limit: int = RELAY_BATCH) -> int:
    """Publish waiting messages, oldest first; return how many went out.

    Rows are locked (SKIP LOCKED), so concurrent relays never send one message twice; the
    first broker failure stops the round (the rest waits for the next one).
    """
    sent = 0
    with transaction.atomic():
        rows = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            available_at__lte=timezone.now()
        )
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        for message in rows.order_by("created_at")[:limit]:
            try:
                _publish(app, message)
            except Exception as exc:
                _note_failure(message, exc)
                break
            message.delete()
            sent += 1
    return sent


def _publish(app, message: OutboxMessage) -> None:
    # The registered task when there is one: apply_async keeps its options (and eager mode).
    task = app.tasks.get(message.task)
    send = task.apply_async if task is not None else partial(app.send_task, message.task)
    send(
        args=message.args,
        kwargs=message.kwargs,
        task_id=str(message.pk),  # a message published twice shows as one id in the logs
        headers={"_schema_name": message.schema_name},
    )


def _note_failure(message: OutboxMessage, exc: Exception) -> None:
    logger.warning("outbox: the broker refused %s: %s", message, exc)
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=message.attempts + 1, last_error=str(exc)[:500]
    )
