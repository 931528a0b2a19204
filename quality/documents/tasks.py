"""Celery tasks of the documents area (the agency schema travels in the headers)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from quality.documents.services import files, reminders, signatures
from tenants.fanout import fan_out


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


# Fetching CRLs and OCSP answers is bounded by the outbound client's deadlines; the limits
# catch a file whose parse itself never ends.
@shared_task(
    name=signatures.VERIFY_TASK,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=settings.UNTRUSTED_PARSE_SECONDS + 120,
    time_limit=settings.UNTRUSTED_PARSE_SECONDS + 150,
)
def file_signatures_verify(verification_id: int, attempt: int, trigger: str) -> None:
    signatures.file_verification_run(
        verification_id=verification_id, attempt=attempt, trigger=trigger
    )


@shared_task(name="documents.reminders", acks_late=True, ignore_result=True)
def reminders_for_agency() -> dict:
    return reminders.reminders_send()


@shared_task(name="documents.reminders_all", ignore_result=True)
def reminders_all() -> int:
    """Fan out: one task per active agency, each running in that agency's schema."""
    return fan_out(reminders_for_agency)
