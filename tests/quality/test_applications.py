"""Applications rebuilt from events: deadlines, steps, supplements, apologies, refusals, order."""

import datetime as dt

import pytest

from eiso.testing.procedures import event, make_procedure
from integrations.services.apply import inbox_apply_pending
from integrations.services.ingest import events_ingest
from iso_platform.workdays.calendar import TZ
from quality.improvement.models import Nonconformity
from quality.procedures.models import Application, HandOff


def local(value):
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def procedure(in_a):
    return make_procedure(in_a.owner_a)


def run(*events):
    outcomes = events_ingest(items=list(events), key=None)
    inbox_apply_pending()
    return outcomes


RECEIVED = dict(procedure_code="1.000001", channel="desk", to_unit="Bộ phận một cửa")


def test_a_received_application_gets_its_due_date_and_first_step(procedure):
    run(event("e1", "received", "2026-03-09 09:15", **RECEIVED))
    app = Application.objects.get(code="HS-001")
    assert local(app.due_at) == "2026-03-16 09:15"  # 5 working days
    assert app.status == "received" and app.current_step == 1
    assert app.version.procedure == procedure


def test_hand_offs_build_the_process_control_sheet_with_on_time_and_late(procedure):
    run(
        event("e1", "received", "2026-03-09 09:15", **RECEIVED),
        event(
            "e2",
            "handed_over",
            "2026-03-09 11:00",
            from_unit="Bộ phận một cửa",
            from_officer="Nguyễn A",
            to_unit="Phòng chuyên môn",
            to_officer="Trần B",
        ),
        event(
            "e3",
            "handed_over",
            "2026-03-13 10:00",
            from_unit="Phòng chuyên môn",
            to_unit="Văn phòng",
        ),
        event("e4", "completed", "2026-03-13 15:00", unit="Văn phòng"),
        event("e5", "returned", "2026-03-16 08:00", unit="Bộ phận một cửa"),
    )
    app = Application.objects.get(code="HS-001")
    sheet = list(HandOff.objects.filter(application=app).order_by("seq"))
    assert [h.kind for h in sheet] == [
        "received",
        "handed_over",
        "handed_over",
        "completed",
        "returned",
    ]
    assert sheet[1].step == 1 and sheet[1].on_time is True  # 1h45 of a 4h step
    assert sheet[2].step == 2 and sheet[2].on_time is False  # the 20h step took longer
    assert sheet[1].from_officer == "Nguyễn A" and sheet[1].to_officer == "Trần B"
    assert app.status == "returned" and app.timeliness == "early"  # Friday, due Monday


def test_a_late_completion_is_late_and_opens_a_nonconformity(procedure):
    run(
        event("e1", "received", "2026-03-09 09:15", **RECEIVED),
        event("e2", "completed", "2026-03-16 10:00"),
    )
    app = Application.objects.get(code="HS-001")
    assert app.timeliness == "late" and app.late_seconds == 45 * 60
    nc = Nonconformity.objects.get(source_id="HS-001")
    assert nc.source == "application_late" and "trễ hạn" in nc.title


def test_completion_on_the_due_day_is_on_time(procedure):
    run(
        event("e1", "received", "2026-03-09 09:15", **RECEIVED),
        event("e2", "completed", "2026-03-16 09:00"),
    )
    assert Application.objects.get(code="HS-001").timeliness == "on_time"


CALENDAR = dict(procedure_code="1.000007", channel="desk", to_unit="Bộ phận một cửa")


@pytest.fixture
def calendar_procedure(in_a):
    """7 calendar days ("7 ngày"), pausing for supplements."""
    return make_procedure(in_a.owner_a, code="1.000007", calendar_days=7, rule="pause")


def test_a_calendar_day_procedure_counts_the_weekend_and_is_on_time_to_the_end_of_the_day(
    calendar_procedure,
):
    run(
        event("e1", "received", "2026-03-13 09:15", **CALENDAR),
        event("e2", "completed", "2026-03-20 17:00"),
    )
    app = Application.objects.get(code="HS-001")
    assert app.version.limit_label == "7 ngày"
    # Friday + 7 calendar days: Friday 20 March, to the end of the day
    assert local(app.due_at) == "2026-03-20 23:59" and app.timeliness == "on_time"


