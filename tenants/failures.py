"""Failed platform work that the province's health page and `/metrics` report.

Each kind of long work registers where its failures are (provisioning and life-cycle operations
here, bulk rollout rows in onboarding), so that the health page, one layer up, lists them all
without knowing whose tables they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from tenants.models import JobStatus, LifecycleOperation, OperationStatus, ProvisioningJob


@dataclass(frozen=True)
class FailureSource:
    key: str  # the health page's list is `failed-<key>`; the count is `<key>_count`
    title: str
    metric: str  # a Prometheus gauge name
    metric_help: str
    failed: Callable[[datetime], QuerySet]  # failed since the given time, newest first
    item_template: str  # renders one `item`
    position: int = 100
    # The badge and the gauge from `failed(since)`; None: its rows. A source whose rows are
    # agencies may count what waits in them instead.
    count: Callable[[QuerySet], int] | None = None

    def total(self, failed: QuerySet) -> int:
        return self.count(failed) if self.count else failed.count()


_sources: dict[str, FailureSource] = {}


def failure_source_register(source: FailureSource) -> None:
    _sources[source.key] = source


def failure_sources() -> list[FailureSource]:
    return sorted(_sources.values(), key=lambda source: (source.position, source.key))


def provisioning_failed(since: datetime) -> QuerySet:
    return (
        ProvisioningJob.objects.filter(status=JobStatus.FAILED)
        .filter(Q(finished_at__gte=since) | Q(finished_at__isnull=True, created_at__gte=since))
        .order_by("-created_at")
    )


def operations_failed(since: datetime) -> QuerySet:
    return (
        LifecycleOperation.objects.filter(status=OperationStatus.FAILED)
        .filter(Q(finished_at__gte=since) | Q(finished_at__isnull=True, created_at__gte=since))
        .select_related("agency")
        .order_by("-created_at")
    )
