"""The outbox relay (beat, every RECOVERY_SECONDS)."""

from __future__ import annotations

from celery import shared_task

from iso_platform.outbox.services import outbox_relay


@shared_task(name="outbox.relay", ignore_result=True)
def relay() -> int:
    return outbox_relay()
