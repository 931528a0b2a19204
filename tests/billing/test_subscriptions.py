"""Subscriptions: start (pilot end), change, same-day change, cancel, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from billing.models import Payer, SubscriptionStatus
from billing.services import subscriptions as subs
from billing.services.invoicing import invoices_issue
from tenants.models import AgencyEvent

D = dt.date


def test_a_pilot_lasts_its_days_and_is_free(plans):
    w = plans
    sub = subs.subscription_start(
        agency=w.agency_a, plan_code="thu-nghiem", on=D(2026, 10, 1), by=w.province_admin
    )
    assert sub.status == SubscriptionStatus.PILOT
    assert sub.pilot_end == D(2026, 10, 30)  # 30 days: 1/10 to 30/10 inclusive
    assert sub.payer == Payer.AGENCY
    assert invoices_issue(today=D(2026, 11, 1)) == []  # nothing to pay for a pilot month
    assert AgencyEvent.objects.filter(agency=w.agency_a, action="subscription_started").exists()


def test_one_subscription_per_agency_and_none_for_the_province(plans):
    w = plans
    subs.subscription_start(agency=w.agency_a, plan_code="co-ban", on=D(2026, 10, 1))
    with pytest.raises(ValidationError) as exc:
        subs.subscription_start(agency=w.agency_a, plan_code="nang-cao", on=D(2026, 10, 2))
    assert exc.value.code == "exists"
    with pytest.raises(ValidationError) as exc:
        subs.subscription_start(agency=w.public, plan_code="co-ban")
    assert exc.value.code == "public"
    with pytest.raises(ValidationError) as exc:
        subs.subscription_start(agency=w.agency_b, plan_code="khong-co")
    assert exc.value.code == "unknown_plan"


def test_a_change_on_the_first_day_of_a_period_replaces_it(plans):
    w = plans
    subs.subscription_start(agency=w.agency_a, plan_code="co-ban", on=D(2026, 10, 1))
    sub = subs.subscription_change(agency=w.agency_a, plan_code="nang-cao", on=D(2026, 10, 1))
    assert list(sub.periods.values_list("plan_version__plan__code", "valid_to")) == [
        ("nang-cao", None)
    ]
    with pytest.raises(ValidationError) as exc:  # nothing to change
        subs.subscription_change(agency=w.agency_a, plan_code="nang-cao", on=D(2026, 10, 5))
    assert exc.value.code == "same"
    with pytest.raises(ValidationError) as exc:  # before the current period
        subs.subscription_change(agency=w.agency_a, plan_code="co-ban", on=D(2026, 9, 30))
    assert exc.value.code == "before_period"


def test_cancel_stops_billing_from_that_day(plans):
    w = plans
    subs.subscription_start(agency=w.agency_a, plan_code="co-ban", on=D(2026, 10, 1))
    sub = subs.subscription_cancel(agency=w.agency_a, on=D(2026, 10, 11))
    assert sub.status == SubscriptionStatus.CANCELLED
    (invoice,) = invoices_issue(today=D(2026, 11, 1))
    # 1–10/10: 1 500 000 × 10 / 31 = 483 870.97 -> 483 871
    assert list(invoice.lines.values_list("amount", flat=True)) == [483_871]
    assert invoices_issue(today=D(2026, 12, 1)) == []
    with pytest.raises(ValidationError) as exc:
        subs.subscription_change(agency=w.agency_a, plan_code="nang-cao", on=D(2026, 12, 1))
    assert exc.value.code == "cancelled"


def test_moving_to_the_province_payer_mid_month_splits_the_bill(plans):
    w = plans
    subs.subscription_start(agency=w.agency_a, plan_code="co-ban", on=D(2026, 10, 1))
    subs.subscription_change(agency=w.agency_a, payer=Payer.PROVINCE, on=D(2026, 10, 11))
    own, province = invoices_issue(today=D(2026, 11, 1))
    assert own.agency_id == w.agency_a.pk and province.agency_id is None
    # 10 days for alpha itself, 21 days for the province: 483 871 + 1 016 129 = 1 500 000
    assert own.subtotal == 483_871
    assert province.subtotal == 1_016_129
