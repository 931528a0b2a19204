"""Celery tasks of the documents area (the agency schema travels in the headers)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from quality.documents.services import files, reminders


# The parse has its own deadline (UNTRUSTED_PARSE_SECONDS); the soft limit lets the task
# still record why it stopped, the hard one kills a child stuck inside a library call.
@shared_task(
    name="documents.file_text_extract",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=settings.UNTRUSTED_PARSE_SECONDS + 30,
    time_limit=settings.UNTRUSTED_PARSE_SECONDS + 60,
)
def file_text_extract(file_id: int) -> None:
    files.file_text_extract(file_id=file_id)


@shared_task(name="documents.reminders", acks_late=True, ignore_result=True)
def reminders_for_agency() -> dict:
    return reminders.reminders_send()


@shared_task(name="documents.reminders_all", ignore_result=True)
def reminders_all() -> int:
    """Fan out: one task per active agency, each running in that agency's schema."""
    from tenants.models import Agency, AgencyStatus

    schemas = (
        Agency.objects.filter(status=AgencyStatus.ACTIVE)
        .exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
        .values_list("schema_name", flat=True)
    )
    count = 0
    for schema in schemas:
        reminders_for_agency.apply_async(headers={"_schema_name": schema})
        count += 1
    return count
