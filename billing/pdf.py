"""An invoice (or credit note) as PDF with the Vietnamese layout: HOÁ ĐƠN GIÁ TRỊ GIA TĂNG,
seller, buyer, lines (a block per agency on the province's consolidated invoice), VAT,
total in figures and in words, in Liberation Serif (the face of the official documents).

An invoice is a commercial document between the platform's operator and the payer, not an
administrative document: it does not follow the layout of Decree 30/2020/NĐ-CP but the
content of an invoice under Decree 123/2020/NĐ-CP and Circular 78/2021/TT-BTC. This PDF is
the platform's copy; the legal e-invoice comes from a registered e-invoice provider
(docs/official-documents.md, "Invoices"). Every name on it is data: the seller from
settings.BILLING_SELLER, the buyer as stored on the invoice."""

from __future__ import annotations

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from billing.models import Invoice, InvoiceKind, InvoiceStatus
from billing.services.money import amount_in_words, format_vnd, vat
from billing.services.seller import seller
from iso_platform.numbers import vn_percent
from iso_platform.pdf import styles as _styles


def _t(value) -> str:
    return escape(str(value or ""))


HEAD = ["STT", "Tên hàng hoá, dịch vụ", "Số lượng", "Đơn giá", "Thành tiền"]
COL_WIDTHS = [12 * mm, 98 * mm, 18 * mm, 26 * mm, 26 * mm]


def _document(out, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=title,
        author=seller()["name"],
        initialFontName=_styles(serif=True)["base"].fontName,  # no Helvetica in the file
    )


def _line_cells(line, s) -> list:
    return [
        Paragraph(str(line.position), s["small"]),
        Paragraph(_t(line.description), s["small"]),
        Paragraph(str(line.quantity), s["small"]),
        Paragraph(format_vnd(line.unit_price), s["small"]),
        Paragraph(format_vnd(line.amount), s["small"]),
    ]


def _table(rows: list, totals, s, style: list | None = None) -> Table:
    """`rows` (header first) then one spanning row per (label, amount) of `totals`."""
    totals_start = len(rows)
    for label, value in totals:
        rows.append(
            [Paragraph(label, s["bold"]), "", "", "", Paragraph(format_vnd(value), s["bold"])]
        )
    table = Table(rows, colWidths=COL_WIDTHS, repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        *(style or []),
    ]
    style += [("SPAN", (0, row), (3, row)) for row in range(totals_start, len(rows))]
    table.setStyle(TableStyle(style))
    return table


def invoice_pdf(invoice: Invoice) -> bytes:
    s = _styles(serif=True)
    out = io.BytesIO()
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    title = "HOÁ ĐƠN ĐIỀU CHỈNH GIẢM" if credit else "HOÁ ĐƠN GIÁ TRỊ GIA TĂNG"
    pdf = _document(out, f"{title} {invoice.number_display}")
    issued = timezone.localtime(invoice.issued_at)
    story = [
        Paragraph(title, s["title"]),
        Paragraph(
            f"Ngày {issued:%d} tháng {issued:%m} năm {issued:%Y} — Số: "
            f"<b>{_t(invoice.number_display)}</b>",
            s["center"],
        ),
        Paragraph(f"Kỳ sử dụng: tháng {invoice.period:%m/%Y}", s["center"]),
    ]
    if credit and invoice.credit_for_id:
        original = invoice.credit_for
        story.append(
            Paragraph(
                f"Điều chỉnh giảm toàn bộ hoá đơn số {_t(original.number_display)}. "
                f"Lý do: {_t(original.void_reason)}",
                s["center"],
            )
        )
    if invoice.status == InvoiceStatus.VOID:
        story.append(Paragraph(f"ĐÃ HUỶ — Lý do: {_t(invoice.void_reason)}", s["bold"]))
    seller_info = seller()
    story += [
        Spacer(1, 5 * mm),
        Paragraph(f"Đơn vị bán hàng: <b>{_t(seller_info['name'])}</b>", s["base"]),
        Paragraph(f"Mã số thuế: {_t(seller_info['tax_code'])}", s["base"]),
        Paragraph(f"Địa chỉ: {_t(seller_info['address'])}", s["base"]),
        Paragraph(f"Số tài khoản: {_t(seller_info['bank_account'])}", s["base"]),
        Spacer(1, 3 * mm),
        Paragraph(f"Đơn vị mua hàng: <b>{_t(invoice.buyer_name)}</b>", s["base"]),
        Paragraph(
            f"Hình thức thanh toán: chuyển khoản — Hạn thanh toán: {invoice.due_on:%d/%m/%Y}",
            s["base"],
        ),
        Spacer(1, 4 * mm),
        _lines_table(invoice, s),
        Spacer(1, 4 * mm),
        Paragraph(
            ("Số tiền điều chỉnh giảm" if credit else "Số tiền")
            + f" viết bằng chữ: <i>{_t(amount_in_words(abs(invoice.total)))}</i>",
            s["base"],
        ),
    ]
    if invoice.status == InvoiceStatus.PAID:
        story.append(
            Paragraph(
                f"Đã thanh toán ngày {timezone.localtime(invoice.paid_at):%d/%m/%Y}, "
                f"mã giao dịch {_t(invoice.paid_reference)}",
                s["base"],
            )
        )
    story += [
        Spacer(1, 10 * mm),
        _signatures(s),
    ]
    pdf.build(story)
    return out.getvalue()


