"""The demo's evaluation seed: waves, declared baselines, and weekly figures that are the
statistics of the seeded data (never typed in)."""

from __future__ import annotations

from django.db.models import Sum

from eiso.console import demo_evaluation
from evaluation.models import BaselineFigure, Stage, Wave, WeeklySnapshot
from insights.models import AgencyFact
from insights.services.refresh import agency_refresh


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
