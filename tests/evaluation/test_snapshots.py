"""The weekly snapshots equal a hand count made directly on the agency's own tables."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django_tenants.utils import schema_context

from eiso.testing.procedures import make_procedure
from evaluation.models import WeeklySnapshot
from evaluation.services.snapshots import snapshots_refresh, week_of
from insights.services import refresh
from integrations.models import InboxEvent
from iso_platform.accounts.models import User
from iso_platform.workdays.calendar import TZ
from quality.documents.models import RecordEntry, RecordSeries, Revision
from quality.feedback.models import SurveyResponse
from quality.improvement.models import Action, Nonconformity
from quality.procedures.models import Application
from quality.reviews.models import AnnualReport


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def app(procedure, code, received, completed=None, timeliness=""):
    received_at = local(received)
    return Application.objects.create(
        code=code,
        procedure=procedure,
        version=procedure.versions.get(),
        channel="desk",
        received_at=received_at,
        count_start_at=received_at,
        due_at=received_at + dt.timedelta(days=2),
        status="returned" if completed else "in_progress",
        completed_at=local(completed) if completed else None,
        timeliness=timeliness,
    )


def seed(world):
    """Two January weeks of known use in agency A."""
    procedure = make_procedure(world.owner_a)
    User.objects.update(date_joined=local("2026-01-01 08:00"))
    app(procedure, "HS-1", "2026-01-05 09:00", "2026-01-06 10:00", "early")
    late = app(procedure, "HS-2", "2026-01-06 09:00", "2026-01-12 10:00", "late")
    app(procedure, "HS-3", "2026-01-13 09:00", "2026-01-14 10:00", "on_time")
    app(procedure, "HS-4", "2026-01-13 11:00")
    InboxEvent.objects.create(  # HS-1 came through a connector pull; the others were typed
        application_code="HS-1", type="application.received", source="pull:1", status="applied"
    )
    nc = Nonconformity.objects.create(
        source="application_late",
        source_type="application",
        source_id="HS-2",
        title="Trễ hạn",
        detected_at=late.due_at + dt.timedelta(hours=5),
    )
    Action.objects.create(
        kind="corrective",
        nonconformity=nc,
        title="Sửa",
        owner=world.owner_a,
        due_on=dt.date(2026, 1, 9),
        status="done",
        done_at=local("2026-01-08 15:00"),
    )
    Action.objects.create(
        kind="corrective",
        nonconformity=nc,
        title="Sửa nữa",
        owner=world.owner_a,
        due_on=dt.date(2026, 1, 9),
        status="done",
        done_at=local("2026-01-14 15:00"),
    )
    revision = Revision.objects.order_by("pk").first()
    if revision is not None:
        Revision.objects.filter(pk=revision.pk).update(
            drafted_at=local("2026-01-02 08:00"),
            approved_at=local("2026-01-07 08:00"),
            issue_number=1,
        )
    series = RecordSeries.objects.create(year=2026, name="Sổ theo dõi")
    RecordEntry.objects.create(
        series=series,
        reference="01",
        dated_on=dt.date(2026, 1, 7),
        created_by=world.owner_a,
        created_at=local("2026-01-07 09:00"),
    )
    SurveyResponse.objects.create(
        created_at=local("2026-01-14 10:00"),
        application_code="HS-3",
        overall=4,
        timeliness=4,
        staff=4,
        address_hash="x",
    )
    AnnualReport.objects.create(year=2025, generated_at=local("2026-01-13 10:00"))


def in_week(column: str, monday: dt.date) -> Q:
    start = dt.datetime.combine(monday, dt.time(), tzinfo=TZ)
    return Q(**{f"{column}__gte": start, f"{column}__lt": start + dt.timedelta(weeks=1)})


def hand_count(monday: dt.date, agency) -> dict:
    """The week's figures counted one by one with the ORM, in the agency's schema."""
    end = dt.datetime.combine(monday, dt.time(), tzinfo=TZ) + dt.timedelta(weeks=1)
    apps = Application.objects.all()
    completed = apps.filter(in_week("completed_at", monday))
    late = [a for a in completed if a.timeliness == "late"]
    ncs = {
        n.source_id: n
        for n in Nonconformity.objects.filter(source="application_late", source_type="application")
    }
    late_nc = [a for a in late if a.code in ncs]
    done = Action.objects.filter(in_week("done_at", monday), kind="corrective")
    revisions = list(
        Revision.objects.filter(in_week("approved_at", monday), issue_number__isnull=False)
    )
    days = sorted((r.approved_at - r.drafted_at).total_seconds() / 86400 for r in revisions)
    median = None
    if days:
        mid = len(days) // 2
        median = days[mid] if len(days) % 2 else (days[mid - 1] + days[mid]) / 2
    from quality.core.models import AuditEvent

    received = apps.filter(in_week("received_at", monday))
    return {
        "staff": User.objects.filter(is_active=True, date_joined__lt=end).count(),
        "active_users": AuditEvent.objects.filter(in_week("at", monday), actor_id__isnull=False)
        .values("actor_id")
        .distinct()
        .count(),
        "documents_issued": len(revisions),
        "issue_days_median": median,
        "records_kept": RecordEntry.objects.filter(in_week("created_at", monday)).count(),
        "received": received.count(),
        "received_integrated": sum(
            InboxEvent.objects.filter(
                Q(key__isnull=False) | Q(source__startswith="pull:"),
                application_code=a.code,
                type="application.received",
            ).exists()
            for a in received
        ),
        "completed": completed.count(),
        "in_time": sum(a.timeliness in ("early", "on_time") for a in completed),
        "late": len(late),
        "late_with_nc": len(late_nc),
        "nc_assign_hours": sum(
            round(max(0, (ncs[a.code].detected_at - a.due_at).total_seconds() / 3600))
            for a in late_nc
        ),
        "corrective_done": done.count(),
        "corrective_on_time": sum(a.done_at.astimezone(TZ).date() <= a.due_on for a in done),
        "survey_responses": SurveyResponse.objects.filter(in_week("created_at", monday)).count(),
        "survey_score_sum": sum(
            r.overall for r in SurveyResponse.objects.filter(in_week("created_at", monday))
        ),
        "annual_report_ready": AnnualReport.objects.filter(
            generated_at__isnull=False, generated_at__lt=end
        ).exists(),
    }


def test_weekly_snapshots_equal_a_hand_count_of_the_seeded_data(in_a):
    seed(in_a)
    refresh.agency_refresh(agency=in_a.agency_a)
    with schema_context("public"):
        snapshots_refresh()
        rows = {s.week: s for s in WeeklySnapshot.objects.filter(agency=in_a.agency_a)}
    assert dt.date(2026, 1, 5) in rows and dt.date(2026, 1, 12) in rows
    assert week_of(dt.date.today()) in rows  # every week up to now, empty ones included
    for monday, row in rows.items():
        expected = hand_count(monday, in_a.agency_a)
        got = {key: getattr(row, key) for key in expected}
        if expected["issue_days_median"] is not None:
            assert abs(got["issue_days_median"] - expected["issue_days_median"]) < 1e-6
            got["issue_days_median"] = expected["issue_days_median"]
        assert got == expected, monday
    # the seeded figures themselves, so the hand count cannot agree with an empty table
    first, second = rows[dt.date(2026, 1, 5)], rows[dt.date(2026, 1, 12)]
    assert (first.received, first.received_integrated, first.completed, first.in_time) == (
        2,
        1,
        1,
        1,
    )
    assert (second.late, second.late_with_nc, second.nc_assign_hours) == (1, 1, 5)
    assert (first.corrective_done, first.corrective_on_time) == (1, 1)
    assert (second.corrective_done, second.corrective_on_time) == (1, 0)
    assert first.records_kept == 1 and not first.annual_report_ready
    assert second.annual_report_ready and second.survey_score_sum == 4
