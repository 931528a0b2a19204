"""Facts for the statistics dashboard and API tests, inserted directly in the public tables.

Agency A (Sở Alpha): Jan and Feb 2025 month facts, March 2025 as two day facts and their
month fact; overdue applications now (red). Agency B (Sở Beta, made a commune committee
under A): Jan 2025 only; amber (corrective actions overdue, a document past review),
waiting for a refresh, with a refresh error.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from insights.models import AgencyFact, AgencyStatus, FieldFact
from tenants.models import AgencyKind

D = dt.date


def fact(agency, grain, period, **figures):
    return AgencyFact.objects.create(agency=agency, grain=grain, period=period, **figures)


def build(world) -> dict:
    a, b = world.agency_a, world.agency_b
    # whatever provisioning or an earlier refresh left: these tests own the figures
    AgencyFact.objects.all().delete()
    FieldFact.objects.all().delete()
    AgencyStatus.objects.all().delete()
    b.kind = AgencyKind.COMMUNE_COMMITTEE
    b.parent = a
    b.save(update_fields=["kind", "parent"])
    jan_a = dict(received=10, completed=8, early=2, on_time=4, late=2, ncs_opened=1)
    fact(a, "month", D(2025, 1, 1), **jan_a, satisfaction_responses=4, satisfaction_score_sum=18)
    fact(a, "month", D(2025, 2, 1), received=5, completed=5, early=0, on_time=5, late=0)
    # March: two days, and the month fact that is their sum
    fact(a, "day", D(2025, 3, 10), received=3, completed=2, early=1, on_time=0, late=1)
    fact(a, "day", D(2025, 3, 20), received=4, completed=4, early=0, on_time=1, late=3)
    fact(a, "month", D(2025, 3, 1), received=7, completed=6, early=1, on_time=1, late=4)
    fact(b, "month", D(2025, 1, 1), received=20, completed=10, early=1, on_time=4, late=5)
    fact(b, "day", D(2025, 1, 15), received=20, completed=10, early=1, on_time=4, late=5)
    FieldFact.objects.create(
        agency=a, month=D(2025, 1, 1), field="Đất đai", completed=8, in_time=6, late=2
    )
    FieldFact.objects.create(
        agency=b, month=D(2025, 1, 1), field="Đất đai", completed=10, in_time=5, late=5
    )
    FieldFact.objects.create(
        agency=b, month=D(2025, 1, 1), field="Hộ tịch", completed=3, in_time=3, late=0
    )
    now = timezone.now()
    AgencyStatus.objects.create(
        agency=a,
        year=2025,
        overdue_now=3,
        in_progress=7,
        audits_planned=2,
        audits_done=1,
        documents_in_force=40,
        review_held=True,
        refreshed_at=now,
    )
    AgencyStatus.objects.create(
        agency=b,
        year=2025,
        actions_overdue=2,
        documents_review_overdue=1,
        audits_planned=1,
        audits_done=1,
        documents_in_force=12,
        review_held=True,
        refreshed_at=now - dt.timedelta(hours=1),
        dirty_since=now,
        last_error="timeout while reading ag_beta",
        failed_at=now,
    )
    return {"a": a, "b": b}


# Hand sums for 2025 (whole year: month facts only)
YEAR_2025 = {
    "received": 10 + 5 + 7 + 20,
    "completed": 8 + 5 + 6 + 10,
    "early": 2 + 0 + 1 + 1,
    "on_time": 4 + 5 + 1 + 4,
    "late": 2 + 0 + 4 + 5,
}
