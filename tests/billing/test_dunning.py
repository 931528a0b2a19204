"""Dunning: reminders, past due, read-only after the grace period, restored at payment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django_tenants.utils import schema_context

from billing.models import Invoice, Payer, Subscription, SubscriptionStatus
from billing.services import subscriptions as subs
from billing.services.dunning import dunning_run
from billing.services.invoicing import invoice_pay, invoices_issue
from iso_platform.accounts.models import Role
from quality.core.models import AuditEvent

D = dt.date


def row_counts(agency) -> dict[str, int]:
    """Every table of the agency's schema with its number of rows."""
    with schema_context(agency.schema_name), connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [agency.schema_name],
        )
        counts = {}
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{agency.schema_name}"."{table}"')  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        return counts


def status_of(agency) -> str:
    return Subscription.objects.get(agency=agency).status


@pytest.fixture
def overdue(plans):
    """Alpha pays itself for October 2026 (due 01/12); beta is on the province's invoice."""
    w = plans
    subs.subscription_start(agency=w.agency_a, plan_code="co-ban", on=D(2026, 10, 1))
    subs.subscription_start(
        agency=w.agency_b, plan_code="nang-cao", payer=Payer.PROVINCE, on=D(2026, 10, 1)
    )
    invoices_issue(today=D(2026, 11, 1))
    return w


def invite(client):
    return client.post(
        "/team/invite/",
        {"email": "moi@alpha.test", "full_name": "Người Mới", "role": Role.STAFF},
    )


def test_reminders_then_read_only_then_restored_by_the_payment(
    overdue, client_for, django_capture_on_commit_callbacks, password
):
    w = overdue
    invoice = Invoice.objects.get(payer=Payer.AGENCY, agency=w.agency_a)
    assert invoice.due_on == D(2026, 12, 1)

    with django_capture_on_commit_callbacks(execute=True):
        counts = dunning_run(today=D(2026, 12, 2))
    assert counts["reminded"] == 2 and counts["past_due"] == 2
    assert status_of(w.agency_a) == SubscriptionStatus.PAST_DUE
    reminder = next(m for m in mail.outbox if invoice.number_display in m.subject)
    assert reminder.to == ["owner@alpha.test"]
    province = next(m for m in mail.outbox if "province" in m.subject)
    assert "quantri@tinh.test" in province.to and "user@beta.test" in province.to

    # within the grace period: nothing more, and no reminder before a week
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert dunning_run(today=D(2026, 12, 5)) == {"reminded": 0, "past_due": 0, "suspended": 0}
    assert mail.outbox == []

    before = row_counts(w.agency_a)
    assert dunning_run(today=D(2026, 12, 17))["suspended"] == 2  # 16 days late > 15
    assert status_of(w.agency_a) == SubscriptionStatus.SUSPENDED
    assert status_of(w.agency_b) == SubscriptionStatus.SUSPENDED
    assert row_counts(w.agency_a) == before  # nothing deleted

    owner = client_for(w.agency_a, w.owner_a)
    refused = invite(owner)
    assert refused.status_code == 403
    assert "quá hạn thanh toán: chỉ xem" in refused.content.decode()
    api = owner.post("/api/v1/documents/", {}, content_type="application/json")
    assert api.status_code == 403 and api.json()["billing"] == "suspended"
    assert "chỉ xem" in api.json()["detail"]
    assert owner.get("/").status_code == 200  # reading still works
    signin = client_for(w.agency_a).post(
        "/accounts/login/", {"username": "owner@alpha.test", "password": password}
    )
    assert signin.status_code in (200, 302)
    after = row_counts(w.agency_a)
    assert all(after[table] >= n for table, n in before.items())  # nothing deleted
    # nothing written either, but the sessions and sign-in log of reading and signing in
    # (the audit trail records the sign-in itself: security logging goes on while read-only)
    bookkeeping = {"django_session", "axes_accesslog", "onboarding_checklist"}
    bookkeeping.add("quality_core_auditevent")
    assert {t: n for t, n in after.items() if t not in bookkeeping} == {
        t: n for t, n in before.items() if t not in bookkeeping
    }
    with schema_context(w.agency_a.schema_name):
        added = AuditEvent.objects.order_by("-id")[
            : after["quality_core_auditevent"] - before["quality_core_auditevent"]
        ]
        assert {event.action for event in added} <= {"sign_in", "sign_in_failed", "sign_out"}

    invoice_pay(invoice=invoice, reference="FT26350123456", by=w.province_admin)
    assert status_of(w.agency_a) == SubscriptionStatus.ACTIVE  # at once
    assert status_of(w.agency_b) == SubscriptionStatus.SUSPENDED  # its invoice is unpaid
    assert invite(owner).status_code == 302
    province_invoice = Invoice.objects.get(payer=Payer.PROVINCE)
    invoice_pay(invoice=province_invoice, reference="FT26350999", by=w.province_admin)
    assert status_of(w.agency_b) == SubscriptionStatus.ACTIVE


def test_an_agency_without_overdue_invoices_is_untouched(overdue, client_for):
    w = overdue
    dunning_run(today=D(2026, 11, 20))  # not due yet
    assert status_of(w.agency_a) == SubscriptionStatus.ACTIVE
    assert invite(client_for(w.agency_a, w.owner_a)).status_code == 302


def test_voiding_the_overdue_invoice_lifts_the_suspension(overdue):
    from billing.services.invoicing import invoice_void

    w = overdue
    dunning_run(today=D(2026, 12, 17))
    assert status_of(w.agency_a) == SubscriptionStatus.SUSPENDED
    invoice = Invoice.objects.get(payer=Payer.AGENCY, agency=w.agency_a)
    invoice_void(invoice=invoice, reason="Sai giá", by=w.province_admin, today=D(2026, 12, 18))
    assert status_of(w.agency_a) == SubscriptionStatus.ACTIVE
