"""The read API of the province's data platform: data keys with scopes, hashed at rest,
revocable, a rate per key, paginated lists; no session and no agency credential opens it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import schema_context

from eiso.testing.statistics import YEAR_2025, build
from insights.data_api.services import data_key_create, data_key_revoke
from insights.models import DataKey
from iso_platform.accounts.services import api_token_create

BASE = "/api/province/v1/"


@pytest.fixture
def facts(world):
    cache.clear()  # the rate counters of earlier tests
    return build(world)


def key_for(world, *scopes):
    return data_key_create(actor=world.province_admin, name="Nền tảng dữ liệu", scopes=scopes)


def reader(raw):
    return Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_key_reads_the_same_totals_as_the_statistics_api(facts, world):
    key, raw = key_for(world, "statistics:read")
    body = reader(raw).get(BASE + "statistics/totals/", {"year": 2025}).json()
    for name, value in YEAR_2025.items():
        assert body[name] == value, name
    assert raw not in DataKey.objects.values_list("digest", flat=True)
    assert DataKey.objects.get(pk=key.pk).last_used_at is not None


def test_a_key_reads_only_its_scopes(facts, world):
    _key, raw = key_for(world, "statistics:read")
    response = reader(raw).get(BASE + "status-grid/")
    assert response.status_code == 403 and "status:read" in response.json()["detail"]
    _key, grid_only = key_for(world, "status:read")
    assert reader(grid_only).get(BASE + "status-grid/").status_code == 200
    assert reader(grid_only).get(BASE + "statistics/totals/").status_code == 403


def test_a_revoked_key_is_refused(facts, world):
    key, raw = key_for(world, "statistics:read")
    assert reader(raw).get(BASE + "statistics/totals/").status_code == 200
    data_key_revoke(actor=world.province_admin, key=key)
    response = reader(raw).get(BASE + "statistics/totals/")
    assert response.status_code == 401 and "thu hồi" in response.json()["detail"]


def test_lists_are_paginated(facts, world):
    _key, raw = key_for(world, "status:read", "statistics:read")
    first = reader(raw).get(BASE + "status-grid/", {"limit": 1}).json()
    assert first["count"] >= 2 and len(first["results"]) == 1 and first["next"]
    second = reader(raw).get(first["next"].split("localhost", 1)[1]).json()
    assert second["results"][0]["code"] != first["results"][0]["code"]
    trend = reader(raw).get(BASE + "statistics/trend/", {"year": 2025, "limit": 5}).json()
    assert trend["count"] == 12 and len(trend["results"]) == 5


def test_a_key_over_its_rate_gets_429(facts, world, settings):
    settings.PROVINCE_DATA_API_RATE = "2/m"
    _key, raw = key_for(world, "statistics:read")
    codes = [reader(raw).get(BASE + "statistics/totals/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    _key, other = key_for(world, "statistics:read")  # counted per key
    assert reader(other).get(BASE + "statistics/totals/").status_code == 200


def test_agency_users_and_their_keys_and_sessions_are_refused(facts, world, client_for):
    on_their_host = client_for(world.agency_a, world.owner_a)
    assert on_their_host.get(BASE + "statistics/totals/").status_code == 404
    with schema_context(world.agency_a.schema_name):
        _token, agency_token = api_token_create(user=world.owner_a, name="máy trạm")
    assert reader(agency_token).get(BASE + "statistics/totals/").status_code == 401
    # Not even the province's own people without a key: the API is for the platform's key.
    assert client_for("localhost", world.province_admin).get(BASE + "status-grid/").status_code in (
        401,
        403,
    )
    assert reader("epd_nothing_here").get(BASE + "status-grid/").status_code == 401


def test_only_the_provincial_administrator_manages_keys(facts, world, client_for):
    admin = client_for("localhost", world.province_admin)
    response = admin.post("/data-keys/", {"name": "Kho dữ liệu", "scopes": ["status:read"]})
    assert response.status_code == 200 and response.context["raw"].startswith("epd_")
    assert client_for("localhost", world.analyst).get("/data-keys/").status_code == 403
    refused = admin.post("/data-keys/", {"name": "Kho", "scopes": []})
    assert refused.status_code == 400 and refused.context["form"].errors["scopes"]
