"""The service quality index (Decision 766/QĐ-TTg) on what eISO holds: monthly counts equal
a hand count in Asia/Ho_Chi_Minh months, points over the indicators with data only, what
eISO cannot compute is listed and never zero, each agency sees its own, bad queries are 400."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from eiso.testing.procedures import make_procedure
from insights.models import ServiceIndexMonth
from insights.selectors.service_index import NOT_HELD, service_index
from insights.service_index.forms import BAD_KIND, BAD_MONTH, BAD_MONTHS, MONTH_OUT_OF_RANGE
from insights.services import refresh
from iso_platform.workdays.calendar import TZ
from quality.feedback.models import SurveyResponse
from quality.procedures.models import Application

D = dt.date
JAN, FEB, MAR, APR = D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)
API = "/api/v1/statistics/service-index/"


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def add(procedure, code, received, channel, completed=None, timeliness="", status=None):
    received_at = local(received)
    return Application.objects.create(
        code=code,
        procedure=procedure,
        version=procedure.versions.get(),
        channel=channel,
        received_at=received_at,
        count_start_at=received_at,
        due_at=received_at + dt.timedelta(days=7),
        status=status or ("returned" if completed else "in_progress"),
        completed_at=local(completed) if completed else None,
        timeliness=timeliness,
    )


def answer(at: str, overall: int, code: str = ""):
    SurveyResponse.objects.create(
        created_at=local(at),
        application_code=code,
        overall=overall,
        timeliness=overall,
        staff=overall,
        address_hash="x",
    )


@pytest.fixture
def data(in_a):
    """Agency A: applications and answers around month ends; agency B: one late application."""
    p = make_procedure(in_a.owner_a)
    add(p, "HS-1", "2026-01-05 09:00", "portal", "2026-01-07 10:00", "early")
    add(p, "HS-2", "2026-01-05 14:00", "desk", "2026-01-13 10:00", "on_time")
    # received 23:30 local on 31 January (16:30 UTC): January; late result in February
    add(p, "HS-3", "2026-01-31 23:30", "portal", "2026-02-10 16:00", "late")
    # received 00:30 local on 1 February (still 31 January in UTC): February
    add(p, "HS-4", "2026-02-01 00:30", "desk")
    # result 23:45 local on 28 February (16:45 UTC): February
    add(p, "HS-5", "2026-02-02 08:00", "portal", "2026-02-28 23:45", "early")
    # result 00:15 local on 1 March (still 28 February in UTC): a late one in March
    add(p, "HS-6", "2026-01-10 08:00", "post", "2026-03-01 00:15", "late")
    # refused: a result with no timeliness is not judged on time or late
    add(p, "HS-7", "2026-01-12 08:00", "desk", "2026-01-20 08:00", "", status="refused")
    answer("2026-01-31 23:50", 5, "HS-1")  # January in local time, 16:50 UTC
    answer("2026-02-01 00:10", 2, "HS-2")  # February in local time, January in UTC
    answer("2026-02-03 09:00", 4)
    answer("2026-02-04 09:00", 1)
    refresh.agency_refresh(agency=in_a.agency_a)
    with schema_context(in_a.agency_b.schema_name):
        q = make_procedure(in_a.user_b, code="2.000002")
        add(q, "B-1", "2026-02-03 08:00", "desk", "2026-02-20 08:00", "late")
    refresh.agency_refresh(agency=in_a.agency_b)
    return in_a


def counts(agency) -> dict:
    fields = ("completed", "in_time", "late", "received", "online", "responses", "dissatisfied")
    return {
        row["month"]: tuple(row[f] for f in fields)
        for row in ServiceIndexMonth.objects.filter(agency=agency).values("month", *fields)
    }


def test_monthly_counts_equal_a_hand_count_in_local_months(data):
    #          completed in_time late received online responses dissatisfied
    assert counts(data.agency_a) == {
        JAN: (2, 2, 0, 5, 2, 1, 0),
        FEB: (2, 1, 1, 2, 1, 3, 2),
        MAR: (1, 0, 1, 0, 0, 0, 0),
    }
    assert counts(data.agency_b) == {FEB: (1, 0, 1, 1, 0, 0, 0)}


def test_a_refresh_removes_the_months_that_lost_their_data(data):
    with schema_context(data.agency_a.schema_name):
        Application.objects.filter(code="HS-6").delete()
    refresh.agency_refresh(agency=data.agency_a)
    assert set(counts(data.agency_a)) == {JAN, FEB}


def points(scored: dict) -> dict:
    return {i["key"]: i["points"] for i in scored["indicators"]}


def test_points_and_totals_count_only_the_indicators_with_data(data):
    a = data.agency_a.pk
    scored = service_index([a], [JAN, FEB, MAR, APR])
    jan, feb, mar, apr = (scored[(a, m)] for m in (JAN, FEB, MAR, APR))
    # January: 2/2 on time (20), 2/5 online (12 × 0.4), 1/1 satisfied (6)
    assert points(jan) == {
        "on_time": Decimal("20.00"),
        "online_applications": Decimal("4.80"),
        "satisfaction": Decimal("6.00"),
    }
    assert (jan["score"], jan["attainable"], jan["percent"]) == (
        Decimal("30.80"),
        38,
        Decimal("81.1"),
    )
    # February: 1/2 on time, 1/2 online, (3 - 2)/3 satisfied; the biggest loss first
    assert points(feb) == {
        "on_time": Decimal("10.00"),
        "online_applications": Decimal("6.00"),
        "satisfaction": Decimal("2.00"),
    }
    assert (feb["score"], feb["attainable"]) == (Decimal("18.00"), 38)
    assert feb["weakest"] == ["on_time", "online_applications", "satisfaction"]
    # March: only a late result; nothing received, no answer: those are not scored at all
    assert points(mar) == {
        "on_time": Decimal("0.00"),
        "online_applications": None,
        "satisfaction": None,
    }
    assert (mar["score"], mar["attainable"], mar["percent"]) == (
        Decimal("0.00"),
        20,
        Decimal("0.0"),
    )
    assert [i["has_data"] for i in mar["indicators"]] == [True, False, False]
    # April: no row at all, no data (not zero out of 38)
    assert (apr["attainable"], apr["percent"], apr["weakest"]) == (0, None, [])


def test_the_api_answers_every_agency_with_the_indicators_eiso_cannot_compute(data, client_for):
    analyst = client_for("localhost", data.analyst)
    response = analyst.get(API, {"month": "2026-03"})
    assert response.status_code == 200
    body = response.json()
    rows = {r["code"]: r for r in body["results"]}
    assert rows["alpha"]["score"] == 0.0 and rows["alpha"]["attainable"] == 20
    missing = {i["key"]: i for i in rows["alpha"]["indicators"]}
    assert missing["satisfaction"] == {**missing["satisfaction"], "points": None, "has_data": False}
    assert rows["beta"]["percent"] is None and rows["beta"]["rank"] is None
    assert [m["label"] for m in body["not_computed"]] == [str(m.label) for m in NOT_HELD]
    assert any("Thanh toán trực tuyến" in m["label"] for m in body["not_computed"])
    assert body["max_attainable"] == 38 and body["decision"] == "766/QĐ-TTg"
    trend = analyst.get(f"{API}alpha/", {"month": "2026-03", "months": "3"}).json()
    assert [(m["month"], m["score"], m["attainable"]) for m in trend["months"]] == [
        ("2026-01", 30.8, 38),
        ("2026-02", 18.0, 38),
        ("2026-03", 0.0, 20),
    ]


@pytest.mark.parametrize(
    ("query", "name", "message"),
    [
        ({"month": "2026-13"}, "month", BAD_MONTH),
        ({"month": "tháng 2"}, "month", BAD_MONTH),
        ({"month": "2019-05"}, "month", MONTH_OUT_OF_RANGE),
        ({"month": "2099-01"}, "month", MONTH_OUT_OF_RANGE),
        ({"kind": "khong-co"}, "kind", BAD_KIND),
    ],
)
def test_bad_query_parameters_answer_400_in_vietnamese(world, client_for, query, name, message):
    analyst = client_for("localhost", world.analyst)
    response = analyst.get(API, query)
    assert response.status_code == 400
    assert response.json()[name] == [str(message)]
    page = analyst.get("/statistics/service-index/", query)
    assert page.status_code == 400
    assert str(message) in page.content.decode()


def test_a_bad_number_of_months_is_400(world, client_for):
    analyst = client_for("localhost", world.analyst)
    response = analyst.get(f"{API}alpha/", {"months": "0"})
    assert response.status_code == 400
    assert response.json()["months"] == [str(BAD_MONTHS)]
    assert str(BAD_MONTHS) == "Số tháng phải là số nguyên từ 1 đến 36."


def test_the_console_page_charts_and_tables_every_agency_and_exports_it(data, client_for):
    analyst = client_for("localhost", data.analyst)
    response = analyst.get("/statistics/service-index/", {"month": "2026-02"})
    assert response.status_code == 200
    context = response.context
    assert [(r["code"], r["score"], r["attainable"]) for r in context["rows"]] == [
        ("alpha", Decimal("18.00"), 38),
        ("beta", Decimal("0.00"), 32),  # nothing on time, nothing online, no answer
    ]
    assert context["score_chart"]["datasets"][0]["data"] == [47.4, 0.0]
    page = response.content.decode()
    for chart in ("score-chart", "lost-chart", "index-trend-chart"):
        assert f'data-chart="{chart}"' in page and f'id="{chart}"' in page
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn: mất 10.00 điểm" in page
    assert "Thanh toán trực tuyến" in page and 'id="not-computed"' in page
    export = analyst.get(
        "/statistics/service-index/", {"month": "2026-02", "table": "index", "format": "xlsx"}
    )
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][0:2] == [1, "Sở Alpha"]
    assert values[1][3:9] == [18, 38, 47.4, 10, 6, 2]
    assert values[2][6:9] == [0, 0, "Chưa có số liệu"]  # beta: no answer, so no points
    csv = analyst.get(
        "/statistics/service-index/", {"month": "2026-02", "table": "not_computed", "format": "csv"}
    )
    assert "Thanh toán trực tuyến" in csv.content.decode("utf-8-sig")


def test_the_agency_page_shows_its_own_score_and_links_to_its_late_applications(data, client_for):
    owner = client_for(data.agency_a, data.owner_a)
    response = owner.get("/service-index/", {"month": "2026-02"})
    assert response.status_code == 200
    assert response.context["scored"]["score"] == Decimal("18.00")
    assert [w["key"] for w in response.context["weakest"]] == [
        "on_time",
        "online_applications",
        "satisfaction",
    ]
    link = response.context["weakest"][0]["link"]
    assert "timeliness=late" in link and "completed_from=2026-02-01" in link
    assert "completed_to=2026-02-28" in link
    page = response.content.decode()
    assert "18.00 / 38" in page or "18,00 / 38" in page
    assert 'id="not-computed"' in page
    # the link lists the late results of February only (not HS-6, late in March)
    listed = owner.get(link).context["applications"]
    assert [a.code for a in listed] == ["HS-3"]
    # agency B sees only its own figures, whatever the query says
    other = client_for(data.agency_b, data.user_b)
    response = other.get("/service-index/", {"month": "2026-02", "agency": "alpha"})
    assert response.context["agency"].code == "beta"
    assert response.context["scored"]["score"] == Decimal("0.00")
    assert response.context["scored"]["attainable"] == 32


def test_agency_users_cannot_reach_the_console_page_or_the_api(data, client_for):
    owner = client_for(data.agency_a, data.owner_a)
    assert owner.get("/statistics/service-index/").status_code == 404
    assert owner.get(API).status_code == 404
    anonymous = client_for("localhost")
    assert anonymous.get("/statistics/service-index/").status_code in (302, 403)
    assert anonymous.get(API).status_code in (401, 403)
    assert client_for(data.agency_a).get("/service-index/").status_code == 302
