"""Celery tasks of document exchange (the schema travels in the headers)."""

from __future__ import annotations

from celery import shared_task

from integrations.exchange.services import outbound
from tenants.fanout import fan_out


@shared_task(name="integrations.exchange_send", acks_late=True, ignore_result=True)
def exchange_send(message_id: int) -> str:
    return outbound.sending_attempt(message_id=message_id)


@shared_task(name="integrations.exchange_sweep", acks_late=True, ignore_result=True)
def exchange_sweep() -> int:
    """Packages whose attempt was lost, then the status messages waiting on the platform."""
    return outbound.sendings_requeue() + outbound.statuses_poll()


@shared_task(name="integrations.exchange_sweep_all", ignore_result=True)
def exchange_sweep_all() -> int:
    return fan_out(exchange_sweep)