def _lines_table(invoice: Invoice, s) -> Table:
    rows = [[Paragraph(h, s["bold"]) for h in HEAD]]
    block_style = []
    rates = set()
    consolidated = invoice.agency_id is None
    current_agency = None
    for line in invoice.lines.select_related("agency").order_by("position"):
        rates.add(line.vat_permille)
        if consolidated and line.agency_id != current_agency:
            current_agency = line.agency_id
            row = len(rows)
            block_style += [
                ("SPAN", (0, row), (-1, row)),
                ("BACKGROUND", (0, row), (-1, row), "#eef3f8"),
            ]
            rows.append([Paragraph(f"<b>{_t(line.agency.name)}</b>", s["base"]), "", "", "", ""])
        rows.append(_line_cells(line, s))
    rate_text = "; ".join(
        vn_percent(Decimal(r) / 10, 0 if r % 10 == 0 else 1) for r in sorted(rates)
    )
    rate_text = rate_text or "—"
    totals = (
        ("Cộng tiền hàng", invoice.subtotal),
        (f"Thuế suất GTGT {rate_text} — Tiền thuế GTGT", invoice.vat_amount),
        ("Tổng cộng tiền thanh toán (đồng)", invoice.total),
    )
    return _table(rows, totals, s, block_style)


def _signatures(s) -> Table:
    rows = [
        [Paragraph("Người mua hàng", s["bold"]), Paragraph("Người bán hàng", s["bold"])],
        [Paragraph("(Ký, ghi rõ họ tên)", s["center"]), Paragraph("(Ký, đóng dấu)", s["center"])],
    ]
    table = Table(rows, colWidths=[90 * mm, 90 * mm])
    table.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return table


def agency_statement_pdf(invoice: Invoice, agency) -> bytes:
    """An agency's share of the province's consolidated invoice (BẢNG KÊ): only its own
    lines, their sum, the VAT on that sum per rate (half up, as on the invoice) and the
    total. Not an invoice: the province's invoice is the legal document."""

    s = _styles(serif=True)
    out = io.BytesIO()
    lines = list(invoice.lines.filter(agency=agency).order_by("position"))
    pdf = _document(out, f"BẢNG KÊ {invoice.number_display} {agency.code}")
    by_rate: dict[int, int] = {}
    for line in lines:
        by_rate[line.vat_permille] = by_rate.get(line.vat_permille, 0) + line.amount
    subtotal = sum(by_rate.values())
    vat_amount = sum(vat(amount=a, vat_permille=r) for r, a in by_rate.items() if a >= 0)
    rows = [[Paragraph(h, s["bold"]) for h in HEAD], *(_line_cells(line, s) for line in lines)]
    totals = (
        ("Cộng", subtotal),
        ("Thuế GTGT (tạm tính trên phần của cơ quan)", vat_amount),
        ("Tổng cộng (đồng)", subtotal + vat_amount),
    )
    table = _table(rows, totals, s)
    story = [
        Paragraph("BẢNG KÊ PHẦN SỬ DỤNG CỦA CƠ QUAN", s["title"]),
        Paragraph(
            f"Kèm hoá đơn số <b>{_t(invoice.number_display)}</b> — kỳ tháng {invoice.period:%m/%Y}",
            s["center"],
        ),
        Spacer(1, 5 * mm),
        Paragraph(f"Cơ quan: <b>{_t(agency.name)}</b>", s["base"]),
        Paragraph(f"Bên thanh toán: {_t(invoice.buyer_name)} (hoá đơn tập trung)", s["base"]),
        Spacer(1, 4 * mm),
        table,
    ]
    pdf.build(story)
    return out.getvalue()
