"""Monthly invoices, payments, voiding (credit notes) and overdue marking.

Rules (billing/README.md has them with examples):

- **Base and proration.** Each subscription period overlapping the month gives one line: the
  monthly price if it covers the whole month (base), else price × days used / days in the
  month, rounded half up to a whole dong (proration). Free versions (pilot) give no line.
- **Overage.** Measured over the days of the month spent on a paid version, against the
  included quantities of the last paid version of the month (not prorated): users = the peak
  of daily active users; storage = the peak of daily bytes, in started GB (1 GB = 2^30
  bytes); applications = the month's sum, in started blocks of 100.
- **VAT.** Per invoice and per rate: the sum of the lines at that rate × rate / 1000,
  rounded half up to a whole dong (not line by line).
- **Numbering.** Per payer and per year of issue, 1, 2, 3... with no gap: the counter row is
  locked FOR UPDATE and incremented in the same transaction that writes the invoice, one
  transaction per payer. At most one live (not void) invoice per payer and month (a partial
  unique constraint, and a check under the counter's lock), so a re-run, a concurrent run
  or a run after a crash makes nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.models import (
    GIB,
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Payer,
    PlanVersion,
    SubscriptionPeriod,
    UsageDaily,
)
from billing.services.money import ceil_div, format_vnd, local_today, prorate, vat
from billing.services.seller import seller_require
from iso_platform.months import days_in_month, month_end_exclusive, month_start, previous_month
from tenants.models import Agency
from tenants.services import events

log = logging.getLogger(__name__)

PROVINCE_KEY = "province"
MSG_MONTH_OPEN = gettext_noop("Tháng %(month)s chưa kết thúc, chưa lập hoá đơn được.")
MSG_NOT_PAYABLE = gettext_noop("Chỉ ghi nhận thanh toán cho hoá đơn đã phát hành hoặc quá hạn.")
MSG_REFERENCE = gettext_noop("Cần mã giao dịch chuyển khoản (tối đa 100 ký tự).")
MSG_NOT_VOIDABLE = gettext_noop("Chỉ huỷ được hoá đơn đã phát hành hoặc quá hạn, chưa thanh toán.")
MSG_REASON = gettext_noop("Cần lý do huỷ hoá đơn (tối đa 500 ký tự).")


def payment_term_days() -> int:
    return getattr(settings, "BILLING_PAYMENT_TERM_DAYS", 30)


def payer_key_for(payer: str, agency: Agency | None) -> str:
    return PROVINCE_KEY if payer == Payer.PROVINCE else f"agency:{agency.pk}"


@dataclass
class DraftLine:
    agency: Agency
    kind: str
    description: str
    quantity: int
    unit_price: int
    amount: int
    vat_permille: int
    plan_version: PlanVersion | None = None
    period_from: date | None = None
    period_to: date | None = None


# --------------------------------------------------------------------------- computing lines


def _periods(month: date, payer_key: str):
    m0, m1 = month_start(month), month_end_exclusive(month)
    periods = SubscriptionPeriod.objects.filter(valid_from__lt=m1).filter(
        Q(valid_to=None) | Q(valid_to__gt=m0)
    )
    if payer_key == PROVINCE_KEY:
        agencies = periods.filter(payer=Payer.PROVINCE).values("subscription__agency")
    else:
        agencies = [int(payer_key.split(":", 1)[1])]
    return (
        periods.filter(subscription__agency__in=agencies)
        .select_related("plan_version__plan", "subscription__agency")
        .order_by("subscription__agency__name", "subscription__agency_id", "valid_from")
    )


def _overlap(period, m0: date, m1: date) -> tuple[date, date]:
    """[start, end) of the period inside the month."""
    return max(period.valid_from, m0), min(period.valid_to or m1, m1)


def month_lines(*, month: date, payer_key: str) -> list[DraftLine]:
    """The lines one payer owes for `month` (not saved)."""
    m0, m1 = month_start(month), month_end_exclusive(month)
    n_days = days_in_month(m0)
    by_agency: dict[int, list] = {}
    for period in _periods(m0, payer_key):
        by_agency.setdefault(period.subscription.agency_id, []).append(period)
    lines: list[DraftLine] = []
    for periods in by_agency.values():
        agency = periods[0].subscription.agency
        paid = []
        for period in periods:
            start, end = _overlap(period, m0, m1)
            version = period.plan_version
            if version.is_free or version.plan.is_pilot:
                continue
            paid.append((period, start, end))
            if payer_key_for(period.payer, agency) != payer_key:
                continue
            days = (end - start).days
            last = end - timedelta(days=1)
            if days == n_days:
                amount = version.monthly_price
                kind = LineKind.BASE
                text = f"Phí thuê bao gói {version.plan.name}, tháng {m0:%m/%Y}"
            else:
                amount = prorate(
                    monthly_price=version.monthly_price, days=days, days_in_month=n_days
                )
                kind = LineKind.PRORATION
                text = (
                    f"Phí thuê bao gói {version.plan.name} theo ngày: "
                    f"{format_vnd(version.monthly_price)} đ × {days}/{n_days} ngày "
                    f"({start:%d/%m}–{last:%d/%m/%Y})"
                )
            lines.append(
                DraftLine(
                    agency,
                    kind,
                    text,
                    1,
                    amount,
                    amount,
                    version.vat_permille,
                    version,
                    start,
                    last,
                )
            )
        if paid:
            period = paid[-1][0]
            if payer_key_for(period.payer, agency) == payer_key:
                lines += _overage(agency, m0, paid)
    return lines


def _overage(agency: Agency, m0: date, paid) -> list[DraftLine]:
    version = paid[-1][0].plan_version
    days = Q()
    for _period, start, end in paid:
        days |= Q(day__gte=start, day__lt=end)
    usage = UsageDaily.objects.filter(days, agency=agency).aggregate(
        users=Max("active_users"), storage=Max("storage_bytes"), apps=Sum("applications_received")
    )
    first, last = paid[0][1], paid[-1][2] - timedelta(days=1)
    span = f"{first:%d/%m}–{last:%d/%m/%Y}"
    lines = []
    extra_users = max(0, (usage["users"] or 0) - version.included_users)
    if extra_users and version.price_extra_user:
        lines.append(
            DraftLine(
                agency,
                LineKind.OVERAGE,
                f"Người dùng vượt định mức ({usage['users']} so với {version.included_users}, "
                f"cao nhất trong ngày, {span})",
                extra_users,
                version.price_extra_user,
                extra_users * version.price_extra_user,
                version.vat_permille,
                version,
                first,
                last,
            )
        )
    extra_bytes = (usage["storage"] or 0) - version.included_storage_bytes
    if extra_bytes > 0 and version.price_extra_gb:
        gb = ceil_div(extra_bytes, GIB)
        lines.append(
            DraftLine(
                agency,
                LineKind.OVERAGE,
                f"Dung lượng lưu trữ vượt định mức: {gb} GB ({span})",
                gb,
                version.price_extra_gb,
                gb * version.price_extra_gb,
                version.vat_permille,
                version,
                first,
                last,
            )
        )
    extra_apps = (usage["apps"] or 0) - version.included_applications
    if extra_apps > 0 and version.price_extra_100_applications:
        blocks = ceil_div(extra_apps, 100)
        lines.append(
            DraftLine(
                agency,
                LineKind.OVERAGE,
                f"Hồ sơ tiếp nhận vượt định mức: {usage['apps']} so với "
                f"{version.included_applications}, {blocks} khối 100 hồ sơ ({span})",
                blocks,
                version.price_extra_100_applications,
                blocks * version.price_extra_100_applications,
                version.vat_permille,
                version,
                first,
                last,
            )
        )
    return lines


def totals(lines) -> tuple[int, int, int]:
    """(subtotal, VAT, total); VAT per rate on the sum of that rate's lines, half up."""
    by_rate: dict[int, int] = {}
    for line in lines:
        by_rate[line.vat_permille] = by_rate.get(line.vat_permille, 0) + line.amount
    subtotal = sum(by_rate.values())
    vat_amount = sum(vat(amount=amount, vat_permille=rate) for rate, amount in by_rate.items())
    return subtotal, vat_amount, subtotal + vat_amount