def test_a_calendar_day_procedure_is_late_the_next_working_morning(calendar_procedure):
    # As 7 working days it would be due Tuesday 24 March: on time. As 7 days, late.
    run(
        event("e1", "received", "2026-03-13 09:15", **CALENDAR),
        event("e2", "completed", "2026-03-23 08:00"),
    )
    app = Application.objects.get(code="HS-001")
    assert app.timeliness == "late" and app.late_seconds == 30 * 60
    assert Nonconformity.objects.filter(source_id="HS-001", source="application_late").exists()


def test_a_pause_of_a_calendar_day_limit_is_counted_in_calendar_days(calendar_procedure):
    run(
        event("e1", "received", "2026-03-09 09:15", **CALENDAR),  # due Monday 16 March
        event("e2", "supplement_requested", "2026-03-13 10:00"),  # Friday
        event("e3", "supplement_received", "2026-03-16 09:00"),  # Monday: 3 days paused
    )
    assert local(Application.objects.get(code="HS-001").due_at) == "2026-03-19 23:59"


def test_supplement_restarts_the_full_limit_by_default(procedure):
    run(
        event("e1", "received", "2026-03-09 09:15", **RECEIVED),
        event("e2", "supplement_requested", "2026-03-10 10:00", reason="Thiếu bản sao"),
        event("e3", "supplement_received", "2026-03-12 14:00"),
    )
    app = Application.objects.get(code="HS-001")
    assert local(app.due_at) == "2026-03-19 14:00"
    assert app.supplement_count == 1 and app.status == "in_progress"


def test_supplement_can_pause_the_clock_instead(in_a):
    make_procedure(in_a.owner_a, code="1.000002", rule="pause")
    run(
        event("e1", "received", "2026-03-09 09:15", procedure_code="1.000002"),
        event("e2", "supplement_requested", "2026-03-10 09:15"),
        event("e3", "supplement_received", "2026-03-11 09:15"),
    )
    # one working day paused: due moves from 16 to 17 March
    assert local(Application.objects.get(code="HS-001").due_at) == "2026-03-17 09:15"


def test_an_apology_records_the_new_date_and_the_delay_stays_a_delay(procedure):
    run(
        event("e1", "received", "2026-03-09 09:15", **RECEIVED),
        event(
            "e2",
            "apology",
            "2026-03-16 08:00",
            new_due_at="2026-03-18T16:00:00+07:00",
            reason="Chờ ý kiến liên ngành",
        ),
        event("e3", "completed", "2026-03-18 15:00"),
    )
    app = Application.objects.get(code="HS-001")
    assert local(app.promised_at) == "2026-03-18 16:00"
    assert app.timeliness == "late" and app.apology_count == 1
    assert set(
        Nonconformity.objects.filter(source_id="HS-001").values_list("source", flat=True)
    ) == {"application_apology", "application_late"}


def test_a_refusal_for_the_agencys_fault_opens_a_nonconformity(procedure):
    run(
        event("e1", "received", "2026-03-09 09:15", **RECEIVED),
        event("e2", "refused", "2026-03-10 09:15", reason="Hướng dẫn sai hồ sơ", agency_fault=True),
    )
    app = Application.objects.get(code="HS-001")
    assert app.status == "refused" and app.agency_fault
    assert Nonconformity.objects.get(source_id="HS-001").source == "application_refused"


def test_events_arriving_out_of_order_end_in_the_same_state(procedure):
    stream = [
        event("e1", "received", "2026-03-09 09:15", **RECEIVED),
        event("e2", "handed_over", "2026-03-09 11:00", to_unit="Phòng chuyên môn"),
        event("e3", "completed", "2026-03-12 10:00"),
    ]
    run(stream[2])
    assert not Application.objects.exists()  # waiting for "received"
    run(stream[1])
    run(stream[0])
    app = Application.objects.get(code="HS-001")
    assert app.status == "completed" and app.timeliness == "early"
    assert HandOff.objects.filter(application=app).count() == 3


