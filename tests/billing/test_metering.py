"""Metering: computed in the agency's own schema, idempotent per agency and day, fanned out
by beat with the schema in the task headers."""

from __future__ import annotations

import datetime as dt

from axes.models import AccessLog
from django_tenants.utils import schema_context

from billing import tasks
from billing.models import UsageDaily
from billing.services.metering import usage_for_agency, usage_record
from eiso.testing.procedures import make_procedure
from iso_platform.accounts.models import User
from iso_platform.workdays.calendar import TZ
from quality.core.models import AuditEvent
from quality.procedures.models import Application

D = dt.date
DAY = D(2026, 10, 20)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def add_application(procedure, code, received):
    received_at = at(received)
    return Application.objects.create(
        code=code,
        procedure=procedure,
        version=procedure.versions.get(),
        channel="desk",
        applicant="Nguyễn Văn A",
        received_at=received_at,
        count_start_at=received_at,
        due_at=received_at + dt.timedelta(days=7),
        status="in_progress",
    )


def activity_in_alpha(w, media_root):
    """In alpha: three people active on 20/10 (Hanoi time), one only the day before, two
    applications received that day and one just after midnight; 1 000 bytes of files."""
    with schema_context(w.agency_a.schema_name):
        User.objects.filter(pk=w.owner_a.pk).update(last_login=at("2026-10-20 08:00"))
        User.objects.filter(pk=w.reader_a.pk).update(last_login=at("2026-10-19 23:59"))
        AuditEvent.objects.create(
            at=at("2026-10-20 00:05"),  # 17:05 UTC on the 19th: still the 20th in Hanoi
            actor_id=w.member_a.pk,
            actor_label=w.member_a.email,
            action="updated",
            subject_type="document",
            subject_id="1",
        )
        log = AccessLog.objects.create(
            username=w.leader_a.email.upper(), user_agent="t", http_accept="*", path_info="/"
        )
        AccessLog.objects.filter(pk=log.pk).update(attempt_time=at("2026-10-20 23:59"))
        procedure = make_procedure(w.owner_a)
        add_application(procedure, "HS-1", "2026-10-20 09:00")
        add_application(procedure, "HS-2", "2026-10-20 23:59")
        add_application(procedure, "HS-3", "2026-10-21 00:00")
    folder = media_root / w.agency_a.schema_name / "documents"
    folder.mkdir(parents=True)
    (folder / "a.pdf").write_bytes(b"x" * 1000)


def test_usage_is_computed_from_the_agency_schema(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activity_in_alpha(world, tmp_path)
    row = usage_record(agency=world.agency_a, day=DAY)
    assert row.active_users == 3  # owner (sign-in), member (audit trail), leader (access log)
    assert row.applications_received == 2
    assert row.storage_bytes > 1000  # tables of ag_alpha + the file
    beta = usage_record(agency=world.agency_b, day=DAY)
    assert (beta.active_users, beta.applications_received) == (0, 0)
    assert beta.storage_bytes < row.storage_bytes  # alpha's file is not beta's
    assert usage_record(agency=world.agency_a, day=D(2026, 10, 19)).active_users == 1


def test_recording_the_same_day_again_overwrites_the_row(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    usage_record(agency=world.agency_a, day=DAY)
    activity_in_alpha(world, tmp_path)
    usage_record(agency=world.agency_a, day=DAY)
    usage_record(agency=world.agency_a, day=DAY)
    rows = UsageDaily.objects.filter(agency=world.agency_a, day=DAY)
    assert rows.count() == 1
    assert rows.get().active_users == 3
    assert list(usage_for_agency(agency=world.agency_b, since=DAY, until=DAY)) == []


def test_beat_fans_out_one_task_per_active_agency_with_its_schema(world, monkeypatch):
    from tenants.models import Agency

    Agency.objects.filter(pk=world.agency_b.pk).update(status="suspended")
    sent = []
    monkeypatch.setattr(tasks.meter_for_agency, "apply_async", lambda **kw: sent.append(kw))
    assert tasks.meter_all(day="2026-10-20") == 1
    assert sent == [{"args": ["2026-10-20"], "headers": {"_schema_name": "ag_alpha"}}]


def test_the_agency_task_records_its_own_schema(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activity_in_alpha(world, tmp_path)
    with schema_context(world.agency_a.schema_name):
        assert tasks.meter_for_agency("2026-10-20") == 3
    assert UsageDaily.objects.get(agency=world.agency_a, day=DAY).applications_received == 2


def test_beat_schedule_has_the_billing_tasks(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["billing-meter"]["task"] == "billing.meter_all"
    assert (
        schedule["billing-meter"]["schedule"].hour,
        schedule["billing-meter"]["schedule"].minute,
    ) == ({0}, {30})
    assert schedule["billing-invoices"]["task"] == "billing.invoices_issue"


def test_billing_beat_entries_name_registered_tasks(settings):
    from eiso.celery import app

    app.loader.import_default_modules()
    billing = {
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"].startswith("billing.")
    }
    assert billing == {
        "billing.meter_all",
        "billing.invoices_issue",
        "billing.invoices_mark_overdue",
        "billing.pilot_ends",
        "billing.dunning",
    }
    assert billing | {"billing.meter"} <= set(app.tasks)