# --------------------------------------------------------------------------- issuing


def _payer_keys(month: date) -> list[str]:
    m0, m1 = month_start(month), month_end_exclusive(month)
    rows = (
        SubscriptionPeriod.objects.filter(valid_from__lt=m1)
        .filter(Q(valid_to=None) | Q(valid_to__gt=m0))
        .values_list("payer", "subscription__agency_id")
        .distinct()
    )
    keys = {PROVINCE_KEY if payer == Payer.PROVINCE else f"agency:{pk}" for payer, pk in rows}
    return sorted(keys)


def _counter_next(payer_key: str, year: int) -> int:
    """The next number of the series, under a row lock held until the transaction ends."""
    InvoiceCounter.objects.bulk_create(
        [InvoiceCounter(payer_key=payer_key, year=year)], ignore_conflicts=True
    )
    counter = InvoiceCounter.objects.select_for_update().get(payer_key=payer_key, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _lock_series(payer_key: str, year: int) -> None:
    InvoiceCounter.objects.bulk_create(
        [InvoiceCounter(payer_key=payer_key, year=year)], ignore_conflicts=True
    )
    InvoiceCounter.objects.select_for_update().get(payer_key=payer_key, year=year)


def _buyer(payer_key: str) -> tuple[str, Agency | None]:
    if payer_key == PROVINCE_KEY:
        province = Agency.objects.filter(schema_name=settings.PUBLIC_SCHEMA_NAME).first()
        return (province.name if province else "Ủy ban nhân dân tỉnh"), None
    agency = Agency.objects.get(pk=int(payer_key.split(":", 1)[1]))
    return agency.name, agency


def _save_lines(invoice: Invoice, lines) -> None:
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                position=position,
                agency=line.agency,
                kind=line.kind,
                description=line.description[:500],
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                vat_permille=line.vat_permille,
                plan_version=line.plan_version,
                period_from=line.period_from,
                period_to=line.period_to,
            )
            for position, line in enumerate(lines, start=1)
        ]
    )


