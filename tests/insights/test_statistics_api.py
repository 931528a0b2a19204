"""The read-only statistics API: the dashboard's numbers, in the OpenAPI schema, province
users only."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from eiso.testing.statistics import YEAR_2025, build

BASE = "/api/v1/statistics/"
ENDPOINTS = ["totals/", "trend/", "ranking/", "breakdown/", "grid/", "fields/", "agencies/alpha/"]


@pytest.fixture
def facts(world):
    return build(world)


@pytest.fixture
def analyst(world, client_for):
    return client_for("localhost", world.analyst)


def test_totals_equal_hand_sums(facts, analyst):
    body = analyst.get(BASE + "totals/", {"year": 2025}).json()
    for key, value in YEAR_2025.items():
        assert body[key] == value, key
    assert body["on_time_rate"] == 62.1 and body["satisfaction_score"] == 4.5
    assert (body["period_from"], body["period_to"]) == ("2025-01-01", "2025-12-31")
    assert (body["overdue_now"], body["refresh_errors"], body["agencies"]) == (3, 1, 2)


def test_the_api_says_what_the_page_says(facts, analyst):
    query = {"start": "2025-01", "end": "2025-03", "kind": "provincial_department"}
    page = analyst.get("/statistics/", query).context
    api = analyst.get(BASE + "totals/", query).json()
    for key in ("received", "completed", "late", "in_time", "overdue_now"):
        assert api[key] == page["totals"][key]
    assert api["on_time_rate"] == float(page["totals"]["on_time_rate"])
    trend = analyst.get(BASE + "trend/", query).json()
    assert [r["received"] for r in trend] == [r["received"] for r in page["trend"]]


def test_filters_and_day_precision(facts, analyst):
    commune = analyst.get(BASE + "totals/", {"year": 2025, "kind": "commune_committee"}).json()
    assert commune["received"] == 20
    days = analyst.get(BASE + "totals/", {"start": "2025-01-10", "end": "2025-03-15"}).json()
    assert days["received"] == 20 + 5 + 3
    land = analyst.get(BASE + "totals/", {"year": 2025, "field": "Đất đai"}).json()
    assert (land["completed"], land["on_time_rate"], land["received"]) == (18, 61.1, None)


def test_trend_ranking_breakdown_grid_fields(facts, analyst):
    trend = analyst.get(BASE + "trend/", {"year": 2025}).json()
    assert len(trend) == 12 and trend[0]["month"] == "2025-01-01" and trend[0]["late"] == 7
    ranking = analyst.get(BASE + "ranking/", {"year": 2025, "indicator": "late"}).json()
    assert ranking["indicator"] == "late" and ranking["unit"] == "count"
    assert [(r["code"], r["value"], r["rank"]) for r in ranking["results"]] == [
        ("alpha", 6, 1),
        ("beta", 5, 2),
    ]
    limited = analyst.get(BASE + "ranking/", {"year": 2025, "limit": 1}).json()["results"]
    assert [(r["code"], r["value"]) for r in limited] == [("beta", 50.0)]
    by_parent = analyst.get(BASE + "breakdown/", {"year": 2025, "by": "parent"}).json()
    assert {r["key"]: r["received"] for r in by_parent} == {"alpha": 20, None: 22}
    by_kind = analyst.get(BASE + "breakdown/", {"year": 2025}).json()
    assert {r["key"] for r in by_kind} == {"provincial_department", "commune_committee"}
    grid = {r["code"]: r for r in analyst.get(BASE + "grid/").json()}
    assert grid["alpha"]["colour"] == "red" and grid["beta"]["colour"] == "amber"
    assert grid["beta"]["last_error"] == "timeout while reading ag_beta"
    assert grid["beta"]["freshness"] == "error"
    fields = analyst.get(BASE + "fields/", {"year": 2025}).json()
    assert [(r["field"], r["on_time_rate"]) for r in fields] == [
        ("Đất đai", 61.1),
        ("Hộ tịch", 100.0),
    ]


def test_agency_summary(facts, analyst):
    body = analyst.get(BASE + "agencies/beta/", {"months": 36}).json()
    assert body["agency"]["code"] == "beta" and body["agency"]["parent"] == "Sở Alpha"
    assert body["totals"]["received"] == 20
    assert body["current"]["actions_overdue"] == 2
    assert body["colour"] == "amber" and body["freshness"] == "error"
    assert "alpha" not in {r.get("code") for r in body["trend"]}
    assert analyst.get(BASE + "agencies/khongco/").status_code == 404
    assert analyst.get(BASE + "agencies/beta/", {"months": 0}).status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2025-13"},
        {"start": "2025-05", "end": "2025-01"},
        {"kind": "nope"},
        {"indicator": "nope"},
        {"year": "abc"},
    ],
)
def test_bad_filters_are_400(facts, analyst, query):
    response = analyst.get(BASE + "ranking/", query)
    assert response.status_code == 400
    assert analyst.get(BASE + "breakdown/", {"by": "nope"}).status_code == 400


def test_the_endpoints_are_in_the_openapi_schema(world, analyst):
    schema = analyst.get("/api/v1/schema/", {"format": "json"}).json()
    for endpoint in ENDPOINTS:
        path = BASE + endpoint.replace("alpha", "{code}")
        assert path in schema["paths"], path
        assert "statistics" in schema["paths"][path]["get"]["tags"]
    params = {p["name"] for p in schema["paths"][BASE + "ranking/"]["get"]["parameters"]}
    assert {"indicator", "start", "end", "year", "kind", "limit"} <= params


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_agency_users_and_anonymous_get_nothing(facts, world, client_for, endpoint):
    on_their_host = client_for(world.agency_a, world.owner_a)
    assert on_their_host.get(BASE + endpoint).status_code == 404
    cookie = on_their_host.cookies[settings.SESSION_COOKIE_NAME].value
    console = Client(HTTP_HOST="localhost")
    console.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert console.get(BASE + endpoint).status_code in (401, 403)
    assert Client(HTTP_HOST="localhost").get(BASE + endpoint).status_code in (401, 403)


def test_the_analyst_and_the_administrator_may_read(facts, world, client_for):
    for user in (world.analyst, world.province_admin):
        client = client_for("localhost", user)
        for endpoint in ENDPOINTS:
            assert client.get(BASE + endpoint).status_code == 200, endpoint


def test_read_only(facts, analyst):
    assert analyst.post(BASE + "totals/", {}).status_code in (403, 405)


def test_a_bad_filter_says_why(facts, analyst):
    body = analyst.get(BASE + "totals/", {"start": "2025-05", "end": "2025-01"}).json()
    assert body == {"end": ["Thời điểm kết thúc phải sau thời điểm bắt đầu."]}
