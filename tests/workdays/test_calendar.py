"""The working-day calendar: Vietnamese holidays, province overrides, deadlines, laws."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from iso_platform.workdays import calendar as cal
from iso_platform.workdays.calendar import TZ, WorkCalendar, get_calendar
from iso_platform.workdays.models import CalendarOverride, OverrideKind
from iso_platform.workdays.services import calendar_override_remove, calendar_override_set

NATIONAL = WorkCalendar()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_tet_2026_is_not_counted():
    # Friday 13 Feb 2026, then the Tết holidays Mon 16 - Fri 20 Feb.
    assert [NATIONAL.is_working_day(dt.date(2026, 2, d)) for d in range(13, 24)] == [
        True,
        False,
        False,
        False,
        False,
        False,
        False,
        False,
        False,
        False,
        True,
    ]
    assert NATIONAL.due_date(at("2026-02-13 09:10"), days=1) == at("2026-02-23 09:10")


def test_calendar_days_count_the_weekend_and_end_on_a_working_day():
    # Civil Code 2015, Articles 147-148: received Friday 13 March, the day itself not
    # counted; the end of the last day, moved to Monday when it is a Saturday or Sunday.
    friday = at("2026-03-13 09:15")
    assert NATIONAL.due_date(friday, calendar_days=6) == at("2026-03-19 23:59:59")
    assert NATIONAL.due_date(friday, calendar_days=1) == at("2026-03-16 23:59:59")
    assert NATIONAL.due_date(friday, calendar_days=2) == at("2026-03-16 23:59:59")
    assert NATIONAL.due_date(friday, calendar_days=3) == at("2026-03-16 23:59:59")
    # the same limit in working days ends a week later, at the clock time of receipt
    assert NATIONAL.due_date(friday, days=6) == at("2026-03-23 09:15")


def test_calendar_days_ending_on_a_public_holiday_end_after_it():
    # 30 April and 1 May 2026 (Thursday, Friday), then the weekend: Monday 4 May.
    assert not NATIONAL.is_working_day(dt.date(2026, 4, 30))
    assert NATIONAL.due_date(at("2026-04-20 09:00"), calendar_days=10) == at("2026-05-04 23:59:59")
    # holidays inside the limit count: 12 days from 20 April end on Saturday 2 May → 4 May,
    # 15 days on Tuesday 5 May itself
    assert NATIONAL.due_date(at("2026-04-20 09:00"), calendar_days=15) == at("2026-05-05 23:59:59")


def test_calendar_days_start_after_the_cut_off_like_working_days():
    # Received Friday after 15:00: the day of receipt is Monday 16 March.
    late = NATIONAL.due_date(at("2026-03-13 16:00"), calendar_days=3, cutoff=dt.time(15, 0))
    assert late == at("2026-03-19 23:59:59")


def test_after_the_cut_off_counting_starts_the_next_working_day():
    due = NATIONAL.due_date(at("2026-02-13 16:20"), days=5, cutoff=dt.time(15, 0))
    assert due == at("2026-03-02 07:30")
    before = NATIONAL.due_date(at("2026-02-13 14:59"), days=5, cutoff=dt.time(15, 0))
    assert before == at("2026-02-27 14:59")


def test_received_at_the_weekend_or_at_lunch_starts_at_the_next_opening():
    assert NATIONAL.count_start(at("2026-03-07 10:00")) == at("2026-03-09 07:30")  # Saturday
    assert NATIONAL.count_start(at("2026-03-09 12:15")) == at("2026-03-09 13:30")  # lunch
    assert NATIONAL.count_start(at("2026-03-09 06:00")) == at("2026-03-09 07:30")
    assert NATIONAL.count_start(at("2026-03-09 17:30")) == at("2026-03-10 07:30")


def test_same_day_limits_count_office_hours():
    # 10:30-11:30, then lunch, then 13:30-16:30
    assert NATIONAL.due_date(at("2026-03-09 10:30"), hours=4) == at("2026-03-09 16:30")
    assert NATIONAL.due_date(at("2026-02-13 16:00"), hours=4) == at("2026-02-23 10:30")


def test_the_government_swap_of_august_2026_is_known():
    assert NATIONAL.is_working_day(dt.date(2026, 8, 22))  # Saturday made a working day
    assert not NATIONAL.is_working_day(dt.date(2026, 8, 31))  # the Monday off in exchange


def test_working_time_between_counts_only_office_hours():
    seconds = NATIONAL.working_seconds_between(at("2026-02-13 09:00"), at("2026-02-24 10:00"))
    assert seconds == 16 * 3600


def test_province_overrides_apply_to_deadlines(world):
    from django_tenants.utils import schema_context

    with schema_context("public"):
        CalendarOverride.objects.create(
            date=dt.date(2026, 3, 7), kind=OverrideKind.WORKING_DAY, note="Làm bù"
        )
        CalendarOverride.objects.create(
            date=dt.date(2026, 3, 9), kind=OverrideKind.DAY_OFF, note="Nghỉ bù"
        )
        cal.invalidate()
        province = get_calendar()
    assert province.is_working_day(dt.date(2026, 3, 7))
    assert not province.is_working_day(dt.date(2026, 3, 9))
    # Friday 6 March + 1 day -> Saturday 7 (working); + 2 -> Tuesday 10 (Monday is off).
    assert province.due_date(at("2026-03-06 09:00"), days=1) == at("2026-03-07 09:00")
    assert province.due_date(at("2026-03-06 09:00"), days=2) == at("2026-03-10 09:00")
    cal.invalidate()


def test_only_the_provincial_administrator_edits_the_calendar(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        calendar_override_set(
            actor=world.analyst, date=dt.date(2026, 3, 7), kind=OverrideKind.WORKING_DAY
        )
    with pytest.raises(ValidationError, match="vốn đã là ngày làm việc"):
        calendar_override_set(
            actor=world.province_admin, date=dt.date(2026, 3, 6), kind=OverrideKind.WORKING_DAY
        )
    calendar_override_set(
        actor=world.province_admin,
        date=dt.date(2026, 3, 6),
        kind=OverrideKind.DAY_OFF,
        note="Sự kiện của tỉnh",
    )
    assert calendar_override_remove(actor=world.province_admin, date=dt.date(2026, 3, 6))
    cal.invalidate()


def _command(*args) -> str:
    out = io.StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue().strip()


def test_the_command_answers_a_calendar_day_limit(world):
    answer = _command("due", "--received", "2026-04-20 09:00", "--calendar-days", "10")
    assert answer == "2026-05-04T23:59:59+07:00"


def test_the_command_answers_over_tet(world):
    assert (
        _command("due", "--received", "2026-02-13 16:20", "--days", "5", "--cutoff", "15:00")
        == "2026-03-02T07:30:00+07:00"
    )
    assert _command("due", "--received", "2026-08-21 10:00", "--days", "1") == (
        "2026-08-22T10:00:00+07:00"
    )
    assert _command("between", "--from", "2026-02-13 09:00", "--to", "2026-02-24 10:00").startswith(
        "2.133 working days"
    )


def test_the_command_refuses_bad_input(world):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _command("due", "--received", "13/02/2026", "--days", "5")
    with pytest.raises(CommandError, match="HH:MM"):
        _command("due", "--received", "2026-02-13 09:00", "--days", "5", "--cutoff", "3pm")


moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(TZ)
)
limits = st.integers(min_value=0, max_value=40)


@settings(max_examples=300, deadline=None)
@given(received=moments, days=limits)
def test_a_due_date_is_a_working_day_within_office_hours(received, days):
    due = NATIONAL.due_date(received, days=days)
    assert NATIONAL.is_working_day(due.date())
    assert any(start <= due.time() <= end for start, end in NATIONAL.office)


@settings(max_examples=300, deadline=None)
@given(received=moments, days=limits)
def test_adding_days_is_monotonic(received, days):
    assert NATIONAL.due_date(received, days=days) <= NATIONAL.due_date(received, days=days + 1)
    later = received + dt.timedelta(hours=7)
    assert NATIONAL.due_date(received, days=days) <= NATIONAL.due_date(later, days=days)


@settings(max_examples=300, deadline=None)
@given(received=moments, days=st.integers(min_value=1, max_value=40))
def test_a_holiday_never_counts(received, days):
    due = NATIONAL.due_date(received, days=days)
    start = NATIONAL.count_start(received).date()
    counted = [start + dt.timedelta(days=n) for n in range(1, (due.date() - start).days + 1)]
    working = [d for d in counted if NATIONAL.is_working_day(d)]
    assert len(working) == days
    assert not any(
        NATIONAL.is_holiday(d) and NATIONAL.is_working_day(d) and d.weekday() < 5 for d in working
    )


@settings(max_examples=200, deadline=None)
@given(received=moments, hours=st.floats(min_value=0.25, max_value=60))
def test_hour_limits_consume_exactly_that_much_office_time(received, hours):
    start = NATIONAL.count_start(received)
    due = NATIONAL.due_date(received, hours=hours)
    assert abs(NATIONAL.working_seconds_between(start, due) - round(hours * 3600)) <= 1


def test_the_console_page_edits_the_calendar_and_the_command_follows(world, client_for):
    admin = client_for("localhost", world.province_admin)
    page = admin.get("/calendar/", {"year": 2026})
    assert page.status_code == 200 and "Lunar New Year" in page.content.decode()
    admin.post(
        "/calendar/",
        {
            "action": "override",
            "date": "2026-03-07",
            "kind": "working_day",
            "note": "QĐ 12/QĐ-UBND làm bù",
        },
    )
    admin.post(
        "/calendar/",
        {"action": "override", "date": "2026-03-09", "kind": "day_off", "note": "Nghỉ bù"},
    )
    cal.invalidate()
    assert _command("due", "--received", "2026-03-06 09:00", "--days", "2") == (
        "2026-03-10T09:00:00+07:00"
    )
    answer = admin.get("/calendar/", {"year": 2026, "received": "2026-03-06T09:00", "days": 1})
    assert answer.context["answer"] == at("2026-03-07 09:00")
    refused = admin.post(
        "/calendar/", {"action": "override", "date": "2026-03-10", "kind": "working_day"}
    )
    assert refused.status_code == 400 and "vốn đã là ngày làm việc" in refused.content.decode()
    remove = "/calendar/overrides/2026-03-09/remove/"
    assert "Xác nhận bỏ điều chỉnh" in admin.get(remove).content.decode()
    assert admin.post(remove).status_code == 302
    cal.invalidate()
    assert _command("due", "--received", "2026-03-06 09:00", "--days", "2") == (
        "2026-03-09T09:00:00+07:00"
    )
    cal.invalidate()


def test_the_analyst_reads_but_cannot_edit_the_calendar(world, client_for):
    analyst = client_for("localhost", world.analyst)
    assert analyst.get("/calendar/").status_code == 200
    assert analyst.get("/calendar/overrides/2026-03-09/remove/").status_code == 403
    assert analyst.post("/calendar/overrides/2026-03-09/remove/").status_code == 403
    assert (
        analyst.post(
            "/calendar/", {"action": "override", "date": "2026-03-07", "kind": "working_day"}
        ).status_code
        == 403
    )
    assert not CalendarOverride.objects.exists()


def test_office_hours_are_validated(world, client_for):
    admin = client_for("localhost", world.province_admin)
    bad = admin.post(
        "/calendar/", {"action": "settings", "office_hours": "17:00-07:00", "cutoff": "15:00"}
    )
    assert bad.status_code == 400 and "kết thúc trước khi bắt đầu" in bad.content.decode()
