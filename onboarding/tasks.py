"""Celery tasks of onboarding (the agency schema travels in the headers).

The agency checklist's public mirror (`AgencyOnboarding`) is refreshed on page views
and after onboarding's own writes; this hourly fan-out catches the writes of other apps
(procedures imported, an integration key created, the policy issued...).
"""

from __future__ import annotations

from celery import shared_task

from iso_platform.task_limits import long_task_limits
from onboarding.services.checklist import checklist_refresh
from onboarding.services.rollout.running import rollout_batches_resume
from onboarding.services.rollout.running import rollout_run as run
from tenants.fanout import fan_out


@shared_task(name="onboarding.checklist_refresh", acks_late=True, ignore_result=True)
def checklist_refresh_for_agency() -> int:

    return checklist_refresh().done


@shared_task(name="onboarding.checklist_refresh_all", ignore_result=True)
def checklist_refresh_all() -> int:
    """Fan out: one task per active agency, each running in that agency's schema."""
    return fan_out(checklist_refresh_for_agency)


# --------------------------------------------------------------------------- bulk rollout


@shared_task(
    name="onboarding.rollout_run", acks_late=True, ignore_result=True, **long_task_limits()
)
def rollout_run(batch_id: str) -> str:
    """Provision a confirmed rollout batch row by row (one runner per batch, resumable)."""

    return run(batch_id=batch_id)


@shared_task(name="onboarding.rollout_resume", ignore_result=True)
def rollout_resume() -> int:
    """Queue again the batches left waiting, or abandoned by a crashed worker (beat)."""

    return rollout_batches_resume()
