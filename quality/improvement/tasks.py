"""Celery tasks of the improvement loop (the agency schema travels in the headers)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from quality.improvement import reminders


@shared_task(name="improvement.reminders", acks_late=True, ignore_result=True)
def reminders_for_agency() -> dict:
    return reminders.reminders_send()


@shared_task(name="improvement.reminders_all", ignore_result=True)
def reminders_all() -> int:
    """Fan out: one task per active agency, each running in that agency's schema."""
    from tenants.models import Agency, AgencyStatus

    schemas = (
        Agency.objects.filter(status=AgencyStatus.ACTIVE)
        .exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
        .values_list("schema_name", flat=True)
    )
    for schema in schemas:
        reminders_for_agency.apply_async(headers={"_schema_name": schema})
    return len(schemas)
