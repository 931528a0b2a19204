"""The one-stop-shop simulator drives the real API; its duplicates change nothing."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from eiso.testing.procedures import make_procedure
from integrations.models import InboxEvent
from integrations.simulator import ProcedureShape, Simulator
from iso_platform.workdays.calendar import TZ, get_calendar
from quality.procedures.models import Application, HandOff


def _simulate(**options):
    out = io.StringIO()
    call_command("simulate_one_stop_shop", stdout=out, **options)
    return out.getvalue()


def test_simulated_streams_become_applications_with_due_dates_and_sheets(world, eager):
    with schema_context("ag_alpha"):
        make_procedure(world.owner_a)
    before = connection.schema_name
    output = _simulate(agency="alpha", applications=40, days=60, seed=3)
    assert "40 applications" in output and "rejected" in output
    # Its in-process requests leave the caller on its own schema, not on the agency's.
    assert connection.schema_name == before
    with schema_context("ag_alpha"):
        apps = Application.objects.all()
        assert apps.count() == 40
        assert all(a.due_at > a.received_at for a in apps)
        assert HandOff.objects.filter(application__in=apps).count() >= 40 * 2
        assert not InboxEvent.objects.filter(status__in=["rejected", "failed"]).exists()
        accepted = InboxEvent.objects.count()
        snapshot = {a.code: (a.status, a.due_at, a.timeliness) for a in apps}
    again = _simulate(agency="alpha", applications=40, days=60, seed=3)
    assert " 0 accepted" in again  # the same stream again: all duplicates
    with schema_context("ag_alpha"):
        assert InboxEvent.objects.count() == accepted
        assert {
            a.code: (a.status, a.due_at, a.timeliness) for a in Application.objects.all()
        } == snapshot


def test_the_simulator_needs_a_catalogue(world):
    with pytest.raises(CommandError, match="catalogue"):
        _simulate(agency="beta", applications=5)
    with pytest.raises(CommandError, match="no agency"):
        _simulate(agency="khongco", applications=5)


def _late_share(slow_share: float) -> float:
    """The share of completed applications of a simulated stream that end after their due
    time (the due time as the simulator computes it, before any supplement)."""
    calendar = get_calendar()
    shape = ProcedureShape("P-1", 5, None, [("a", "", 8.0), ("b", "", 28.0)])
    now = dt.datetime(2026, 11, 30, 17, 0, tzinfo=TZ)
    events = Simulator(
        procedures=[shape], calendar=calendar, seed=5, now=now, slow_share=slow_share
    ).streams(300, 120)
    received, completed = {}, {}
    for event in events:
        code, at = event["data"]["application_id"], dt.datetime.fromisoformat(event["occurred_at"])
        if event["type"] == "application.received":
            received[code] = at
        elif event["type"] == "application.completed":
            completed[code] = at
    late = sum(
        at > calendar.due_date(received[code], days=5, hours=0) for code, at in completed.items()
    )
    return late / len(completed)


def test_a_larger_slow_share_makes_more_applications_late(world):
    usual, lagging = _late_share(0.15), _late_share(0.35)
    assert 0.05 < usual < 0.35, usual
    assert lagging > usual + 0.1, (usual, lagging)


def test_the_slow_share_is_a_share(world):
    with pytest.raises(CommandError, match="slow-share"):
        _simulate(agency="alpha", applications=5, slow_share=0.9)
    with pytest.raises(ValueError):
        Simulator(procedures=[], calendar=get_calendar(), slow_share=-0.1)