def _moment(day: date):
    """The issue time: now, or the start of `day` (local) when issuing for another day."""
    now = timezone.now()
    if day == timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.combine(day, time.min))


def invoice_issue_for(*, payer_key: str, month: date, today: date | None = None) -> Invoice | None:
    """Issue the invoice of one payer for `month`, or nothing if it exists or is zero.

    One transaction: the series lock, the existence check, the number, the invoice and its
    lines commit together or not at all."""
    seller_require()
    today = today or local_today()
    m0 = month_start(month)
    with transaction.atomic():
        _lock_series(payer_key, today.year)  # serialises every issuing run for this payer
        live = Invoice.objects.filter(kind=InvoiceKind.INVOICE, payer_key=payer_key, period=m0)
        if live.exclude(status=InvoiceStatus.VOID).exists():
            return None
        lines = month_lines(month=m0, payer_key=payer_key)
        subtotal, vat_amount, total = totals(lines)
        if not lines or total == 0:
            return None
        buyer_name, agency = _buyer(payer_key)
        invoice = Invoice.objects.create(
            kind=InvoiceKind.INVOICE,
            payer=Payer.PROVINCE if agency is None else Payer.AGENCY,
            payer_key=payer_key,
            agency=agency,
            buyer_name=buyer_name,
            period=m0,
            year=today.year,
            number=_counter_next(payer_key, today.year),
            subtotal=subtotal,
            vat_amount=vat_amount,
            total=total,
            issued_at=_moment(today),
            due_on=today + timedelta(days=payment_term_days()),
        )
        _save_lines(invoice, lines)
    log.info("invoice %s issued for %s: %s dong", invoice, payer_key, total)
    return invoice


def invoices_issue(*, month: date | None = None, today: date | None = None) -> list[Invoice]:
    """Invoice every payer for `month` (default: the month before `today`, Asia/Ho_Chi_Minh).
    One transaction per payer; a payer that fails is logged and the others still go; the
    first failure is raised at the end. Re-running issues only what is missing."""
    today = today or local_today()
    month = month_start(month) if month else previous_month(today)
    if month >= month_start(today):
        raise ValidationError(_(MSG_MONTH_OPEN) % {"month": f"{month:%m/%Y}"}, code="month_open")
    seller_require()  # before any payer: a run without the seller's details issues nothing
    issued, failed = [], []
    for payer_key in _payer_keys(month):
        try:
            invoice = invoice_issue_for(payer_key=payer_key, month=month, today=today)
        except Exception as exc:  # one payer's failure must not hold back the others
            log.exception("invoicing %s for %s failed", payer_key, month)
            failed.append(exc)
            continue
        if invoice is not None:
            issued.append(invoice)
    if failed:
        raise failed[0]  # the run is reported failed; a re-run issues only what is missing
    return issued


# --------------------------------------------------------------------------- after issuing


def _label(by) -> str:
    return getattr(by, "email", "") or "system"


def _event(invoice: Invoice, action: str, by, detail: dict) -> None:
    if invoice.agency_id:
        events.record(agency=invoice.agency, action=action, actor=by, detail=detail)


