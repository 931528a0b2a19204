"""The department's statistics dashboard: hand sums, filters, exports equal to the page,
drill-down to one agency, colours, freshness, and nobody else gets in."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook

from eiso.testing.browser import chromium, live_server
from eiso.testing.statistics import YEAR_2025, build
from insights.selectors import status_grid
from insights.selectors.agency import agency_summary
from insights.selectors.common import rate
from insights.selectors.status_grid import colour_of
from insights.selectors.totals import province_totals
from tenants.models import Agency, AgencyKind

D = dt.date


@pytest.fixture
def facts(world):
    return build(world)


@pytest.fixture
def analyst(world, client_for):
    return client_for("localhost", world.analyst)


def test_totals_equal_hand_sums(facts, analyst):
    response = analyst.get("/statistics/", {"year": 2025})
    assert response.status_code == 200
    totals = response.context["totals"]
    for key, value in YEAR_2025.items():
        assert totals[key] == value, key
    assert totals["in_time"] == 18
    assert totals["on_time_rate"] == Decimal("62.1")  # 18 / 29
    assert totals["satisfaction_score"] == Decimal("4.50")  # 18 / 4
    assert (totals["overdue_now"], totals["actions_overdue"], totals["audits_done"]) == (3, 2, 2)
    assert (totals["refresh_errors"], totals["pending"], totals["agencies"]) == (1, 1, 2)
    page = response.content.decode()
    assert "62,1%" in page or "62.1%" in page
    assert "Thống kê áp dụng ISO toàn tỉnh" in page
    assert "Không tính cơ quan đã lưu trữ" in page
    assert 'data-chart="trend-chart"' in page and 'id="trend-chart"' in page
    assert "<script>" not in page.replace('<script id="', "")  # no inline code (CSP)


def test_the_trend_adds_up_to_the_totals(facts, analyst):
    context = analyst.get("/statistics/", {"year": 2025}).context
    trend = context["trend"]
    assert [r["label"] for r in trend][:3] == ["01/2025", "02/2025", "03/2025"]
    assert len(trend) == 12 and trend[5]["received"] == 0
    assert sum(r["received"] for r in trend) == YEAR_2025["received"]
    assert trend[0]["late"] == 2 + 5 and trend[0]["on_time_rate"] == Decimal("61.1")  # 11/18
    chart = context["trend_chart"]
    assert chart["datasets"][2]["data"][:3] == [7, 0, 4]


def test_filters_change_the_figures(facts, analyst):
    commune = analyst.get("/statistics/", {"year": 2025, "kind": "commune_committee"}).context
    assert (commune["totals"]["received"], commune["totals"]["agencies"]) == (20, 1)
    assert [r["code"] for r in commune["ranking"]] == ["beta"]
    february = analyst.get("/statistics/", {"start": "2025-02", "end": "2025-02"}).context
    assert february["totals"]["received"] == 5
    assert february["totals"]["on_time_rate"] == Decimal("100.0")
    land = analyst.get("/statistics/", {"year": 2025, "field": "Đất đai"}).context
    assert land["totals"]["completed"] == 18 and land["totals"]["late"] == 7
    assert land["totals"]["on_time_rate"] == Decimal("61.1")  # 11 / 18
    assert land["totals"]["received"] is None
    assert [r["field"] for r in land["fields"]] == ["Đất đai"]
    empty = analyst.get("/statistics/", {"year": 2024}).context
    assert empty["totals"]["completed"] == 0 and empty["totals"]["on_time_rate"] is None


def test_period_split_uses_days_only_at_the_ends(facts):
    totals = province_totals(period_from=D(2025, 1, 10), period_to=D(2025, 3, 15))
    assert totals["received"] == 20 + 5 + 3
    march_end = province_totals(period_from=D(2025, 3, 15), period_to=D(2025, 3, 31))
    assert (march_end["received"], march_end["late"]) == (4, 3)
    march = province_totals(period_from=D(2025, 3, 1), period_to=D(2025, 3, 31))
    assert march["received"] == 7  # the month fact, not month + days
    assert province_totals(period_from=D(2025, 3, 2), period_to=D(2025, 3, 1))["received"] == 0


def test_ranking_worst_first_and_best_first(facts, analyst):
    late = analyst.get("/statistics/", {"year": 2025, "indicator": "late"}).context["ranking"]
    assert [(r["code"], r["value"], r["rank"]) for r in late] == [("alpha", 6, 1), ("beta", 5, 2)]
    rate = analyst.get("/statistics/", {"year": 2025}).context["ranking"]
    assert [(r["code"], r["value"]) for r in rate] == [
        ("beta", Decimal("50.0")),
        ("alpha", Decimal("68.4")),  # 13 / 19
    ]
    best = analyst.get("/statistics/", {"year": 2025, "order": "best"}).context["ranking"]
    assert [r["code"] for r in best] == ["alpha", "beta"]
    # a rate with nothing completed is unranked and last, never a division by zero
    nothing = analyst.get("/statistics/", {"year": 2024}).context["ranking"]
    assert [r["rank"] for r in nothing] == [None, None]


def test_breakdowns_by_kind_and_parent(facts, analyst):
    context = analyst.get("/statistics/", {"year": 2025}).context
    by_kind = {r["key"]: r for r in context["by_kind"]}
    assert by_kind["provincial_department"]["received"] == 22
    assert by_kind["commune_committee"]["received"] == 20
    assert by_kind["commune_committee"]["actions_overdue"] == 2
    by_parent = {r["key"]: r for r in context["by_parent"]}
    assert by_parent["alpha"]["label"] == "Sở Alpha" and by_parent["alpha"]["received"] == 20
    assert by_parent[None]["label"] == "Không có cơ quan cấp trên"
    assert by_parent[None]["overdue_now"] == 3
    assert context["kind_chart"]["datasets"][0]["data"]


def test_status_grid_colours_and_freshness(facts, analyst):
    Agency.objects.create(
        schema_name="ag_gamma", code="gamma", name="Sở Gamma", kind=AgencyKind.OTHER
    )
    Agency.objects.create(
        schema_name="ag_old", code="old", name="Sở Cũ", kind=AgencyKind.OTHER, status="archived"
    )
    response = analyst.get("/statistics/")
    grid = {r["code"]: r for r in response.context["grid"]}
    assert set(grid) == {"alpha", "beta", "gamma"}  # archived agencies are not counted
    assert grid["alpha"]["colour"] == "red"
    assert "có hồ sơ đang quá hạn" in grid["alpha"]["reasons"]
    assert grid["beta"]["colour"] == "amber"
    assert grid["gamma"]["colour"] == "grey" and grid["gamma"]["freshness"] == "never"
    assert grid["beta"]["freshness"] == "error" and grid["alpha"]["freshness"] == "fresh"
    page = response.content.decode()
    assert "Lỗi cập nhật" in page and "timeout while reading ag_beta" in page
    assert "Quy tắc tô màu" in page


def test_colour_rules_by_quarter():
    status = {
        "refreshed_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        "year": 2025,
        "overdue_now": 0,
        "ncs_overdue": 0,
        "audits_done": 0,
        "actions_overdue": 0,
        "documents_review_overdue": 0,
        "objectives_missed": 0,
        "review_held": False,
    }
    assert colour_of(status, today=D(2025, 5, 1))[0] == "green"
    assert colour_of(status, today=D(2025, 8, 1))[0] == "amber"  # Q3, no audit
    assert colour_of(status, today=D(2025, 10, 1))[0] == "red"  # Q4, no audit
    assert colour_of({**status, "ncs_overdue": 1}, today=D(2025, 2, 1))[0] == "red"
    assert colour_of(None, today=D(2025, 2, 1))[0] == "grey"
    # an agency that started on the platform in the autumn owes no audit or review that year
    late_starter = {"today": D(2025, 12, 6), "since": D(2025, 9, 1)}
    assert colour_of(status, **late_starter) == ("green", [])
    assert colour_of(status, today=D(2025, 12, 6), since=D(2025, 3, 1))[0] == "red"
    assert colour_of({**status, "overdue_now": 2}, **late_starter)[0] == "red"
    assert rate(1, 0) is None and rate(2, 3) == Decimal("66.7")


ALL_CLEAR = {
    "refreshed_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    "year": 2025,
    "overdue_now": 0,
    "ncs_overdue": 0,
    "audits_done": 1,
    "actions_overdue": 0,
    "documents_review_overdue": 0,
    "objectives_missed": 0,
    "review_held": True,
}


@pytest.mark.parametrize(
    "rule, change, today",
    [
        (1, {"overdue_now": 3}, D(2025, 2, 1)),
        (2, {"ncs_overdue": 1}, D(2025, 2, 1)),
        (3, {"audits_done": 0}, D(2025, 11, 1)),
        (4, {"actions_overdue": 1}, D(2025, 2, 1)),
        (5, {"documents_review_overdue": 1}, D(2025, 2, 1)),
        (6, {"objectives_missed": 1}, D(2025, 2, 1)),
        (7, {"audits_done": 0}, D(2025, 8, 1)),
        (8, {"review_held": False}, D(2025, 11, 1)),
    ],
)
def test_each_status_rule_alone_gives_its_colour_and_reason(rule, change, today):
    colour, reason = status_grid.STATUS_RULES[rule]
    assert status_grid.colour_of(ALL_CLEAR, today=today) == ("green", [])
    assert status_grid.colour_of({**ALL_CLEAR, **change}, today=today) == (colour, [str(reason)])


def test_red_reasons_come_first_then_the_amber_ones_in_the_legend_order():
    everything = {
        **ALL_CLEAR,
        **{"overdue_now": 1, "ncs_overdue": 1, "audits_done": 0, "actions_overdue": 1},
        **{"documents_review_overdue": 1, "objectives_missed": 1, "review_held": False},
    }
    colour, reasons = status_grid.colour_of(everything, today=D(2025, 11, 1))
    assert colour == "red"
    assert reasons == [str(status_grid.STATUS_RULES[i][1]) for i in (1, 2, 3, 4, 5, 6, 8)]


@pytest.mark.parametrize(
    "key", ["totals", "trend", "ranking", "by_kind", "by_parent", "fields", "grid"]
)
def test_xlsx_and_csv_equal_the_page(facts, analyst, key):
    query = {"year": 2025, "indicator": "late"}
    table = analyst.get("/statistics/", query).context["tables"][key]
    assert table.rows, key
    xlsx = analyst.get("/statistics/", {**query, "table": key, "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == table.header()
    assert len(rows) == len(table.rows) + 1
    for got, want in zip(rows[1:], table.rows, strict=True):
        for cell, value in zip(got, want, strict=True):
            if isinstance(value, Decimal):
                assert cell == float(value)
            elif isinstance(value, dt.datetime):
                assert cell.strftime("%Y%m%d%H%M") == value.astimezone(
                    dt.timezone(dt.timedelta(hours=7))
                ).strftime("%Y%m%d%H%M")
            elif value in (None, ""):
                assert cell in (None, "")
            else:
                assert cell == value, (key, cell, value)
    response = analyst.get("/statistics/", {**query, "table": key, "format": "csv"})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == table.header() and len(lines) == len(table.rows) + 1
    for got, want in zip(lines[1:], table.rows, strict=True):
        for cell, value in zip(got, want, strict=True):
            if value is None:
                assert cell == ""
            elif not isinstance(value, dt.datetime):
                assert cell == str(value)


def test_export_file_and_sheet_names_are_vietnamese(facts, analyst):
    query = {"year": 2025, "indicator": "late", "format": "xlsx"}
    grid = analyst.get("/statistics/", {**query, "table": "grid"})
    assert 'filename="thong-ke-tinh-trang-tung-co-quan.xlsx"' in grid["Content-Disposition"]
    assert load_workbook(io.BytesIO(grid.content)).active.title == "Tình trạng từng cơ quan"
    ranking = analyst.get("/statistics/", {**query, "table": "ranking"})
    assert "thong-ke-xep-hang-" in ranking["Content-Disposition"]
    assert "ranking" not in ranking["Content-Disposition"]


def test_export_of_an_unknown_table_or_format_is_404(facts, analyst):
    assert analyst.get("/statistics/", {"table": "nope", "format": "xlsx"}).status_code == 404
    assert analyst.get("/statistics/", {"table": "grid", "format": "pdf"}).status_code == 404


def test_drill_down_shows_only_that_agency(facts, analyst, world):
    from tenants.models import ReportSubmission

    ReportSubmission.objects.create(
        agency=world.agency_a, year=2025, submitted_by="x@alpha.test", announced_conformity=True
    )
    ReportSubmission.objects.create(agency=world.agency_b, year=2024, submitted_by="y@beta.test")
    response = analyst.get("/statistics/agencies/alpha/")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary["agency"]["code"] == "alpha"
    assert summary["current"]["overdue_now"] == 3
    assert summary["colour"] == "red"
    page = response.content.decode()
    assert "Sở Alpha" in page and "Sở Beta" not in page
    assert [r["year"] for r in response.context["summary"]["reports"]] == [2025]
    assert "Năm 2025: đã nộp ngày" in page and "Năm 2024" not in page
    assert "alpha.localhost" not in page  # no link into the agency's own portal
    assert "timeout while reading ag_beta" not in page
    tables = response.context["tables"]
    export = analyst.get("/statistics/agencies/alpha/", {"table": "current", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [list(r) for r in rows[1:]][:1] == [tables["current"].rows[0]]
    assert analyst.get("/statistics/agencies/khongco/").status_code == 404
    longer = analyst.get("/statistics/agencies/alpha/", {"months": 36}).context["summary"]
    assert longer["months"] == 36 and longer["totals"]["received"] == 22


def test_drill_down_trend_uses_the_last_months(facts):
    summary = agency_summary(agency=facts["a"], months=24, today=D(2025, 12, 5))
    assert summary["period_from"] == D(2024, 1, 1) and summary["period_to"] == D(2025, 12, 31)
    assert summary["totals"]["received"] == 22 and summary["totals"]["completed"] == 19
    assert summary["fields"][0]["field"] == "Đất đai" and summary["fields"][0]["completed"] == 8
    assert len(summary["trend"]) == 24


def test_empty_state_without_facts(world, analyst):
    response = analyst.get("/statistics/")
    assert response.status_code == 200
    assert response.context["has_facts"] is False
    assert "Chưa có số liệu thống kê" in response.content.decode()
    assert analyst.get("/statistics/agencies/alpha/").status_code == 200


def test_the_provincial_administrator_reads_too(facts, world, client_for):
    admin = client_for("localhost", world.province_admin)
    assert admin.get("/statistics/").status_code == 200
    assert admin.get("/statistics/agencies/beta/").status_code == 200


def test_a_bad_filter_falls_back_to_the_last_twelve_months(facts, analyst):
    response = analyst.get("/statistics/", {"start": "2025-13", "kind": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["filters"]["period_to"].day >= 28


URLS = ["/statistics/", "/statistics/agencies/alpha/", "/statistics/?table=grid&format=xlsx"]


@pytest.mark.parametrize("url", URLS)
def test_agency_users_cannot_reach_the_dashboard(facts, world, client_for, url):
    on_their_host = client_for(world.agency_a, world.owner_a)
    assert on_their_host.get(url).status_code == 404
    cookie = on_their_host.cookies[settings.SESSION_COOKIE_NAME].value
    console = Client(HTTP_HOST="localhost")
    console.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = console.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client(HTTP_HOST="localhost").get(url).status_code == 302


def test_long_tables_follow_the_rows_choice(facts, analyst):
    Agency.objects.bulk_create(
        Agency(schema_name=f"ag_x{i}", code=f"x{i}", name=f"Xã {i:02}", kind=AgencyKind.OTHER)
        for i in range(25)
    )
    context = analyst.get("/statistics/", {"year": 2025, "rows": "20"}).context
    ranking, grid = context["tables"]["ranking"], context["tables"]["grid"]
    assert (len(ranking.rows), ranking.total, ranking.truncated) == (20, 27, True)
    assert [r[0] for r in grid.rows[:2]] == ["Sở Alpha", "Sở Beta"]  # red, amber first
    assert len(context["tiles"]) == 27  # the colour map always shows every agency
    export = analyst.get(
        "/statistics/", {"year": 2025, "rows": "20", "table": "grid", "format": "xlsx"}
    )
    assert load_workbook(io.BytesIO(export.content)).active.max_row == 21
    everything = analyst.get("/statistics/", {"year": 2025, "rows": "all"}).context["tables"]
    assert len(everything["ranking"].rows) == 27 and not everything["ranking"].truncated


def test_english_when_chosen(facts, analyst):
    analyst.cookies["django_language"] = "en"
    page = analyst.get("/statistics/", {"year": 2025}).content.decode()
    assert "Province totals" in page and "Colour rules" in page
    assert "Tổng hợp toàn tỉnh" not in page


def test_a_status_row_never_refreshed_holds_no_figures(facts, analyst):
    from insights.models import AgencyStatus

    AgencyStatus.objects.filter(agency=facts["b"]).update(refreshed_at=None, last_error="")
    context = analyst.get("/statistics/", {"indicator": "overdue_now"}).context
    grid = {r["code"]: r for r in context["grid"]}
    assert grid["beta"]["colour"] == "grey" and grid["beta"]["overdue_now"] is None
    assert [(r["code"], r["rank"]) for r in context["ranking"]] == [("alpha", 1), ("beta", None)]
    summary = analyst.get("/statistics/agencies/beta/").context["summary"]
    assert summary["current"] is None and summary["freshness"] == "never"


@pytest.mark.slow
def test_the_dashboard_works_in_a_phone_sized_browser(committed):
    from insights.models import AgencyFact, AgencyStatus, FieldFact

    saved = [list(model.objects.all()) for model in (AgencyFact, FieldFact, AgencyStatus)]
    build(committed)
    session = Client(HTTP_HOST="localhost")
    session.force_login(committed.analyst, backend="django.contrib.auth.backends.ModelBackend")
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    try:
        with live_server() as port, chromium() as browser:
            context = browser.new_context(
                viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
            )
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": cookie,
                        "domain": "localhost",
                        "path": "/",
                    }
                ]
            )
            page = context.new_page()
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"http://localhost:{port}/statistics/?year=2025")
            page.wait_for_selector("#status-grid a")
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
            drawn = page.evaluate(
                "[...document.querySelectorAll('canvas[data-chart]')].every(c => c.width > 0)"
                " && typeof Chart !== 'undefined'"
            )
            assert drawn and not errors, errors
            page.locator("#status-grid a", has_text="Sở Beta").tap()
            page.wait_for_selector("#agency-colour")
            assert "/statistics/agencies/beta/" in page.url
            # on a 1366 px screen the grid's reasons read as sentences, not a word a line
            desktop = browser.new_context(viewport={"width": 1366, "height": 900})
            desktop.add_cookies(context.cookies())
            wide = desktop.new_page()
            wide.goto(f"http://localhost:{port}/statistics/?year=2025")
            wide.wait_for_selector("#status-grid a")
            widths = wide.evaluate(
                "[...document.querySelectorAll('td.cell-prose')]"
                ".map(c => c.getBoundingClientRect().width)"
            )
            assert widths and min(widths) >= 250, widths
    finally:
        for model, rows in zip((AgencyFact, FieldFact, AgencyStatus), saved, strict=True):
            model.objects.all().delete()  # committed: put back what the world had
            model.objects.bulk_create(rows)
        committed.agency_b.kind, committed.agency_b.parent = "provincial_department", None
        committed.agency_b.save(update_fields=["kind", "parent"])
