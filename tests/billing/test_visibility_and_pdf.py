"""An agency sees only its own invoices and lines; the PDF speaks Vietnamese."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from billing.models import Invoice, Payer
from billing.pdf import agency_statement_pdf, invoice_pdf
from billing.services import subscriptions as subs
from billing.services.invoicing import (
    invoice_for_agency,
    invoice_lines_for_agency,
    invoice_void,
    invoices_for_agency,
    invoices_issue,
)

D = dt.date


@pytest.fixture
def invoiced(plans):
    """October 2026: alpha and beta pay for themselves; November: beta moves to the province."""
    w = plans
    subs.subscription_start(agency=w.agency_a, plan_code="co-ban", on=D(2026, 10, 15))
    subs.subscription_start(agency=w.agency_b, plan_code="nang-cao", on=D(2026, 10, 1))
    subs.subscription_change(agency=w.agency_b, payer=Payer.PROVINCE, on=D(2026, 11, 1))
    invoices_issue(today=D(2026, 11, 1))
    invoices_issue(today=D(2026, 12, 1))
    return w


def test_an_agency_never_sees_another_agency_invoices(invoiced):
    w = invoiced
    mine = list(invoices_for_agency(agency=w.agency_a))
    theirs = list(invoices_for_agency(agency=w.agency_b))
    assert mine and theirs
    assert {i.agency_id for i in mine} == {w.agency_a.pk}
    assert {i.agency_id for i in theirs} == {w.agency_b.pk}
    for invoice in theirs:
        with pytest.raises(Invoice.DoesNotExist):
            invoice_for_agency(agency=w.agency_a, pk=invoice.pk)
    province = Invoice.objects.get(payer=Payer.PROVINCE)
    for agency in (w.agency_a, w.agency_b):  # the consolidated invoice is the province's
        with pytest.raises(Invoice.DoesNotExist):
            invoice_for_agency(agency=agency, pk=province.pk)
    # beta sees its own block of the province's invoice, never alpha's lines
    lines = list(invoice_lines_for_agency(agency=w.agency_b))
    assert {line.agency_id for line in lines} == {w.agency_b.pk}
    assert any(line.invoice_id == province.pk for line in lines)
    assert {line.agency_id for line in invoice_lines_for_agency(agency=w.agency_a)} == {
        w.agency_a.pk
    }


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_invoice_pdf_is_in_vietnamese(invoiced):
    w = invoiced
    invoice = invoices_for_agency(agency=w.agency_a).get(period=D(2026, 10, 1))
    pdf = invoice_pdf(invoice)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for expected in (
        "HOÁ ĐƠN GIÁ TRỊ GIA TĂNG",
        "Đơn vị mua hàng",
        "Sở Alpha",
        "Thuế suất GTGT 10%",
        "Tổng cộng tiền thanh toán",
        "822.581",  # 1 500 000 × 17 / 31
        "904.839",  # + VAT 82 258
        "Chín trăm linh bốn nghìn tám trăm ba mươi chín đồng",
        "tháng 10/2026",
    ):
        assert expected in text, expected


def test_consolidated_and_credit_note_pdfs(invoiced):
    w = invoiced
    province = Invoice.objects.get(payer=Payer.PROVINCE)
    text = _text(invoice_pdf(province))
    assert "Sở Beta" in text and "Tỉnh Thử nghiệm" in text
    alpha = invoices_for_agency(agency=w.agency_a).get(period=D(2026, 10, 1))
    credit = invoice_void(invoice=alpha, reason="Sai đơn giá", by=w.province_admin)
    text = _text(invoice_pdf(credit))
    assert "HOÁ ĐƠN ĐIỀU CHỈNH GIẢM" in text
    assert "Sai đơn giá" in text and alpha.number_display in text
    assert "-904.839" in text


def _fonts(pdf: bytes) -> set[str]:
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/FontDescriptor" not in font:
                continue  # reportlab's unused /F1 entry (a standard font, nothing drawn with it)
            found.add(str(font["/BaseFont"]).split("+")[-1])
    return found


def test_invoice_and_statement_pdfs_use_the_official_documents_serif_face(invoiced):
    w = invoiced
    invoice = invoices_for_agency(agency=w.agency_a).get(period=D(2026, 10, 1))
    province = Invoice.objects.get(payer=Payer.PROVINCE)
    for pdf in (invoice_pdf(invoice), agency_statement_pdf(province, w.agency_b)):
        fonts = _fonts(pdf)
        assert fonts and fonts <= {
            "LiberationSerif",
            "LiberationSerif-Bold",
            "LiberationSerif-Italic",
        }, fonts
