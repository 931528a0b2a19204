"""The demo's evaluation seed: waves, declared baselines, and weekly figures that are the
statistics of the seeded data (never typed in)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django_tenants.utils import schema_context

from eiso.console import demo, demo_evaluation
from evaluation.indicators import PERCENT, ratio
from evaluation.models import BaselineFigure, Stage, Wave, WeeklySnapshot
from evaluation.selectors import lagging, window
from evaluation.services.report import _fmt, evaluation_build
from insights.models import AgencyFact
from insights.services.refresh import agency_refresh
from iso_platform.workdays.calendar import TZ
from quality.procedures.models import Application
from tests.evaluation.test_snapshots import hand_count

APPLICATION_FIGURES = ("received", "received_integrated", "completed", "in_time", "late")


def test_the_demo_seeds_a_pilot_and_wave_one_from_the_data(world, monkeypatch):
    monkeypatch.setattr(demo_evaluation, "PILOT", ("alpha",))
    monkeypatch.setattr(demo_evaluation, "WAVE_1", ("beta",))
    monkeypatch.setattr(demo_evaluation, "DECLARED", {"alpha": (10, 12, 80, 30, 40)})
    agency_refresh(agency=world.agency_a)
    assert demo_evaluation.ensure_evaluation().startswith("evaluation: 2 waves")
    pilot, first = Wave.objects.order_by("order")
    assert (pilot.stage, first.stage) == (Stage.RUNNING, Stage.PLANNED)
    assert first.gate.count() == 2
    assert BaselineFigure.objects.filter(agency=world.agency_a, source="declared").count() == 5
    weekly = WeeklySnapshot.objects.filter(agency=world.agency_a).aggregate(
        active=Sum("active_users"), documents=Sum("documents_issued")
    )
    facts = AgencyFact.objects.filter(agency=world.agency_a, grain="week").aggregate(
        active=Sum("active_users"), documents=Sum("documents_issued")
    )
    assert weekly == facts
    assert WeeklySnapshot.objects.filter(agency=world.agency_a).exists()
    assert demo_evaluation.ensure_evaluation() == ""  # idempotent
    assert Wave.objects.count() == 2


@pytest.fixture
def seeded(world, settings, monkeypatch, tmp_path):
    """The whole demo province, as `make run` seeds it."""
    settings.DEBUG = True
    monkeypatch.setattr(demo, "demo_pki_directory", lambda: tmp_path / "demo-pki")
    call_command("seed_demo", stdout=io.StringIO())


def _in_time(agency, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(in time, completed) of the applications completed in [start, end), counted one by
    one in the agency's own schema."""
    begin = dt.datetime.combine(start, dt.time(), tzinfo=TZ)
    stop = dt.datetime.combine(end, dt.time(), tzinfo=TZ)
    with schema_context(agency.schema_name):
        done = list(
            Application.objects.filter(completed_at__gte=begin, completed_at__lt=stop).values_list(
                "timeliness", flat=True
            )
        )
    return sum(t in ("early", "on_time") for t in done), len(done)


def test_every_pilot_agency_has_traffic_and_the_report_counts_it(seeded, client_for, world):
    pilot = Wave.objects.get(order=1)
    agencies = {m.agency.code: m.agency for m in pilot.members.select_related("agency")}
    assert set(agencies) == set(demo_evaluation.PILOT)
    for code, agency in agencies.items():
        rows = {s.week: s for s in WeeklySnapshot.objects.filter(agency=agency)}
        with schema_context(agency.schema_name):
            received = Application.objects.count()
            for monday, row in rows.items():
                expected = hand_count(monday, agency)
                got = {key: getattr(row, key) for key in APPLICATION_FIGURES}
                assert got == {key: expected[key] for key in APPLICATION_FIGURES}, (code, monday)
        # every pilot agency has its own simulated traffic, not only the first one
        assert received >= 100, code
        assert sum(r.received for r in rows.values()) == received, code
    # the agencies differ, and the Department of Justice lags on applications in time
    start, end = window()
    rates = {}
    for code, agency in agencies.items():
        in_time, completed = _in_time(agency, start, end)
        assert completed > 0, code
        rates[code] = ratio(in_time, completed)
    assert len(set(rates.values())) == 3
    assert min(rates, key=rates.get) == "sotp", rates
    by_agency = {r["agency"].code: r["on_time_rate"] for r in lagging(pilot)}
    assert by_agency == rates
    # the report's figure (the last four complete weeks, as its column says) is the hand
    # count over the three agencies, and the page says it
    counts = [_in_time(a, start, end) for a in agencies.values()]
    expected = ratio(sum(c[0] for c in counts), sum(c[1] for c in counts))
    assert evaluation_build(wave=pilot).after["on_time_rate"] == expected
    page = client_for("localhost", world.analyst).get(f"/evaluation/waves/{pilot.pk}/report/")
    assert f"Tỷ lệ hồ sơ đúng hạn trên hệ thống: {_fmt(expected, PERCENT)}." in (
        page.content.decode()
    )
