"""Celery tasks of billing. Metering runs in each agency's schema (the schema travels in the
task headers, tenant-schemas-celery); invoicing runs in the public schema."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task

from billing.services.dunning import dunning_run
from billing.services.invoicing import invoices_issue as issue
from billing.services.invoicing import invoices_mark_overdue as mark
from billing.services.metering import usage_record
from billing.services.money import local_today
from billing.services.seed import pilot_ends_process
from tenants.fanout import fan_out
from tenants.models import Agency


@shared_task(name="billing.meter", acks_late=True, ignore_result=True)
def meter_for_agency(day: str) -> int:
    """Record one day's usage of the agency whose schema this task runs in."""
    from django.db import connection

    agency = Agency.objects.get(schema_name=connection.schema_name)
    return usage_record(agency=agency, day=date.fromisoformat(day)).active_users


@shared_task(name="billing.meter_all", ignore_result=True)
def meter_all(day: str | None = None) -> int:
    """Fan out (beat, 00:30): yesterday's usage, one task per active agency in its schema."""

    day = day or (local_today() - timedelta(days=1)).isoformat()
    return fan_out(meter_for_agency, args=[day])


@shared_task(name="billing.invoices_issue", acks_late=True, ignore_result=True)
def invoices_issue() -> int:
    """Monthly (beat, the 1st at 01:00): invoices for the previous month; a re-run is harmless."""

    return len(issue())


@shared_task(name="billing.invoices_mark_overdue", ignore_result=True)
def invoices_mark_overdue() -> int:

    return mark()


@shared_task(name="billing.pilot_ends", ignore_result=True)
def pilot_ends() -> dict:
    """Daily (beat, 00:45): ended pilots move to their chosen plan or the province is asked."""

    return pilot_ends_process()


@shared_task(name="billing.dunning", ignore_result=True)
def dunning() -> dict:
    """Daily (beat, 01:20): overdue marking, reminders, past due, read-only suspension."""

    return dunning_run()
