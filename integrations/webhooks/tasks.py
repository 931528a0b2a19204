"""Celery tasks of outgoing events (the schema travels in the headers)."""

from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_public_schema_name, schema_context

from integrations.webhooks import services
from tenants.fanout import fan_out


@shared_task(name="integrations.webhook_deliver", acks_late=True, ignore_result=True)
def webhook_deliver(delivery_id: int) -> str:
    return services.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="integrations.webhooks_requeue", acks_late=True, ignore_result=True)
def webhooks_requeue() -> int:
    return services.pending_requeue()


@shared_task(name="integrations.webhooks_requeue_all", ignore_result=True)
def webhooks_requeue_all() -> int:
    with schema_context(get_public_schema_name()):
        services.pending_requeue()
    return fan_out(webhooks_requeue)