def test_a_duplicated_event_changes_nothing(procedure):
    first = event("e1", "received", "2026-03-09 09:15", **RECEIVED)
    run(first)
    before = Application.objects.values().get(code="HS-001")
    outcomes = run(first, dict(first))
    assert [o.status for o in outcomes] == ["duplicate", "duplicate"]
    after = Application.objects.values().get(code="HS-001")
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }


def test_the_same_id_with_other_content_is_a_conflict(procedure):
    run(event("e1", "received", "2026-03-09 09:15", **RECEIVED))
    changed = event("e1", "received", "2026-03-10 09:15", **RECEIVED)
    assert run(changed)[0].status == "conflict"
    assert local(Application.objects.get(code="HS-001").received_at) == "2026-03-09 09:15"


@pytest.mark.parametrize(
    "bad,message",
    [
        (
            {
                "event_id": "x",
                "type": "application.exploded",
                "occurred_at": "2026-03-09T09:00:00+07:00",
                "data": {"application_id": "A"},
            },
            "không được hỗ trợ",
        ),
        (
            {
                "event_id": "x",
                "type": "application.received",
                "occurred_at": "hôm qua",
                "data": {"application_id": "A", "procedure_code": "1.000001"},
            },
            "ISO 8601",
        ),
        (
            {
                "event_id": "x",
                "type": "application.received",
                "occurred_at": "2026-03-09T09:00:00",
                "data": {"application_id": "A"},
            },
            "data.procedure_code: bắt buộc",
        ),
        (
            {
                "event_id": "x",
                "type": "application.received",
                "occurred_at": "2026-03-09T09:00:00",
                "data": {"application_id": "A", "procedure_code": "9.999999"},
            },
            "không có trong danh mục",
        ),
        (
            {
                "event_id": "x",
                "type": "application.received",
                "occurred_at": "2099-01-01T09:00:00",
                "data": {"application_id": "A", "procedure_code": "1.000001"},
            },
            "tương lai",
        ),
        (
            {
                "type": "application.returned",
                "occurred_at": "2026-03-09T09:00:00",
                "data": {"application_id": "A"},
            },
            "event_id",
        ),
        ("not an object", "đối tượng JSON"),
    ],
)
def test_malformed_events_are_refused_precisely_and_kept(procedure, bad, message):
    from integrations.models import InboxEvent

    outcome = run(bad)[0]
    assert outcome.status == "rejected" and message in outcome.error
    kept = InboxEvent.objects.get(status="rejected")
    assert message in kept.error
    assert not Application.objects.exists()


def test_an_application_keeps_the_version_in_force_when_received(procedure, in_a):
    from decimal import Decimal

    from quality.procedures.services.catalogue import StepSpec, VersionSpec, procedure_version_add

    procedure_version_add(
        actor=in_a.owner_a,
        procedure=procedure,
        version=VersionSpec(
            effective_from=dt.date(2026, 3, 10),
            limit_days=3,
            limit_hours=None,
            steps=[StepSpec("Giải quyết", Decimal(20))],
        ),
    )
    run(
        event("e1", "received", "2026-03-09 09:15", app="OLD", **RECEIVED),
        event("e2", "received", "2026-03-10 09:15", app="NEW", **RECEIVED),
    )
    assert local(Application.objects.get(code="OLD").due_at) == "2026-03-16 09:15"
    assert local(Application.objects.get(code="NEW").due_at) == "2026-03-13 09:15"


def test_open_applications_past_due_get_a_nonconformity_once(procedure):
    from quality.procedures.services.applications import overdue_nonconformities

    run(event("e1", "received", "2026-03-09 09:15", **RECEIVED))
    overdue_nonconformities()
    overdue_nonconformities()
    assert Nonconformity.objects.filter(source_id="HS-001").count() == 1
