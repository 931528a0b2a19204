"""Quality objectives (6.2) and their measurement (9.1): periods, evidence, formulas, misses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from eiso.testing.asserts import refusal_checker
from eiso.testing.procedures import event, make_procedure
from integrations.services.apply import inbox_apply_pending
from integrations.services.ingest import events_ingest
from iso_platform.accounts.models import Role, User
from quality.core.models import AuditEvent
from quality.objectives import services as obj
from quality.objectives.models import Measurement, Objective
from quality.procedures.models import DailyStat
from quality.reviews.models import ReviewItem

TRACKED = (Objective, Measurement, ReviewItem, AuditEvent)


refused = refusal_checker(*TRACKED)


LAST_YEAR = timezone.localdate().year - 1  # every period of it has ended


def objective(w, year=LAST_YEAR, **extra):
    extra.setdefault("target", Decimal(90))
    extra.setdefault("owner", w.member_a)
    extra.setdefault("title", "Giải quyết hồ sơ đúng hạn")
    return obj.objective_create(
        actor=w.owner_a, year=year, indicator="Tỷ lệ hồ sơ đúng hạn", **extra
    )


def record(w, objective, month=1, value=95, evidence="Sổ theo dõi hồ sơ tháng", actor=None):
    start = dt.date(objective.year, month, 1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return obj.measurement_record(
        actor=actor or w.owner_a,
        objective=objective,
        period_start=start,
        period_end=end,
        value=Decimal(value),
        evidence=evidence,
    )


# --------------------------------------------------------------------------- objectives, periods


def test_an_objective_is_created_with_a_trail(in_a):
    w = in_a
    goal = objective(w)
    assert (goal.frequency, goal.method, goal.direction) == ("month", "manual", "at_least")
    event = AuditEvent.objects.get(subject_type="objective", subject_id=str(goal.pk))
    assert event.action == "create" and event.changes["target"] == "90"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": " "}, "Cần mục tiêu và chỉ số đo"),
        ({"indicator": ""}, "Cần mục tiêu và chỉ số đo"),
        ({"year": 1999}, "Năm phải trong khoảng 2000–2100"),
        ({"year": 2101}, "Năm phải trong khoảng 2000–2100"),
        ({"method": "on_time_rate", "target": Decimal(101)}, "Chỉ tiêu tỷ lệ phải từ 0 đến 100"),
        ({"method": "on_time_rate", "target": Decimal(-1)}, "Chỉ tiêu tỷ lệ phải từ 0 đến 100"),
    ],
)
def test_an_incomplete_objective_is_refused(in_a, fields, message):
    w = in_a
    values = {
        "year": LAST_YEAR,
        "title": "Mục tiêu",
        "indicator": "Chỉ số",
        "target": Decimal(90),
        "owner": w.member_a,
    }
    with refused(message):
        obj.objective_create(actor=w.owner_a, **{**values, **fields})


def test_only_managers_set_objectives(in_a):
    w = in_a
    head = User.objects.create_user("head@alpha.test", "x" * 12, role=Role.UNIT_HEAD)
    for outsider in (w.member_a, w.reader_a, head):
        with refused("objectives.manage", exc=PermissionDenied):
            obj.objective_create(
                actor=outsider,
                year=LAST_YEAR,
                title="M",
                indicator="I",
                target=Decimal(1),
                owner=w.member_a,
            )


def test_periods_follow_the_frequency(in_a):
    w = in_a
    monthly = objective(w, year=2024)
    quarterly = objective(w, year=2024, frequency="quarter")
    yearly = objective(w, year=2024, frequency="year")
    months = obj.periods(monthly, until=dt.date(2025, 1, 1))
    assert len(months) == 12 and months[1] == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert months[-1] == (dt.date(2024, 12, 1), dt.date(2024, 12, 31))
    assert obj.periods(quarterly, until=dt.date(2025, 1, 1)) == [
        (dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        (dt.date(2024, 4, 1), dt.date(2024, 6, 30)),
        (dt.date(2024, 7, 1), dt.date(2024, 9, 30)),
        (dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
    ]
    assert obj.periods(yearly, until=dt.date(2025, 1, 1)) == [
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    ]
    # only the periods that have ended by `until`
    assert len(obj.periods(monthly, until=dt.date(2024, 4, 1))) == 3
    assert len(obj.periods(monthly, until=dt.date(2024, 3, 31))) == 2
    assert obj.periods(yearly, until=dt.date(2024, 12, 31)) == []


# --------------------------------------------------------------------------- manual measurement


def test_a_manual_measurement_with_evidence_is_stored_and_judged(in_a):
    w = in_a
    goal = objective(w)
    measurement = record(w, goal, month=2, value=95)
    assert measurement.met is True and measurement.computed is False
    assert measurement.evidence == "Sổ theo dõi hồ sơ tháng"
    assert measurement.recorded_by == w.owner_a
    assert not ReviewItem.objects.exists()
    event = AuditEvent.objects.get(subject_id=str(goal.pk), action="measure")
    assert event.changes == {
        "period": f"01/02/{LAST_YEAR}-{28 if LAST_YEAR % 4 else 29}/02/{LAST_YEAR}",
        "value": "95",
        "met": True,
    }


def test_a_manual_measurement_needs_evidence(in_a):
    w = in_a
    goal = objective(w)
    with refused("Số liệu nhập tay cần kèm bằng chứng", goal):
        record(w, goal, evidence="   ")


@pytest.mark.parametrize(
    ("frequency", "start", "end"),
    [
        ("month", (1, 1), (1, 15)),  # half a month
        ("month", (1, 1), (3, 31)),  # a quarter, for a monthly objective
        ("quarter", (2, 1), (4, 30)),  # three months, but not a quarter
        ("year", (1, 1), (6, 30)),
    ],
)
def test_a_period_that_does_not_match_the_frequency_is_refused(in_a, frequency, start, end):
    w = in_a
    goal = objective(w, frequency=frequency)
    with refused("Kỳ đo không khớp tần suất của mục tiêu", goal):
        obj.measurement_record(
            actor=w.owner_a,
            objective=goal,
            period_start=dt.date(LAST_YEAR, *start),
            period_end=dt.date(LAST_YEAR, *end),
            value=Decimal(1),
            evidence="Sổ",
        )


def test_a_period_of_another_year_is_refused(in_a):
    w = in_a
    goal = objective(w)
    with refused("nằm ngoài năm", goal):
        obj.measurement_record(
            actor=w.owner_a,
            objective=goal,
            period_start=dt.date(LAST_YEAR - 1, 1, 1),
            period_end=dt.date(LAST_YEAR - 1, 1, 31),
            value=Decimal(1),
            evidence="Sổ",
        )


def test_a_period_not_yet_ended_is_refused(in_a):
    w = in_a
    today = timezone.localdate()
    goal = objective(w, year=today.year)
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    with refused("Kỳ đo chưa kết thúc", goal):
        obj.measurement_record(
            actor=w.owner_a,
            objective=goal,
            period_start=start,
            period_end=end,
            value=Decimal(99),
            evidence="Sổ",
        )


def test_a_missed_objective_goes_to_the_next_management_review(in_a):
    w = in_a
    goal = objective(w)
    measurement = record(w, goal, month=3, value=Decimal("80.00"))
    assert measurement.met is False
    item = ReviewItem.objects.get()
    assert (item.source, item.source_id) == ("objective_missed", f"{goal.pk}:{LAST_YEAR}-03-01")
    assert item.title == (
        f"Mục tiêu “Giải quyết hồ sơ đúng hạn” không đạt kỳ 03/{LAST_YEAR}: 80% (chỉ tiêu 90%)"
    )
    # recorded again (a correction of the figure): still one measurement, one review item
    record(w, goal, month=3, value=Decimal("85.5"))
    assert Measurement.objects.get(objective=goal).value == Decimal("85.5")
    assert ReviewItem.objects.count() == 1
    assert AuditEvent.objects.filter(subject_id=str(goal.pk), action="measure").count() == 2


def test_at_most_objectives_are_met_when_not_above_the_target(in_a):
    w = in_a
    goal = objective(w, target=Decimal(3), direction="at_most", unit_label=" hồ sơ")
    assert record(w, goal, month=1, value=3).met is True
    assert record(w, goal, month=2, value=4).met is False
    assert ReviewItem.objects.get().title.endswith("4 hồ sơ (chỉ tiêu 3 hồ sơ)")


def test_the_owner_may_record_but_nobody_else_without_the_right(in_a):
    w = in_a
    goal = objective(w)  # owned by member_a (staff)
    assert record(w, goal, actor=w.member_a).recorded_by == w.member_a
    other = User.objects.create_user("staff2@alpha.test", "x" * 12, role=Role.STAFF)
    for outsider in (other, w.reader_a):
        with refused("objectives.manage", goal, exc=PermissionDenied):
            record(w, goal, month=2, actor=outsider)


# --------------------------------------------------------------------------- formula: on-time rate


def stat(procedure, day, early=0, on_time=0, late=0, received=0):
    DailyStat.objects.create(
        day=day, procedure=procedure, early=early, on_time=on_time, late=late, received=received
    )


@pytest.fixture
def procedures(in_a):
    first = make_procedure(in_a.owner_a)
    second = make_procedure(in_a.owner_a, code="1.000002")
    stat(first, dt.date(LAST_YEAR, 1, 10), early=3, on_time=5, late=2, received=9)
    stat(first, dt.date(LAST_YEAR, 1, 20), received=4)  # received only: not in the rate
    stat(first, dt.date(LAST_YEAR, 2, 28), on_time=10)
    stat(second, dt.date(LAST_YEAR, 1, 15), late=10)
    stat(first, dt.date(LAST_YEAR - 1, 12, 31), late=50)  # another year
    return first, second


def test_the_on_time_rate_reads_the_daily_statistics(procedures):
    first, _second = procedures
    january = (dt.date(LAST_YEAR, 1, 1), dt.date(LAST_YEAR, 1, 31))
    assert obj.on_time_rate(*january, first.pk) == Decimal("80.00")
    assert obj.on_time_rate(*january) == Decimal("40.00")  # 8 of 20, every procedure
    assert obj.on_time_rate(dt.date(LAST_YEAR, 3, 1), dt.date(LAST_YEAR, 3, 31)) is None


def test_a_formula_objective_is_computed_never_typed(in_a, procedures):
    w = in_a
    first, _second = procedures
    goal = objective(w, method="on_time_rate", procedure=first)
    with refused("Mục tiêu này tính tự động từ dữ liệu hồ sơ; không nhập tay", goal):
        record(w, goal)

    assert obj.measurements_compute(objective=goal) == 2  # January and February have data
    january, february = Measurement.objects.filter(objective=goal).order_by("period_start")
    assert (january.value, january.met, january.computed) == (Decimal("80.00"), False, True)
    assert (february.value, february.met) == (Decimal("100.00"), True)
    assert january.evidence == "Tính tự động từ dữ liệu hồ sơ TTHC"
    assert ReviewItem.objects.get().source_id == f"{goal.pk}:{LAST_YEAR}-01-01"
    assert "80% (chỉ tiêu 90%)" in ReviewItem.objects.get().title

    # computing again changes nothing stored
    assert obj.measurements_compute(objective=goal) == 2
    assert Measurement.objects.filter(objective=goal).count() == 2
    assert ReviewItem.objects.count() == 1


def test_a_formula_objective_over_every_procedure(in_a, procedures):
    w = in_a
    goal = objective(w, method="on_time_rate", frequency="quarter", target=Decimal(50))
    assert obj.measurements_compute(objective=goal) == 1
    quarter = Measurement.objects.get(objective=goal)
    assert quarter.period_end == dt.date(LAST_YEAR, 3, 31)
    assert (quarter.value, quarter.met) == (Decimal("60.00"), True)  # 18 of 30


def test_computing_needs_the_right_to_manage_and_a_formula(in_a, procedures):
    w = in_a
    formula = objective(w, method="on_time_rate")
    with refused("objectives.manage", formula, exc=PermissionDenied):
        obj.measurements_compute(objective=formula, actor=w.member_a)
    assert obj.measurements_compute(objective=objective(w), actor=w.owner_a) == 0  # manual


def test_the_on_time_objective_follows_real_applications(in_a):
    """From events to applications to daily statistics to the measurement (March 2026)."""
    w = in_a
    procedure = make_procedure(w.owner_a)
    received = dict(procedure_code="1.000001", channel="desk")
    events_ingest(
        items=[
            event("e1", "received", "2026-03-09 09:15", app="HS-001", **received),
            event("e2", "completed", "2026-03-16 10:00", app="HS-001"),  # 45 minutes late
            event("e3", "received", "2026-03-10 09:00", app="HS-002", **received),
            event("e4", "completed", "2026-03-12 09:00", app="HS-002"),  # early
        ],
        key=None,
    )
    inbox_apply_pending()
    goal = objective(w, year=2026, method="on_time_rate", procedure=procedure)
    assert obj.measurements_compute(objective=goal) == 1
    march = Measurement.objects.get(objective=goal)
    assert (march.period_start, march.value, march.met) == (
        dt.date(2026, 3, 1),
        Decimal("50.00"),
        False,
    )


def test_the_attainment_chart_colours_each_period(in_a):
    w = in_a
    goal = objective(w)
    record(w, goal, month=1, value=95)
    record(w, goal, month=2, value=70)
    chart = obj.attainment_chart(goal)
    assert chart["labels"] == [f"01/{LAST_YEAR}", f"02/{LAST_YEAR}"]
    assert chart["datasets"][0]["data"] == [95.0, 70.0]
    assert chart["datasets"][0]["backgroundColor"] == ["#198754", "#dc3545"]
    assert chart["datasets"][1]["data"] == [90.0, 90.0]


# --------------------------------------------------------------------------- the list's chart

LONG_TITLE = (
    "Nâng tỉ lệ hồ sơ thủ tục hành chính được giải quyết đúng và trước hạn "
    "tại Bộ phận tiếp nhận và trả kết quả lên trên 98%"
)


def test_the_list_chart_carries_whole_titles(in_a, client_for):
    goal = objective(in_a, title=LONG_TITLE)
    record(in_a, goal, month=1, value=95)
    page = client_for(in_a.agency_a, in_a.owner_a).get(f"/objectives/?year={LAST_YEAR}")
    assert page.status_code == 200
    chart = page.context["chart"]
    assert chart["labels"] == [LONG_TITLE]  # cut to fit by the chart script, not the server
    assert LONG_TITLE in page.content.decode().split('id="attainment"')[1]


# What the chart drew: its box against the card's, its plot area, and the tooltip's title.
CHART_JS = """
(() => {
  const canvas = document.querySelector('canvas[data-chart="attainment"]');
  const chart = Chart.getChart(canvas);
  const body = canvas.closest('.card-body').getBoundingClientRect();
  const box = canvas.getBoundingClientRect();
  chart.tooltip.setActiveElements([{datasetIndex: 0, index: 0}], {x: 0, y: 0});
  chart.update();
  const ticks = chart.scales.x.ticks.map(t => chart.scales.x.getLabelForValue(t.value));
  const drawn = chart.scales.x.ticks.map(t => [].concat(t.label));
  chart.ctx.font = Chart.helpers.toFont(chart.scales.x.options.ticks.font).string;
  const widest = Math.max(...drawn.flat().map(line => chart.ctx.measureText(line).width));
  return {
    canvasLeft: box.left, canvasRight: box.right, bodyLeft: body.left, bodyRight: body.right,
    plotWidth: chart.chartArea.width, plotHeight: chart.chartArea.height,
    rotation: chart.scales.x.labelRotation, ticks: ticks, drawn: drawn, widest: widest,
    tooltip: chart.tooltip.title, scrollWidth: document.documentElement.scrollWidth,
  };
})()
"""


CHART_YEAR = 2003  # no other test's objectives in the list: this test commits its own


@pytest.mark.slow
def test_the_list_chart_fits_a_phone_and_shows_whole_titles_in_its_tooltip(committed):
    from django_tenants.utils import schema_context

    from eiso.testing.browser import chromium, live_server
    from eiso.testing.world import PASSWORD

    w = committed
    with schema_context(w.agency_a.schema_name):  # rows only: the audit trail cannot be undone
        goals = [
            Objective.objects.create(
                year=CHART_YEAR, title=title, indicator="Tỷ lệ", target=90, owner=w.member_a
            )
            for title in (LONG_TITLE, "Không có khiếu nại")
        ]
        for goal, met in zip(goals, (True, False), strict=True):
            goal.measurements.create(
                period_start=dt.date(CHART_YEAR, 1, 1),
                period_end=dt.date(CHART_YEAR, 1, 31),
                value=95 if met else 80,
                met=met,
            )
    try:
        with live_server() as port, chromium() as browser:
            page = browser.new_page(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
            )
            base = f"http://{w.agency_a.host}:{port}"
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", w.owner_a.email)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.locator("main button[type=submit]").click()
            page.goto(f"{base}/objectives/?year={CHART_YEAR}")
            page.wait_for_function(
                "window.Chart && Chart.getChart(document.querySelector('canvas[data-chart]'))"
            )
            seen = page.evaluate(CHART_JS)
    finally:
        with schema_context(w.agency_a.schema_name):
            Objective.objects.filter(pk__in=[g.pk for g in goals]).delete()
    assert seen["scrollWidth"] <= 390, seen
    assert seen["bodyLeft"] <= seen["canvasLeft"] and seen["canvasRight"] <= seen["bodyRight"]
    assert seen["ticks"] == [LONG_TITLE, "Không có khiếu nại"]
    longest = max(len(line) for label in seen["drawn"] for line in label)
    assert longest <= 24 and seen["drawn"][0][-1].endswith("…"), seen
    # Upright labels, each within its bar's share of the plot, and the plot keeps the width.
    assert seen["rotation"] == 0 and seen["plotHeight"] > 80, seen
    assert seen["widest"] <= seen["plotWidth"] / 2 and seen["plotWidth"] > 250, seen
    assert seen["tooltip"] == [LONG_TITLE], seen
