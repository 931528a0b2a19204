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


@pytest.fixture
def merged_beta(plans, monkeypatch, settings, tmp_path, django_capture_on_commit_callbacks):
    """Beta (paying itself, basic plan since 1/11/2026) merged into alpha on 20/11/2026."""
    from billing.services import invoicing
    from eiso.fleet import merge
    from tenants.services import operations

    settings.MEDIA_ROOT = tmp_path / "media"
    for module in (subs, invoicing):
        monkeypatch.setattr(module, "local_today", lambda: D(2026, 11, 20))
    monkeypatch.setattr(operations, "enqueue", lambda op_id: None)
    w = plans
    subs.subscription_start(agency=w.agency_a, plan_code="co-ban", on=D(2026, 11, 1))
    subs.subscription_start(agency=w.agency_b, plan_code="co-ban", on=D(2026, 11, 1))
    op = merge.merge_preview(target=w.agency_a, source=w.agency_b, by=w.province_admin)
    operations.confirm(op)
    with django_capture_on_commit_callbacks(execute=True):
        done = merge.merge_run(op_id=op.pk)
    assert done.status == "succeeded", done.error
    return w


def test_a_merge_ends_the_merged_agencys_subscription_with_a_final_invoice(merged_beta):
    from billing.models import Invoice, Subscription

    w = merged_beta
    beta = Subscription.objects.get(agency=w.agency_b)
    assert beta.status == SubscriptionStatus.CANCELLED
    # 20/11 is the last day billed: the period ends (exclusive) on 21/11
    assert list(beta.periods.values_list("valid_from", "valid_to")) == [
        (D(2026, 11, 1), D(2026, 11, 21))
    ]
    event = AgencyEvent.objects.get(agency=w.agency_b, action="subscription_cancelled")
    assert event.detail["reason"] == "merged" and event.detail["into"] == "alpha"
    (final,) = Invoice.objects.filter(agency=w.agency_b)
    # 1 500 000 × 20/30 days = 1 000 000, VAT 10 % = 100 000
    assert final.period == D(2026, 11, 1) and final.buyer_name == w.agency_b.name
    assert list(final.lines.values_list("kind", "amount")) == [("proration", 1_000_000)]
    assert (final.subtotal, final.vat_amount, final.total) == (1_000_000, 100_000, 1_100_000)
    # the target keeps its own subscription as it was
    alpha = Subscription.objects.get(agency=w.agency_a)
    assert alpha.status == SubscriptionStatus.ACTIVE
    assert alpha.periods.get().valid_to is None
    # the month's run invoices alpha and nothing more for beta
    issued = invoices_issue(today=D(2026, 12, 1))
    assert [i.agency_id for i in issued] == [w.agency_a.pk]


def test_a_merged_agencys_plan_cannot_be_changed(merged_beta, client_for):
    w = merged_beta
    for change in (
        lambda: subs.subscription_change(agency=w.agency_b, plan_code="nang-cao"),
        lambda: subs.subscription_change(agency=w.agency_b, payer=Payer.PROVINCE),
    ):
        with pytest.raises(ValidationError) as exc:
            change()
        assert exc.value.code == "merged"
        assert (
            "đã hợp nhất vào" in exc.value.messages[0]
            and w.agency_a.name in (exc.value.messages[0])
        )
    client = client_for("localhost", w.province_admin)
    page = client.post(
        "/billing/subscriptions/beta/change/",
        {"plan": "nang-cao", "payer": Payer.AGENCY, "on": "2026-11-25"},
    )
    assert page.status_code in (200, 400)
    assert "không thay đổi gói được nữa" in page.content.decode()
