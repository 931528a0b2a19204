"""Statistics refresh: set-based figures equal a hand count, local days, freshness, failures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models as m
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.loop import make_loop
from eiso.testing.procedures import event, make_procedure
from insights import tasks
from insights.models import AgencyFact, AgencyStatus, FieldFact
from insights.services import dirty, refresh
from integrations.services.apply import inbox_apply_pending
from integrations.services.ingest import events_ingest
from iso_platform.accounts.models import Role, User
from iso_platform.workdays.calendar import TZ
from quality.core.models import Unit
from quality.feedback.models import SurveyResponse
from quality.improvement.models import Nonconformity
from quality.procedures.models import Application


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def add_application(procedure, code, received, completed=None, timeliness="", status=None):
    received_at = local(received) if isinstance(received, str) else received
    completed_at = local(completed) if isinstance(completed, str) else completed
    return Application.objects.create(
        code=code,
        procedure=procedure,
        version=procedure.versions.get(),
        channel="desk",
        applicant="Nguyễn Văn Bí Mật",
        received_at=received_at,
        count_start_at=received_at,
        due_at=received_at + dt.timedelta(days=7),
        status=status or ("returned" if completed_at else "in_progress"),
        completed_at=completed_at,
        timeliness=timeliness,
    )


@pytest.fixture
def data(in_a):
    """Applications over two months and a late-night one, nonconformities, survey answers."""
    procedure = make_procedure(in_a.owner_a)
    now = timezone.now()
    rows = [
        ("HS-1", "2026-01-05 09:00", "2026-01-07 10:00", "early"),
        ("HS-2", "2026-01-05 14:00", "2026-01-13 10:00", "on_time"),
        ("HS-3", "2026-01-31 23:30", "2026-02-10 16:00", "late"),  # 16:30 UTC on the 31st
        ("HS-4", "2026-02-01 00:30", None, ""),  # 17:30 UTC on 31 January: a February one
        ("HS-5", "2026-02-02 08:00", "2026-02-02 23:45", "early"),
    ]
    for code, received, completed, timeliness in rows:
        add_application(procedure, code, received, completed, timeliness)
    # open and past due now
    add_application(procedure, "HS-6", now - dt.timedelta(days=20))
    Nonconformity.objects.create(source="self", title="Thiếu biểu mẫu", detected_at=now)
    Nonconformity.objects.create(
        source="self",
        title="Đã xử lý",
        detected_at=local("2026-01-10 09:00"),
        status="closed",
        closed_at=local("2026-02-03 23:50"),
    )
    for n, score in enumerate([5, 4, 1]):
        SurveyResponse.objects.create(
            created_at=local("2026-02-03 22:00"),
            application_code=f"HS-{n + 1}",
            overall=score,
            timeliness=score,
            staff=score,
            address_hash="x",
        )
    return procedure


def hand_count_days() -> dict[dt.date, dict]:
    """Per local day, with the ORM (TruncDate uses the current time zone, Asia/Ho_Chi_Minh)."""
    days: dict[dt.date, dict] = {}

    def add(queryset, column, **sums):
        rows = queryset.annotate(d=TruncDate(column)).values("d").annotate(**sums)
        for row in rows:
            day = days.setdefault(row.pop("d"), {})
            for key, value in row.items():
                day[key] = day.get(key, 0) + value

    apps = Application.objects.all()
    add(apps, "received_at", received=m.Count("id"))
    add(
        apps.filter(completed_at__isnull=False),
        "completed_at",
        completed=m.Count("id"),
        early=m.Count("id", filter=m.Q(timeliness="early")),
        on_time=m.Count("id", filter=m.Q(timeliness="on_time")),
        late=m.Count("id", filter=m.Q(timeliness="late")),
    )
    add(Nonconformity.objects.all(), "detected_at", ncs_opened=m.Count("id"))
    add(
        Nonconformity.objects.filter(status="closed", closed_at__isnull=False),
        "closed_at",
        ncs_closed=m.Count("id"),
    )
    add(
        SurveyResponse.objects.all(),
        "created_at",
        satisfaction_responses=m.Count("id"),
        satisfaction_score_sum=m.Sum("overall"),
    )
    from quality.core.models import AuditEvent

    add(
        AuditEvent.objects.filter(actor_id__isnull=False),
        "at",
        active_users=m.Count("actor_id", distinct=True),
    )
    return days


FLOW = [
    "received",
    "completed",
    "early",
    "on_time",
    "late",
    "ncs_opened",
    "ncs_closed",
    "satisfaction_responses",
    "satisfaction_score_sum",
    "active_users",
]


def facts(agency, grain) -> dict[dt.date, dict]:
    return {
        f["period"]: {k: v for k, v in f.items() if k != "period" and v}
        for f in AgencyFact.objects.filter(agency=agency, grain=grain).values("period", *FLOW)
    }


def test_day_and_month_facts_equal_a_hand_count_with_the_orm(data, in_a):
    refresh.agency_refresh(agency=in_a.agency_a)
    expected = {d: {k: v for k, v in row.items() if v} for d, row in hand_count_days().items()}
    assert facts(in_a.agency_a, "day") == expected
    months: dict[dt.date, dict] = {}
    for day, row in expected.items():
        month = months.setdefault(day.replace(day=1), {})
        for key, value in row.items():
            if key != "active_users":
                month[key] = month.get(key, 0) + value
    from quality.core.models import AuditEvent

    for row in (
        AuditEvent.objects.filter(actor_id__isnull=False)
        .annotate(mo=TruncMonth("at"))
        .values("mo")
        .annotate(n=m.Count("actor_id", distinct=True))
    ):
        months.setdefault(row["mo"].date() if hasattr(row["mo"], "date") else row["mo"], {})[
            "active_users"
        ] = row["n"]
    assert facts(in_a.agency_a, "month") == months
    # on-time by field and month
    assert {
        (f.month, f.field): (f.completed, f.in_time, f.late)
        for f in FieldFact.objects.filter(agency=in_a.agency_a)
    } == {
        (dt.date(2026, 1, 1), "Hoạt động khoa học và công nghệ"): (2, 2, 0),
        (dt.date(2026, 2, 1), "Hoạt động khoa học và công nghệ"): (2, 1, 1),
    }


def test_periods_are_asia_ho_chi_minh_days_and_months(data, in_a):
    refresh.agency_refresh(agency=in_a.agency_a)
    day = facts(in_a.agency_a, "day")
    month = facts(in_a.agency_a, "month")
    # received 23:30 local on 31 January (16:30 UTC) counts on the 31st, in January
    assert day[dt.date(2026, 1, 31)]["received"] == 1
    # received 00:30 local on 1 February (still 31 January in UTC) counts in February
    assert day[dt.date(2026, 2, 1)]["received"] == 1
    assert month[dt.date(2026, 1, 1)]["received"] == 3
    assert month[dt.date(2026, 2, 1)]["received"] == 2
    # completed 23:45 local on 2 February: that day, not the 3rd
    assert day[dt.date(2026, 2, 2)]["completed"] == 1
    assert day[dt.date(2026, 2, 3)] == {
        "ncs_closed": 1,
        "satisfaction_responses": 3,
        "satisfaction_score_sum": 10,
    }


def test_periods_without_data_any_more_lose_their_facts(data, in_a):
    refresh.agency_refresh(agency=in_a.agency_a)
    jan_5 = AgencyFact.objects.filter(agency=in_a.agency_a, grain="day", period=dt.date(2026, 1, 5))
    assert jan_5.exists()
    Application.objects.filter(code__in=["HS-1", "HS-2"]).delete()
    refresh.agency_refresh(agency=in_a.agency_a)
    assert not jan_5.exists()
    assert facts(in_a.agency_a, "month")[dt.date(2026, 1, 1)]["received"] == 1
    assert not FieldFact.objects.filter(agency=in_a.agency_a, month=dt.date(2026, 1, 1)).exists()


def test_the_status_holds_the_figures_as_of_now(data, in_a):
    loop = make_loop(in_a.owner_a, in_a.member_a, in_a.leader_a)
    from quality.documents.models import Document

    doc = Document.objects.create(
        doc_type="form", code="BM.01", title="Biểu mẫu", status="in_force"
    )
    Document.objects.filter(pk=doc.pk).update(next_review_on=timezone.localdate() - dt.timedelta(1))
    User.objects.filter(pk=in_a.member_a.pk).update(last_login=timezone.now())
    status = refresh.agency_refresh(agency=in_a.agency_a)
    today = timezone.localdate()
    open_apps = Application.objects.filter(status__in=["received", "in_progress", "supplement"])
    assert status.year == today.year
    assert status.in_progress == open_apps.count() == 2
    assert status.overdue_now == open_apps.filter(due_at__lt=timezone.now()).count() == 2
    assert status.ncs_open == Nonconformity.objects.exclude(status="closed").count()
    assert status.audits_planned == 1 and status.audits_done == 0
    assert status.documents_in_force == Document.objects.filter(status="in_force").count()
    assert status.documents_review_overdue == 1
    assert status.objectives_met == 0 and status.objectives_missed == 0
    assert status.review_held is False
    assert status.users == User.objects.filter(is_active=True).count()
    assert status.active_users_30d >= 2  # the owner's audit-trail rows, the member's sign-in
    assert status.last_activity is not None and status.storage_bytes > 100_000
    assert status.refreshed_at is not None and status.dirty_since is None
    assert 0 < status.refresh_ms < 5000  # the script's own time, not the test transaction's
    assert status.last_error == "" and status.failed_at is None
    assert loop.action.due_on == today and status.actions_overdue == 0


def test_no_personal_data_in_the_fact_tables():
    """Only counts, sums, dates and flags; the only texts are the grain, the procedure field
    (a category), the refresh error and edition codes of ISO 9001 (catalogue codes)."""
    texts = {
        f"{model.__name__}.{f.name}"
        for model in (AgencyFact, FieldFact, AgencyStatus)
        for f in model._meta.concrete_fields
        if isinstance(f, m.CharField | m.TextField | m.JSONField)
    }
    assert texts == {
        "AgencyFact.grain",
        "FieldFact.field",
        "AgencyStatus.last_error",
        "AgencyStatus.iso_edition",
        "AgencyStatus.transition_target",
    }


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(
        tasks.refresh_agency_task, "apply_async", lambda **kw: calls.append(kw), raising=True
    )
    return calls


def test_writes_mark_the_agency_dirty_and_queue_one_debounced_refresh(
    world, queued, django_capture_on_commit_callbacks, settings
):
    settings.INSIGHTS_DEBOUNCE_SECONDS = 20
    schema = world.agency_a.schema_name
    # Only agency A is dirty here, whatever earlier tests committed or left in Redis.
    AgencyStatus.objects.update(dirty_since=None)
    dirty.debounce_clear(schema=schema)
    refresh.agency_refresh(agency=world.agency_a)
    assert AgencyStatus.objects.get(pk=world.agency_a.pk).dirty_since is None
    with schema_context(schema):
        for n in range(3):  # three transactions of writes
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                Unit.objects.create(code=f"U{n}", name=f"Phòng {n}")
                Unit.objects.create(code=f"V{n}", name=f"Ban {n}")
            assert len(callbacks) == 1  # one callback per transaction, however many writes
    assert queued == [{"countdown": 20, "headers": {"_schema_name": schema}}]
    assert AgencyStatus.objects.get(pk=world.agency_a.pk).dirty_since is not None
    dirty.debounce_clear(schema=schema)


def test_public_schema_writes_and_raw_loads_mark_nothing(
    world, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        User.objects.create_user("x@tinh.test", "x" * 12, full_name="X", role=Role.STAFF)
    with (
        schema_context(world.agency_a.schema_name),
        django_capture_on_commit_callbacks(execute=True) as more,
    ):
        Unit(code="RAW", name="Nạp thô").save_base(raw=True)
        with dirty.suspended():
            Unit.objects.create(code="BULK", name="Chuyển dữ liệu")
    assert callbacks == [] and more == [] and queued == []


RECEIVED = dict(procedure_code="1.000001", channel="desk", to_unit="Bộ phận một cửa")


def test_a_late_application_changes_the_late_count_once_the_task_has_run(
    in_a, django_capture_on_commit_callbacks
):
    schema = in_a.agency_a.schema_name
    dirty.debounce_clear(schema=schema)
    with django_capture_on_commit_callbacks(execute=True):
        make_procedure(in_a.owner_a)  # refreshed once by the (eager) task
    assert AgencyStatus.objects.get(pk=in_a.agency_a.pk).refreshed_at is not None
    dirty.debounce_clear(schema=schema)
    assert not AgencyFact.objects.filter(agency=in_a.agency_a, late__gt=0).exists()
    with django_capture_on_commit_callbacks(execute=True):
        events_ingest(
            items=[
                event("e1", "received", "2026-03-09 09:15", **RECEIVED),
                event("e2", "completed", "2026-03-16 10:00"),  # 45 minutes late
            ],
            key=None,
        )
        inbox_apply_pending()
    assert Application.objects.get(code="HS-001").timeliness == "late"
    with schema_context("public"):
        month = AgencyFact.objects.get(
            agency=in_a.agency_a, grain="month", period=dt.date(2026, 3, 1)
        )
        status = AgencyStatus.objects.get(pk=in_a.agency_a.pk)
    assert (month.received, month.completed, month.late) == (1, 1, 1)
    assert status.dirty_since is None and status.refreshed_at is not None
    dirty.debounce_clear(schema=schema)


def test_a_failing_agency_does_not_stop_the_nightly_run_and_keeps_its_error(
    world, eager, monkeypatch
):
    build = refresh.refresh_sql
    broken = world.agency_b.schema_name

    def failing(schema):
        return "SELECT 1 / 0;" if schema == broken else build(schema)

    monkeypatch.setattr(refresh, "refresh_sql", failing)
    queued = tasks.reconcile_all.apply().get()
    assert queued >= 2
    alpha = AgencyStatus.objects.get(pk=world.agency_a.pk)
    beta = AgencyStatus.objects.get(pk=world.agency_b.pk)
    assert alpha.refreshed_at is not None and alpha.last_error == ""
    assert "division by zero" in beta.last_error and beta.failed_at is not None
    assert beta.refreshed_at is None
    # the in-process loop (management command, bench) reports it and goes on
    summary = refresh.agencies_refresh(agencies=[world.agency_b, world.agency_a])
    assert summary.refreshed == 1 and summary.failed == ["beta"]


def test_the_safety_net_queues_agencies_left_dirty(world, queued, settings):
    settings.INSIGHTS_DEBOUNCE_SECONDS = 20
    schema = world.agency_a.schema_name
    # Only agency A is dirty here, whatever earlier tests committed or left in Redis.
    AgencyStatus.objects.update(dirty_since=None)
    dirty.debounce_clear(schema=schema)
    refresh.agency_refresh(agency=world.agency_a)
    AgencyStatus.objects.filter(pk=world.agency_a.pk).update(
        dirty_since=timezone.now() - dt.timedelta(minutes=2)
    )
    assert tasks.refresh_dirty() == 1
    assert tasks.refresh_dirty() == 0  # its debounce key now says a refresh is queued
    assert queued == [{"countdown": 0, "headers": {"_schema_name": schema}}]
    dirty.debounce_clear(schema=schema)


def test_the_command_refreshes_one_agency_or_all(world, capsys):
    from django.core.management import call_command

    call_command("insights_refresh", agency="alpha")
    assert "alpha: refreshed" in capsys.readouterr().out
    call_command("insights_refresh", all=True)
    assert "refreshed" in capsys.readouterr().out
    assert AgencyStatus.objects.filter(pk=world.agency_b.pk, refreshed_at__isnull=False).exists()


def test_the_first_mark_makes_the_status_row_and_later_ones_keep_the_first_time(world):
    schema = world.agency_b.schema_name
    AgencyStatus.objects.filter(pk=world.agency_b.pk).delete()
    first = timezone.now() - dt.timedelta(minutes=5)
    dirty.agency_mark_dirty(schema=schema, now=first)
    dirty.agency_mark_dirty(schema=schema)
    assert AgencyStatus.objects.get(pk=world.agency_b.pk).dirty_since == first
    before = AgencyStatus.objects.count()
    dirty.agency_mark_dirty(schema="pool_0123abcd")  # a spare schema: no agency, nothing
    assert AgencyStatus.objects.count() == before


def test_the_refresh_counts_staff_trained_this_year_like_the_agencys_own_page(in_a):
    from decimal import Decimal

    from quality.competence import selectors as competence
    from quality.competence import services as training

    w = in_a
    today = timezone.localdate()

    def held(title, on, people):
        training.session_create(
            actor=w.owner_a,
            title=title,
            held_on=on,
            trainer="Sở",
            hours=Decimal(1),
            attendees=people,
        )

    held("Một cửa", today, [w.member_a, w.leader_a])
    held("Ký số", today, [w.member_a])  # the same person twice: counted once
    held("Năm trước", today.replace(year=today.year - 1), [w.owner_a])
    gone = User.objects.create_user("nghi@alpha.test", full_name="Đã nghỉ", role=Role.STAFF)
    held("Trước khi nghỉ", today, [gone])
    User.objects.filter(pk=gone.pk).update(is_active=False)
    status = refresh.agency_refresh(agency=in_a.agency_a)
    assert status.staff_trained == 2
    assert status.staff_trained == competence.trained_share(today.year)["trained"]