@transaction.atomic
def invoice_pay(*, invoice: Invoice, reference: str, by) -> Invoice:
    """Record the bank transfer that paid the invoice (the provincial administrator)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    reference = (reference or "").strip()
    if invoice.kind != InvoiceKind.INVOICE or invoice.status not in (
        InvoiceStatus.ISSUED,
        InvoiceStatus.OVERDUE,
    ):
        raise ValidationError(_(MSG_NOT_PAYABLE), code="not_payable")
    if not reference or len(reference) > 100:
        raise ValidationError({"reference": _(MSG_REFERENCE)})
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = timezone.now()
    invoice.paid_reference = reference
    invoice.paid_by_label = _label(by)
    invoice.save(update_fields=["status", "paid_at", "paid_reference", "paid_by_label"])
    _event(invoice, "invoice_paid", by, {"invoice": invoice.number_display, "ref": reference})
    # A cycle otherwise: billing.services.dunning imports this module.
    from billing.services.dunning import restore_after_payment

    restore_after_payment(invoice=invoice)  # same transaction: writable again at once
    return invoice


@transaction.atomic
def invoice_void(*, invoice: Invoice, reason: str, by, today: date | None = None) -> Invoice:
    """Void an unpaid invoice: it stays, marked void with the reason, and a credit note
    (negative lines, next number of the payer's series) cancels it. Returns the credit note."""
    today = today or local_today()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    reason = (reason or "").strip()
    if invoice.kind != InvoiceKind.INVOICE or invoice.status not in (
        InvoiceStatus.ISSUED,
        InvoiceStatus.OVERDUE,
    ):
        raise ValidationError(_(MSG_NOT_VOIDABLE), code="not_voidable")
    if not reason or len(reason) > 500:
        raise ValidationError({"reason": _(MSG_REASON)})
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = timezone.now()
    invoice.void_reason = reason
    invoice.voided_by_label = _label(by)
    invoice.save(update_fields=["status", "voided_at", "void_reason", "voided_by_label"])
    credit = Invoice.objects.create(
        kind=InvoiceKind.CREDIT_NOTE,
        payer=invoice.payer,
        payer_key=invoice.payer_key,
        agency=invoice.agency,
        buyer_name=invoice.buyer_name,
        period=invoice.period,
        year=today.year,
        number=_counter_next(invoice.payer_key, today.year),
        subtotal=-invoice.subtotal,
        vat_amount=-invoice.vat_amount,
        total=-invoice.total,
        issued_at=_moment(today),
        due_on=today,
        credit_for=invoice,
    )
    _save_lines(
        credit,
        [
            DraftLine(
                line.agency,
                LineKind.CREDIT,
                f"Điều chỉnh giảm hoá đơn {invoice.number_display}: {line.description}",
                line.quantity,
                -line.unit_price,
                -line.amount,
                line.vat_permille,
                line.plan_version,
                line.period_from,
                line.period_to,
            )
            for line in invoice.lines.select_related("agency").order_by("position")
            # A cycle otherwise: billing.services.dunning imports this module.
        ],
    )
    _event(
        invoice,
        "invoice_voided",
        by,
        {"invoice": invoice.number_display, "credit_note": credit.number_display, "reason": reason},
    )
    # A cycle otherwise: billing.services.dunning imports this module.
    from billing.services.dunning import restore_after_payment

    restore_after_payment(invoice=invoice)  # a voided invoice no longer holds anyone back
    return credit


def invoices_mark_overdue(*, today: date | None = None) -> int:
    """Issued invoices past their due date become overdue. Returns how many changed."""
    today = today or local_today()
    return Invoice.objects.filter(
        kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED, due_on__lt=today
    ).update(status=InvoiceStatus.OVERDUE)


# --------------------------------------------------------------------------- one agency's view


def invoices_for_agency(*, agency: Agency):
    """The invoices and credit notes an agency pays itself; never another payer's."""
    return Invoice.objects.filter(payer=Payer.AGENCY, agency=agency).order_by("-period", "-id")


def invoice_for_agency(*, agency: Agency, pk: int) -> Invoice:
    """One of the agency's own invoices; Invoice.DoesNotExist for anyone else's."""
    return invoices_for_agency(agency=agency).get(pk=pk)


def invoice_lines_for_agency(*, agency: Agency):
    """The lines billed for this agency, its own invoices' and its block of the province's
    consolidated invoice, never another agency's lines."""
    return (
        InvoiceLine.objects.filter(agency=agency)
        .select_related("invoice")
        .order_by("-invoice__period", "invoice_id", "position")
    )
