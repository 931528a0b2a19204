"""Billing pages: the province console (users read, the administrator acts) and the agency
portal (administrators and leaders; only its own invoices)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from billing.models import Invoice, InvoiceStatus, Payer, Subscription, UsageDaily
from billing.services import subscriptions as subs
from billing.services.invoicing import invoices_issue

D = dt.date
CONSOLE = settings.BASE_DOMAIN


@pytest.fixture
def invoiced(plans):
    w = plans
    subs.subscription_start(agency=w.agency_a, plan_code="co-ban", on=D(2026, 10, 15))
    subs.subscription_start(agency=w.agency_b, plan_code="nang-cao", on=D(2026, 10, 1))
    invoices_issue(today=D(2026, 11, 1))
    UsageDaily.objects.create(agency=w.agency_a, day=D(2026, 10, 20), active_users=4)
    return w


CONSOLE_PAGES = ("/billing/", "/billing/plans/", "/billing/subscriptions/", "/billing/usage/alpha/")


def test_province_users_read_every_console_page(invoiced, client_for):
    w = invoiced
    invoice = Invoice.objects.get(agency=w.agency_a)
    for user in (w.province_admin, w.analyst):
        client = client_for(CONSOLE, user)
        for url in (*CONSOLE_PAGES, f"/billing/invoices/{invoice.pk}/"):
            assert client.get(url).status_code == 200, url
        pdf = client.get(f"/billing/invoices/{invoice.pk}/pdf/")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    page = client_for(CONSOLE, w.province_admin).get("/billing/usage/alpha/").content.decode()
    assert 'data-chart="usage-chart"' in page and 'id="usage-chart"' in page
    assert "<script>" not in page.split("</footer>")[0]  # CSP: no inline script
    nav = client_for(CONSOLE, w.analyst).get("/billing/").content.decode()
    assert "Thu phí" in nav and "/billing/run/" not in nav  # analysts read only


def test_analysts_may_not_act(invoiced, client_for):
    w = invoiced
    invoice = Invoice.objects.get(agency=w.agency_a)
    client = client_for(CONSOLE, w.analyst)
    assert client.get("/billing/run/").status_code == 403
    assert client.get("/billing/plans/new-version/").status_code == 403
    assert client.get("/billing/subscriptions/alpha/change/").status_code == 403
    assert (
        client.post(f"/billing/invoices/{invoice.pk}/pay/", {"reference": "x"}).status_code == 403
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_agency_users_are_refused_on_console_pages(invoiced, client_for):
    w = invoiced
    invoice = Invoice.objects.get(agency=w.agency_a)
    cookie = client_for(w.agency_a, w.owner_a).cookies[settings.SESSION_COOKIE_NAME].value
    client = client_for(CONSOLE)
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie  # an agency session on the console
    for url in (*CONSOLE_PAGES, f"/billing/invoices/{invoice.pk}/pdf/", "/billing/run/"):
        assert client.get(url).status_code in (302, 403), url
    assert client_for(CONSOLE).get("/billing/").status_code == 302  # signed out: sign in


def test_admin_pays_voids_and_runs_invoicing(invoiced, client_for):
    w = invoiced
    client = client_for(CONSOLE, w.province_admin)
    invoice = Invoice.objects.get(agency=w.agency_a)
    response = client.post(f"/billing/invoices/{invoice.pk}/pay/", {"reference": "FT123"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_reference == "FT123"
    other = Invoice.objects.get(agency=w.agency_b)
    client.post(f"/billing/invoices/{other.pk}/void/", {"reason": "Sai bên mua"})
    other.refresh_from_db()
    assert other.status == InvoiceStatus.VOID and other.void_reason == "Sai bên mua"
    run = client.post("/billing/run/", {"month": "2026-10"}, follow=True)
    assert "Đã lập 1 hoá đơn mới cho tháng 10/2026" in run.content.decode()  # beta's again
    run = client.post("/billing/run/", {"month": "2026-10"}, follow=True)
    assert "Đã lập 0 hoá đơn mới" in run.content.decode()
    filtered = client.get("/billing/?month=2026-10&payer=alpha&status=paid").content.decode()
    assert invoice.number_display in filtered and other.number_display not in filtered
    # the payer is chosen by name, the province's budget in Vietnamese
    assert '<option value="province">Tỉnh chi trả tập trung</option>' in filtered
    assert "“province”" not in filtered


def test_plan_change_preview_then_confirm(invoiced, client_for):
    w = invoiced
    client = client_for(CONSOLE, w.province_admin)
    data = {"plan": "nang-cao", "payer": Payer.AGENCY, "on": "2026-11-10"}
    preview = client.post("/billing/subscriptions/alpha/change/", {**data, "preview": "1"})
    page = preview.content.decode()
    assert "450.000" in page and "1.925.000" in page  # 1–9/11 basic, 10–30/11 advanced
    assert Subscription.objects.get(agency=w.agency_a).plan_version.plan.code == "co-ban"
    client.post("/billing/subscriptions/alpha/change/", {**data, "confirm": "1"})
    assert Subscription.objects.get(agency=w.agency_a).plan_version.plan.code == "nang-cao"


def test_new_plan_version_from_the_console(invoiced, client_for):
    w = invoiced
    client = client_for(CONSOLE, w.province_admin)
    form = {
        "plan": "",
        "code": "nang-cao-2",
        "name": "Nâng cao 2",
        "effective_from": "2027-01-01",
        "monthly_price": 3_000_000,
        "included_users": 30,
        "included_storage_gb": 10,
        "included_applications": 2000,
        "price_extra_user": 50_000,
        "price_extra_gb": 20_000,
        "price_extra_100_applications": 100_000,
        "vat_permille": 100,
    }
    assert client.post("/billing/plans/new-version/", form).status_code == 302
    assert "Nâng cao 2" in client.get("/billing/plans/").content.decode()


def test_agency_page_shows_only_its_own_invoices(invoiced, client_for):
    w = invoiced
    mine = Invoice.objects.get(agency=w.agency_a)
    theirs = Invoice.objects.get(agency=w.agency_b)
    for user in (w.owner_a, w.leader_a):
        client = client_for(w.agency_a, user)
        page = client.get("/billing/").content.decode()
        assert mine.number_display in page and theirs.number_display not in page
        assert client.get(f"/billing/invoices/{mine.pk}/pdf/").status_code == 200
        assert client.get(f"/billing/invoices/{theirs.pk}/pdf/").status_code == 404
    assert client_for(w.agency_a, w.member_a).get("/billing/").status_code == 403
    assert 'href="/billing/"' in client_for(w.agency_a, w.owner_a).get("/").content.decode()
    assert 'href="/billing/"' not in client_for(w.agency_a, w.member_a).get("/").content.decode()
    assert client_for(w.agency_a, w.reader_a).get("/billing/").status_code == 403


def test_agency_gets_a_pdf_of_only_its_lines_of_the_province_invoice(plans, client_for):
    import io

    from pypdf import PdfReader

    w = plans
    subs.subscription_start(
        agency=w.agency_a, plan_code="co-ban", payer=Payer.PROVINCE, on=D(2026, 10, 1)
    )
    subs.subscription_start(
        agency=w.agency_b, plan_code="nang-cao", payer=Payer.PROVINCE, on=D(2026, 10, 1)
    )
    invoices_issue(today=D(2026, 11, 1))
    province = Invoice.objects.get(payer=Payer.PROVINCE)
    client = client_for(w.agency_a, w.owner_a)
    assert (
        f"/billing/province-invoices/{province.pk}/pdf/" in client.get("/billing/").content.decode()
    )
    pdf = client.get(f"/billing/province-invoices/{province.pk}/pdf/")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Sở Alpha" in text and "1.500.000" in text and "1.650.000" in text
    assert "Sở Beta" not in text and "2.750.000" not in text
    assert client.get(f"/billing/invoices/{province.pk}/pdf/").status_code == 404
    # an agency without lines on it gets nothing
    assert client.get("/billing/province-invoices/999999/pdf/").status_code == 404


def test_no_statement_of_a_province_invoice_without_the_agency_lines(plans, client_for):
    w = plans
    subs.subscription_start(agency=w.agency_a, plan_code="co-ban", on=D(2026, 10, 1))
    subs.subscription_start(
        agency=w.agency_b, plan_code="nang-cao", payer=Payer.PROVINCE, on=D(2026, 10, 1)
    )
    invoices_issue(today=D(2026, 11, 1))
    province = Invoice.objects.get(payer=Payer.PROVINCE)
    url = f"/billing/province-invoices/{province.pk}/pdf/"
    assert client_for(w.agency_a, w.owner_a).get(url).status_code == 404
    assert client_for(w.agency_b, w.user_b).get(url).status_code == 200


def test_voiding_an_invoice_asks_first_and_only_the_administrator(invoiced, client_for):
    w = invoiced
    invoice = Invoice.objects.filter(status=InvoiceStatus.ISSUED, kind="invoice").first()
    url = f"/billing/invoices/{invoice.pk}/void/"
    analyst = client_for(CONSOLE, w.analyst)
    assert url not in analyst.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert analyst.get(url).status_code == 403
    assert analyst.post(url, {"reason": "Nhầm"}).status_code == 403
    admin = client_for(CONSOLE, w.province_admin)
    page = admin.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert f'href="{url}"' in page and f'action="{url}"' not in page
    confirm = admin.get(url)
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "Xác nhận huỷ hoá đơn" in text and 'name="reason"' in text
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert admin.post(url, {"reason": "Nhầm kỳ"}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
