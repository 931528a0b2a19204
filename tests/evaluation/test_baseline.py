"""The agency's baseline and assessment forms: range checks in Vietnamese, all or nothing,
and each agency writes only its own rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from evaluation.models import Assessment, BaselineFigure, Source, WeeklySnapshot
from evaluation.services.baselines import baselines_measure

GOOD = {
    "documents_in_force": "120",
    "issue_days": "14",
    "on_time_rate": "82.5",
    "annual_report_hours": "40",
    "paper_forms": "65",
}


@pytest.fixture
def secretary(world, client_for):
    return client_for(world.agency_a, world.owner_a)


def test_the_secretary_declares_the_paper_era_figures(world, secretary):
    response = secretary.post("/evaluation/", GOOD)
    assert response.status_code == 302
    rows = {r.key: r for r in BaselineFigure.objects.filter(agency=world.agency_a)}
    assert rows["on_time_rate"].value == Decimal("82.5")
    assert {r.source for r in rows.values()} == {Source.DECLARED}
    assert rows["paper_forms"].as_of == dt.date.today() or rows["paper_forms"].as_of


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("on_time_rate", "120", "phải từ 0 đến 100"),
        ("issue_days", "-1", "phải từ 0 đến 365"),
        ("annual_report_hours", "", "Hãy nhập"),
    ],
)
def test_out_of_range_figures_store_nothing(world, secretary, field, value, message):
    response = secretary.post("/evaluation/", {**GOOD, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BaselineFigure.objects.filter(agency=world.agency_a).exists()


def test_an_agency_writes_only_its_own_baseline(world, client_for):
    other = client_for(world.agency_b, world.user_b)
    assert other.post("/evaluation/", {**GOOD, "agency": world.agency_a.pk}).status_code == 302
    assert set(BaselineFigure.objects.values_list("agency", flat=True)) == {world.agency_b.pk}
    # and a staff member without the settings capability is refused
    member = client_for(world.agency_a, world.member_a)
    assert member.post("/evaluation/", GOOD).status_code == 403
    assert not BaselineFigure.objects.filter(agency=world.agency_a).exists()


def test_the_assessment_needs_both_texts(world, secretary):
    response = secretary.post("/evaluation/", {"advantages": "Nhanh hơn", "limitations": ""})
    assert response.status_code == 400
    assert "Hãy ghi ưu điểm và hạn chế" in response.content.decode()
    assert not Assessment.objects.exists()
    response = secretary.post(
        "/evaluation/", {"advantages": "Tra cứu nhanh", "limitations": "Mạng chậm"}
    )
    assert response.status_code == 302
    assert Assessment.objects.get().agency == world.agency_a


def test_measured_baselines_come_from_the_first_four_weeks(world):
    first = dt.date(2025, 1, 6)
    WeeklySnapshot.objects.bulk_create(
        WeeklySnapshot(
            agency=world.agency_a,
            week=first + dt.timedelta(weeks=i),
            completed=10,
            in_time=[5, 6, 7, 8, 10][i],
            issue_days_median=[3.0, 5.0, 9.0, 11.0, 1.0][i],
        )
        for i in range(5)
    )
    assert baselines_measure(agencies=[world.agency_a]) == 2
    rows = {r.key: r for r in BaselineFigure.objects.filter(source=Source.MEASURED)}
    assert rows["on_time_rate"].value == Decimal("65.0")  # 26 / 40, the fifth week left out
    assert rows["issue_days"].value == Decimal("7.0")  # median of 3, 5, 9, 11
    assert rows["on_time_rate"].as_of == dt.date(2025, 2, 2)
