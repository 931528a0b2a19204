"""Celery tasks of competence (the agency schema travels in the headers)."""

from __future__ import annotations

from celery import shared_task

from quality.competence import reminders
from tenants.fanout import fan_out


@shared_task(name="competence.reminders", acks_late=True, ignore_result=True)
def reminders_for_agency() -> dict:
    return reminders.reminders_send()


@shared_task(name="competence.reminders_all", ignore_result=True)
def reminders_all() -> int:
    """Fan out: one task per active agency, each running in that agency's schema."""
    return fan_out(reminders_for_agency)
