"""Billing API: read-only; the province sees everything, an agency only its own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from billing.models import Invoice, Payer, UsageDaily
from billing.services import subscriptions as subs
from billing.services.invoicing import invoices_issue

D = dt.date
CONSOLE = settings.BASE_DOMAIN


@pytest.fixture
def invoiced(plans):
    w = plans
    subs.subscription_start(agency=w.agency_a, plan_code="co-ban", on=D(2026, 10, 1))
    subs.subscription_start(agency=w.agency_b, plan_code="nang-cao", on=D(2026, 10, 1))
    subs.subscription_change(agency=w.agency_b, payer=Payer.PROVINCE, on=D(2026, 11, 1))
    invoices_issue(today=D(2026, 11, 1))
    invoices_issue(today=D(2026, 12, 1))
    UsageDaily.objects.create(agency=w.agency_a, day=D(2026, 10, 2), active_users=3)
    return w


def test_province_reads_invoices_subscriptions_and_usage(invoiced, client_for):
    w = invoiced
    client = client_for(CONSOLE, w.analyst)
    invoices = client.get("/api/v1/billing/invoices/").json()
    assert invoices["count"] == Invoice.objects.count()
    assert client.get("/api/v1/billing/invoices/?payer=province").json()["count"] == 1
    one = Invoice.objects.get(payer=Payer.PROVINCE)
    detail = client.get(f"/api/v1/billing/invoices/{one.pk}/").json()
    assert detail["number"] == one.number_display and detail["lines"][0]["agency_code"] == "beta"
    subscriptions = client.get("/api/v1/billing/subscriptions/").json()["results"]
    assert {s["agency_code"] for s in subscriptions} == {"alpha", "beta"}
    usage = client.get("/api/v1/billing/usage/?agency=alpha&from=2026-10-01").json()
    assert usage["results"][0]["active_users"] == 3
    assert client.post("/api/v1/billing/invoices/", {}).status_code == 405  # read-only


def test_agency_users_get_nothing_from_the_province_api(invoiced, client_for):
    w = invoiced
    cookie = client_for(w.agency_a, w.owner_a).cookies[settings.SESSION_COOKIE_NAME].value
    client = client_for(CONSOLE)
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie  # an agency session on the console
    for url in ("invoices/", "subscriptions/", "usage/"):
        assert client.get(f"/api/v1/billing/{url}").status_code in (401, 403)
    assert client_for(CONSOLE, w.owner_a).get("/api/v1/billing/invoices/").status_code in (401, 403)
    assert client_for(CONSOLE).get("/api/v1/billing/invoices/").status_code in (401, 403)


def test_an_agency_sees_only_its_own_invoices_and_lines(invoiced, client_for):
    w = invoiced
    client = client_for(w.agency_a, w.owner_a)
    mine = client.get("/api/v1/billing/invoices/").json()["results"]
    assert mine and {i["agency_code"] for i in mine} == {"alpha"}
    for other in Invoice.objects.exclude(agency=w.agency_a):
        assert client.get(f"/api/v1/billing/invoices/{other.pk}/").status_code == 404
    beta = client_for(w.agency_b, w.user_b)
    lines = beta.get("/api/v1/billing/lines/").json()["results"]
    assert lines and {line["agency_code"] for line in lines} == {"beta"}
    assert beta.get("/api/v1/billing/invoices/").json()["count"] == 1  # October, self-paid
    subscription = client.get("/api/v1/billing/subscription/").json()
    assert subscription["subscription"]["plan_code"] == "co-ban"
    assert {u["resource"] for u in subscription["usage"]} == {"users", "storage", "applications"}
    assert client_for(w.agency_a, w.member_a).get("/api/v1/billing/invoices/").status_code == 403


def test_billing_endpoints_are_in_the_openapi_schemas(world, client_for):
    public = client_for(CONSOLE, world.province_admin).get("/api/v1/schema/").content.decode()
    assert "/api/v1/billing/invoices/" in public and "/api/v1/billing/usage/" in public
    agency = client_for(world.agency_a, world.owner_a).get("/api/v1/schema/").content.decode()
    assert "/api/v1/billing/subscription/" in agency
