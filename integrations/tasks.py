"""Celery tasks of the integrations app (the agency schema travels in the headers)."""

from __future__ import annotations

from celery import shared_task

from integrations.models import PullConnector
from integrations.services import apply, ingest, pull
from quality.procedures.services.applications import overdue_nonconformities
from quality.procedures.services.stats import stats_rebuild
from tenants.fanout import fan_out


@shared_task(name="integrations.inbox_apply", acks_late=True, ignore_result=True)
def inbox_apply() -> int:
    return apply.inbox_apply_pending()


@shared_task(name="integrations.overdue_check", acks_late=True, ignore_result=True)
def overdue_check() -> int:

    return overdue_nonconformities()


@shared_task(name="integrations.pull", acks_late=True, ignore_result=True)
def pull_for_agency() -> int:
    return pull.connectors_pull()


@shared_task(name="integrations.apply_all", ignore_result=True)
def apply_all() -> int:
    """Safety net: apply whatever a lost message left in any agency's inbox."""
    return fan_out(inbox_apply)


@shared_task(name="integrations.pull_all", ignore_result=True)
def pull_all() -> int:
    return fan_out(pull_for_agency)


@shared_task(name="integrations.overdue_all", ignore_result=True)
def overdue_all() -> int:
    return fan_out(overdue_check)


@shared_task(name="integrations.stats_reconcile", acks_late=True, ignore_result=True)
def stats_reconcile() -> int:
    """Nightly: recompute this agency's daily statistics from the applications themselves."""

    return stats_rebuild()


@shared_task(name="integrations.stats_reconcile_all", ignore_result=True)
def stats_reconcile_all() -> int:
    return fan_out(stats_reconcile)


@shared_task(name="integrations.connector_pull", acks_late=True, ignore_result=True)
def connector_pull_task(connector_id: int) -> int:
    """One connector, run from its page (the page polls its progress)."""
    connector = PullConnector.objects.filter(pk=connector_id).first()
    return pull.connector_pull(connector=connector) if connector is not None else 0


@shared_task(name="integrations.rejected_prune", acks_late=True, ignore_result=True)
def rejected_prune() -> int:
    return ingest.rejected_requests_prune()


@shared_task(name="integrations.rejected_prune_all", ignore_result=True)
def rejected_prune_all() -> int:
    return fan_out(rejected_prune)
