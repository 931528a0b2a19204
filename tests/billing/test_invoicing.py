"""Monthly invoices: proration across a month end and a mid-month change (checked against a
hand computation to the dong), overage, the consolidated province invoice, numbering,
idempotent re-runs and crashes, payment, voiding with a credit note, overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from billing.models import (
    GIB,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    Payer,
    SubscriptionStatus,
    UsageDaily,
)
from billing.services import invoicing
from billing.services import subscriptions as subs
from billing.services.invoicing import (
    invoice_pay,
    invoice_void,
    invoices_issue,
    invoices_mark_overdue,
)
from tenants.models import Agency

D = dt.date


def usage(agency, day, users=0, storage=0, apps=0):
    UsageDaily.objects.create(
        agency=agency,
        day=day,
        active_users=users,
        storage_bytes=storage,
        applications_received=apps,
    )


@pytest.fixture
def alpha_story(plans):
    """Alpha: a 30-day pilot from 15/9/2026 (ends 14/10), basic plan from 15/10, advanced
    from 10/11. Beta: basic plan from 1/10, paid by the province."""
    w = plans
    a, b = w.agency_a, w.agency_b
    subs.subscription_start(
        agency=a, plan_code="thu-nghiem", on=D(2026, 9, 15), by=w.province_admin
    )
    subs.subscription_change(agency=a, plan_code="co-ban", on=D(2026, 10, 15))
    subs.subscription_change(agency=a, plan_code="nang-cao", on=D(2026, 11, 10))
    subs.subscription_start(agency=b, plan_code="co-ban", payer=Payer.PROVINCE, on=D(2026, 10, 1))
    # usage: pilot days do not count; October on the basic plan (10 users included)
    usage(a, D(2026, 10, 3), users=99, storage=9 * GIB, apps=900)  # pilot: ignored
    usage(a, D(2026, 10, 20), users=12, storage=GIB, apps=300)
    # November: peak 25 users, 5 GiB + 1 byte, 600 + 500 applications; advanced plan limits
    usage(a, D(2026, 11, 3), users=25, storage=2 * GIB, apps=600)
    usage(a, D(2026, 11, 20), users=23, storage=5 * GIB + 1, apps=500)
    return w


def test_pilot_end_and_status_follow_the_changes(alpha_story):
    sub = alpha_story.agency_a.subscription
    sub.refresh_from_db()
    assert sub.pilot_end == D(2026, 10, 14)  # 30 days from 15/9, then left on 15/10
    assert sub.status == SubscriptionStatus.ACTIVE
    periods = list(sub.periods.values_list("plan_version__plan__code", "valid_from", "valid_to"))
    assert periods == [
        ("thu-nghiem", D(2026, 9, 15), D(2026, 10, 15)),
        ("co-ban", D(2026, 10, 15), D(2026, 11, 10)),
        ("nang-cao", D(2026, 11, 10), None),
    ]
    assert Agency.objects.get(pk=alpha_story.agency_a.pk).plan_code == "nang-cao"


def test_october_invoice_agrees_with_the_hand_computation(alpha_story):
    issued = invoices_issue(today=D(2026, 11, 2))
    alpha = next(i for i in issued if i.agency_id == alpha_story.agency_a.pk)
    lines = list(alpha.lines.values_list("kind", "quantity", "unit_price", "amount"))
    # basic plan from 15/10 to 31/10: 17 of 31 days: 1 500 000 × 17 / 31 = 822 580.65 -> 822 581
    # overage: 12 users on 20/10 against 10 included: 2 × 40 000 = 80 000
    # (the 99 users of 3/10 were on the free pilot: not counted)
    assert lines == [("proration", 1, 822_581, 822_581), ("overage", 2, 40_000, 80_000)]
    assert alpha.subtotal == 902_581
    assert alpha.vat_amount == 90_258  # 90 258.1 -> 90 258
    assert alpha.total == 992_839
    assert (alpha.year, alpha.number, alpha.status) == (2026, 1, InvoiceStatus.ISSUED)
    assert alpha.due_on == D(2026, 12, 2)
    assert "17/31 ngày (15/10–31/10/2026)" in alpha.lines.first().description


def test_november_invoice_splits_the_month_at_the_plan_change(alpha_story):
    invoices_issue(today=D(2026, 11, 2))
    (alpha,) = [
        i for i in invoices_issue(today=D(2026, 12, 1)) if i.agency_id == alpha_story.agency_a.pk
    ]
    lines = list(alpha.lines.values_list("kind", "quantity", "unit_price", "amount"))
    assert lines == [
        ("proration", 1, 450_000, 450_000),  # basic 1–9/11: 1 500 000 × 9 / 30
        ("proration", 1, 1_925_000, 1_925_000),  # advanced 10–30/11: 2 750 000 × 21 / 30
        ("overage", 5, 50_000, 250_000),  # peak 25 users against 20
        ("overage", 1, 20_000, 20_000),  # 5 GiB + 1 byte against 5 GiB: 1 started GB
        ("overage", 1, 100_000, 100_000),  # 1 100 applications against 1 000: one block of 100
    ]
    assert (alpha.subtotal, alpha.vat_amount, alpha.total) == (2_745_000, 274_500, 3_019_500)
    assert alpha.number == 2  # the second of alpha's 2026 series
    for line in InvoiceLine.objects.all():
        assert line.quantity * line.unit_price == line.amount


def test_a_full_month_is_the_base_price_and_the_province_pays_in_one_invoice(alpha_story):
    w = alpha_story
    issued = invoices_issue(today=D(2026, 11, 2))
    province = next(i for i in issued if i.payer == Payer.PROVINCE)
    assert province.agency_id is None and province.buyer_name == w.public.name
    assert list(province.lines.values_list("agency__code", "kind", "amount")) == [
        ("beta", "base", 1_500_000)
    ]
    assert (province.subtotal, province.vat_amount, province.total) == (
        1_500_000,
        150_000,
        1_650_000,
    )
    assert province.number == 1  # the province has its own series


def test_consolidated_invoice_has_a_block_per_agency(plans):
    w = plans
    for agency in (w.agency_a, w.agency_b):
        subs.subscription_start(
            agency=agency, plan_code="co-ban", payer=Payer.PROVINCE, on=D(2026, 10, 1)
        )
    subs.subscription_change(agency=w.agency_a, plan_code="nang-cao", on=D(2026, 10, 16))
    (invoice,) = invoices_issue(today=D(2026, 11, 1))
    rows = list(invoice.lines.values_list("agency__code", "kind", "amount"))
    assert rows == [
        ("alpha", "proration", 725_806),  # 1 500 000 × 15 / 31 = 725 806.45
        ("alpha", "proration", 1_419_355),  # 2 750 000 × 16 / 31 = 1 419 354.84
        ("beta", "base", 1_500_000),
    ]
    assert invoice.subtotal == 3_645_161
    assert invoice.vat_amount == 364_516  # 364 516.1
    assert not Invoice.objects.filter(payer=Payer.AGENCY).exists()


def test_a_second_run_issues_nothing_new(alpha_story):
    first = invoices_issue(today=D(2026, 11, 2))
    assert len(first) == 2
    assert invoices_issue(today=D(2026, 11, 2)) == []
    assert invoices_issue(today=D(2026, 11, 30)) == []
    assert Invoice.objects.count() == 2
    assert (
        InvoiceCounter.objects.get(payer_key=f"agency:{alpha_story.agency_a.pk}").last_number == 1
    )


def test_a_crash_mid_run_leaves_no_gap_and_a_rerun_no_duplicate(alpha_story, monkeypatch):
    real = invoicing._save_lines
    province_key = invoicing.PROVINCE_KEY

    def crash_on_province(invoice, lines):
        if invoice.payer_key == province_key:  # after its number and row were written
            raise RuntimeError("worker killed")
        real(invoice, lines)

    monkeypatch.setattr(invoicing, "_save_lines", crash_on_province)
    with pytest.raises(RuntimeError):
        invoices_issue(today=D(2026, 11, 2))
    assert list(Invoice.objects.values_list("payer_key", "number")) == [
        (f"agency:{alpha_story.agency_a.pk}", 1)
    ]
    assert not InvoiceCounter.objects.filter(payer_key=province_key, last_number__gt=0).exists()
    monkeypatch.setattr(invoicing, "_save_lines", real)
    rerun = invoices_issue(today=D(2026, 11, 2))
    assert [(i.payer_key, i.number) for i in rerun] == [(province_key, 1)]
    assert Invoice.objects.count() == 2


def test_the_database_refuses_a_second_live_invoice_for_a_payer_and_month(alpha_story):
    from django.db import IntegrityError, transaction

    (invoice, _province) = invoices_issue(today=D(2026, 11, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            payer=invoice.payer,
            payer_key=invoice.payer_key,
            agency=invoice.agency,
            buyer_name="x",
            period=invoice.period,
            year=2026,
            number=99,
            subtotal=0,
            vat_amount=0,
            total=0,
            due_on=invoice.due_on,
        )


def test_the_current_month_cannot_be_invoiced(alpha_story):
    with pytest.raises(ValidationError) as exc:
        invoices_issue(month=D(2026, 11, 1), today=D(2026, 11, 20))
    assert exc.value.code == "month_open"


def test_void_keeps_the_invoice_and_makes_a_credit_note(alpha_story):
    w = alpha_story
    alpha = invoices_issue(today=D(2026, 11, 2))[0]
    credit = invoice_void(
        invoice=alpha, reason="Sai số người dùng", by=w.province_admin, today=D(2026, 11, 5)
    )
    alpha.refresh_from_db()
    assert alpha.status == InvoiceStatus.VOID and alpha.void_reason == "Sai số người dùng"
    assert alpha.lines.count() == 2  # kept, never deleted
    assert credit.credit_for == alpha and credit.kind == "credit_note"
    assert (credit.subtotal, credit.vat_amount, credit.total) == (-902_581, -90_258, -992_839)
    assert list(credit.lines.values_list("kind", "amount")) == [
        ("credit", -822_581),
        ("credit", -80_000),
    ]
    assert credit.number == 2  # the same series, no gap
    with pytest.raises(ValidationError):
        invoice_void(invoice=alpha, reason="lần nữa", by=w.province_admin)
    # the corrected invoice: a re-run issues it with the next number
    (again,) = [i for i in invoices_issue(today=D(2026, 11, 6)) if i.agency_id == w.agency_a.pk]
    assert again.number == 3 and again.total == 992_839


def test_void_needs_a_reason_and_a_paid_invoice_cannot_be_voided(alpha_story):
    w = alpha_story
    alpha = invoices_issue(today=D(2026, 11, 2))[0]
    with pytest.raises(ValidationError) as exc:
        invoice_void(invoice=alpha, reason="  ", by=w.province_admin)
    assert "reason" in exc.value.message_dict
    invoice_pay(invoice=alpha, reference="FT26310123456", by=w.province_admin)
    with pytest.raises(ValidationError) as exc:
        invoice_void(invoice=alpha, reason="Nhầm", by=w.province_admin)
    assert exc.value.code == "not_voidable"


def test_pay_and_overdue(alpha_story):
    w = alpha_story
    alpha, province = invoices_issue(today=D(2026, 11, 2))
    assert invoices_mark_overdue(today=D(2026, 12, 2)) == 0  # due on 2/12: not yet
    assert invoices_mark_overdue(today=D(2026, 12, 3)) == 2
    province.refresh_from_db()
    assert province.status == InvoiceStatus.OVERDUE
    with pytest.raises(ValidationError):
        invoice_pay(invoice=province, reference="", by=w.province_admin)
    paid = invoice_pay(invoice=province, reference=" FT263370001 ", by=w.province_admin)
    assert paid.status == InvoiceStatus.PAID and paid.paid_reference == "FT263370001"
    assert paid.paid_by_label == w.province_admin.email
    with pytest.raises(ValidationError) as exc:
        invoice_pay(invoice=province, reference="FT2", by=w.province_admin)
    assert exc.value.code == "not_payable"
    assert invoices_mark_overdue(today=D(2027, 1, 1)) == 0


def test_a_change_cannot_reach_back_into_an_invoiced_month(alpha_story):
    invoices_issue(today=D(2026, 11, 2))
    with pytest.raises(ValidationError) as exc:
        subs.subscription_change(
            agency=alpha_story.agency_b, plan_code="nang-cao", on=D(2026, 10, 20)
        )
    assert exc.value.code == "invoiced"
    subs.subscription_change(agency=alpha_story.agency_b, plan_code="nang-cao", on=D(2026, 11, 20))


def test_a_new_plan_version_never_changes_past_invoices(alpha_story):
    from billing.models import Plan
    from billing.services import plans as plan_svc

    from .conftest import ADVANCED

    invoices_issue(today=D(2026, 12, 1))  # November
    before = list(InvoiceLine.objects.order_by("pk").values_list("amount", flat=True))
    version = plan_svc.plan_version_create(
        plan=Plan.objects.get(code="nang-cao"),
        effective_from=D(2026, 12, 16),
        **{**ADVANCED, "monthly_price": 3_100_000},
    )
    assert version.version == 2
    assert subs.plan_version_apply(version=version) == 1
    assert list(InvoiceLine.objects.order_by("pk").values_list("amount", flat=True)) == before
    (december,) = [
        i for i in invoices_issue(today=D(2027, 1, 1)) if i.agency_id == alpha_story.agency_a.pk
    ]
    # 2 750 000 × 15 / 31 = 1 330 645.16 and 3 100 000 × 16 / 31 = 1 600 000
    assert list(december.lines.filter(kind="proration").values_list("amount", flat=True)) == [
        1_330_645,
        1_600_000,
    ]
    assert (december.year, december.number) == (2027, 1)  # a new series each year


def test_money_must_be_integers(plans):
    from billing.models import Plan
    from billing.services import plans as plan_svc

    from .conftest import BASIC

    with pytest.raises(ValidationError) as exc:
        plan_svc.plan_version_create(
            plan=Plan.objects.get(code="co-ban"),
            effective_from=D(2027, 1, 1),
            **{**BASIC, "monthly_price": 1_500_000.5},
        )
    assert "monthly_price" in exc.value.message_dict
    with pytest.raises(ValidationError):
        plan_svc.plan_version_create(
            plan=Plan.objects.get(code="thu-nghiem"),
            effective_from=D(2027, 1, 1),
            **{**BASIC, "pilot_days": 30},  # a pilot must be free
        )


def test_the_pilot_to_paid_story_end_to_end_with_its_pdf(alpha_story):
    """The issue's "done when", at service level: pilot ends, paid plan mid-month, the month's
    prorated invoice and its PDF agree with the hand computation, a second run adds nothing."""
    import io

    from pypdf import PdfReader

    from billing.pdf import invoice_pdf

    alpha = invoices_issue(today=D(2026, 11, 2))[0]
    text = PdfReader(io.BytesIO(invoice_pdf(alpha))).pages[0].extract_text()
    for expected in ("822.581", "80.000", "902.581", "90.258", "992.839", "Sở Alpha"):
        assert expected in text, expected
    assert "Chín trăm chín mươi hai nghìn tám trăm ba mươi chín đồng" in text
    assert invoices_issue(today=D(2026, 11, 2)) == []


def test_the_default_month_is_the_previous_one_in_hanoi(alpha_story, monkeypatch):
    from django.utils import timezone

    # 31/10/2026 18:00 UTC is 1/11/2026 01:00 in Asia/Ho_Chi_Minh: October is over there
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 10, 31, 18, 0, tzinfo=dt.UTC))
    issued = invoices_issue()
    assert {i.period for i in issued} == {D(2026, 10, 1)}
    assert {timezone.localdate(i.issued_at) for i in issued} == {D(2026, 11, 1)}
    assert {i.issued_at.date() for i in issued} == {D(2026, 10, 31)}  # 18:00 UTC
    assert {i.due_on for i in issued} == {D(2026, 12, 1)}


def test_one_payer_failing_does_not_hold_back_the_others(alpha_story, monkeypatch):
    real = invoicing.month_lines
    alpha_key = f"agency:{alpha_story.agency_a.pk}"

    def broken_for_alpha(*, month, payer_key):
        if payer_key == alpha_key:
            raise RuntimeError("bad data")
        return real(month=month, payer_key=payer_key)

    monkeypatch.setattr(invoicing, "month_lines", broken_for_alpha)
    with pytest.raises(RuntimeError):
        invoices_issue(today=D(2026, 11, 2))
    assert list(Invoice.objects.values_list("payer_key", flat=True)) == ["province"]


def test_the_run_refuses_without_the_sellers_details_and_names_them(alpha_story, settings):
    from tests.billing.conftest import SELLER

    settings.BILLING_SELLER = {**SELLER, "tax_code": "", "bank_account": " "}
    with pytest.raises(ValidationError) as exc:
        invoices_issue(today=D(2026, 11, 2))
    message = exc.value.messages[0]
    assert exc.value.code == "seller_missing"
    assert "mã số thuế (BILLING_SELLER_TAX_CODE)" in message
    assert "số tài khoản ngân hàng (BILLING_SELLER_BANK_ACCOUNT)" in message
    assert "BILLING_SELLER_ADDRESS" not in message
    assert not Invoice.objects.exists() and not InvoiceCounter.objects.exists()


def test_the_console_run_shows_the_missing_seller_details_in_vietnamese(
    alpha_story, settings, client_for
):
    settings.BILLING_SELLER = {}
    client = client_for("localhost", alpha_story.province_admin)
    page = client.post("/billing/run/", {"month": "2026-10"})
    assert page.status_code == 400
    assert "thiếu thông tin người bán" in page.content.decode()
    assert not Invoice.objects.exists()


def test_the_invoice_pdf_prints_the_sellers_details(alpha_story):
    import io

    from pypdf import PdfReader

    from billing.pdf import invoice_pdf
    from tests.billing.conftest import SELLER

    invoice = invoices_issue(today=D(2026, 11, 2))[0]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(invoice_pdf(invoice))).pages)
    for key in ("tax_code", "address", "bank_account"):
        assert SELLER[key] in text, key
