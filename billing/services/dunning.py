"""Dunning: reminders for overdue invoices, then read-only, and back at payment.

Rule (daily beat `billing.dunning`, after `invoices_mark_overdue`):

1. An invoice still unpaid after its due date is `overdue`; its agencies' subscriptions
   become **past due** (the agency itself, or every agency with lines on the province's
   consolidated invoice) and a reminder e-mail goes to the agency's administrators (and to
   the provincial administrators for a consolidated invoice), then again every
   `BILLING_REMINDER_EVERY_DAYS` (default 7) days while it stays unpaid.
2. More than `BILLING_GRACE_DAYS` (default 15) days after the due date the subscription is
   **suspended**: the agency is read-only (tenants/middleware.py refuses every write but
   signing in and out, in Vietnamese; reading works; nothing is deleted).
3. `invoice_pay` (and `invoice_void`) calls `restore_after_payment` in its transaction:
   each agency of the paid invoice with no other overdue invoice goes back to active
   (pilot if it is on a pilot plan) at once.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import schema_context

from billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Payer,
    Subscription,
    SubscriptionStatus,
)
from billing.services.invoicing import invoices_mark_overdue
from billing.services.limits import warnings_clear
from billing.services.money import format_vnd, local_today
from billing.services.seed import _province_admin_emails
from iso_platform.accounts.models import User
from tenants.models import Agency
from tenants.services import events

log = logging.getLogger(__name__)

MSG_READ_ONLY = gettext_noop(
    "Cơ quan đang bị tạm khoá ghi do hoá đơn quá hạn thanh toán: chỉ xem. Dữ liệu được giữ "
    "nguyên; quyền ghi được mở lại ngay khi tỉnh ghi nhận thanh toán."
)
MSG_PAST_DUE = gettext_noop(
    "Có hoá đơn quá hạn thanh toán. Nếu chưa thanh toán sau %(days)s ngày quá hạn, cơ quan "
    "sẽ chuyển sang chế độ chỉ xem."
)
MSG_PILOT_ENDED = gettext_noop(
    "Thời gian dùng thử đã kết thúc ngày %(day)s; tỉnh sẽ chọn gói dịch vụ cho cơ quan."
)
MSG_REMINDER_SUBJECT = gettext_noop("[eISO] Nhắc thanh toán hoá đơn %(number)s")
MSG_REMINDER_BODY = gettext_noop(
    "Hoá đơn %(number)s (%(buyer)s, kỳ %(period)s) số tiền %(total)s đồng đã quá hạn thanh "
    "toán từ ngày %(due)s. Sau %(grace)s ngày quá hạn, các cơ quan liên quan sẽ chỉ còn quyền "
    "xem cho đến khi thanh toán được ghi nhận. Vui lòng chuyển khoản và báo mã giao dịch cho "
    "quản trị hệ thống cấp tỉnh."
)


def grace_days() -> int:
    return getattr(settings, "BILLING_GRACE_DAYS", 15)


def reminder_every_days() -> int:
    return getattr(settings, "BILLING_REMINDER_EVERY_DAYS", 7)


def status_message(subscription: Subscription) -> str:
    if subscription.status == SubscriptionStatus.SUSPENDED:
        return _(MSG_READ_ONLY)
    if subscription.status == SubscriptionStatus.PAST_DUE:
        return _(MSG_PAST_DUE) % {"days": grace_days()}
    if (
        subscription.status == SubscriptionStatus.PILOT
        and subscription.pilot_end
        and subscription.pilot_end < local_today()
    ):
        return _(MSG_PILOT_ENDED) % {"day": f"{subscription.pilot_end:%d/%m/%Y}"}
    return ""


def is_read_only(agency_id: int) -> bool:
    """The middleware's question on each write to an active agency (one indexed query)."""
    return Subscription.objects.filter(
        agency_id=agency_id, status=SubscriptionStatus.SUSPENDED
    ).exists()


def invoice_agency_ids(invoice: Invoice) -> list[int]:
    if invoice.payer == Payer.AGENCY:
        return [invoice.agency_id]
    return sorted(set(invoice.lines.values_list("agency_id", flat=True)))


def _set_status(agency_id: int, status: str, *, reason: str, keep: tuple[str, ...] = ()) -> bool:
    """Move the agency's subscription to `status`, unless it is already there, cancelled or
    in one of the `keep` statuses."""
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("agency", "plan_version__plan")
        .filter(agency_id=agency_id)
        .first()
    )
    if subscription is None or subscription.status in (
        status,
        SubscriptionStatus.CANCELLED,
        *keep,
    ):
        return False
    was = subscription.status
    subscription.status = status
    subscription.status_changed_at = timezone.now()
    subscription.save(update_fields=["status", "status_changed_at", "updated_at"])
    events.record(
        agency=subscription.agency,
        action=f"subscription_{status}",
        actor=None,
        detail={"from": was, "reason": reason},
    )

    warnings_clear(subscription.agency)
    return True


def _admin_emails(agency_id: int) -> list[str]:

    agency = Agency.objects.get(pk=agency_id)
    with schema_context(agency.schema_name):
        return list(
            User.objects.filter(is_agency_admin=True, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )


def _remind(invoice: Invoice, agency_ids: list[int]) -> int:

    recipients = []
    for agency_id in agency_ids:
        recipients += _admin_emails(agency_id)
    if invoice.payer == Payer.PROVINCE:
        recipients += _province_admin_emails()
    recipients = sorted(set(recipients))
    values = {
        "number": invoice.number_display,
        "buyer": invoice.buyer_name,
        "period": f"{invoice.period:%m/%Y}",
        "total": format_vnd(invoice.total),
        "due": f"{invoice.due_on:%d/%m/%Y}",
        "grace": grace_days(),
    }
    if recipients:
        transaction.on_commit(
            lambda: send_mail(
                _(MSG_REMINDER_SUBJECT) % values,
                _(MSG_REMINDER_BODY) % values,
                None,
                recipients,
                fail_silently=True,
            )
        )
    return len(recipients)


def dunning_run(*, today: date | None = None) -> dict[str, int]:
    """Daily: reminders, past due, suspension. One transaction per overdue invoice."""

    today = today or local_today()
    invoices_mark_overdue(today=today)
    counts = {"reminded": 0, "past_due": 0, "suspended": 0}
    overdue = Invoice.objects.filter(
        kind=InvoiceKind.INVOICE, status=InvoiceStatus.OVERDUE
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            invoice = Invoice.objects.select_for_update().get(pk=pk)
            if invoice.status != InvoiceStatus.OVERDUE:
                continue
            agency_ids = invoice_agency_ids(invoice)
            late = (today - invoice.due_on).days
            if invoice.last_reminder_on is None or (
                today - invoice.last_reminder_on >= timedelta(days=reminder_every_days())
            ):
                _remind(invoice, agency_ids)
                invoice.reminders_sent += 1
                invoice.last_reminder_on = today
                invoice.save(update_fields=["reminders_sent", "last_reminder_on"])
                counts["reminded"] += 1
            status = (
                SubscriptionStatus.SUSPENDED if late > grace_days() else SubscriptionStatus.PAST_DUE
            )
            for agency_id in agency_ids:
                # never back from suspended to past due but by a payment
                if _set_status(
                    agency_id,
                    status,
                    reason=invoice.number_display,
                    keep=(SubscriptionStatus.SUSPENDED,),
                ):
                    counts[
                        "past_due" if status == SubscriptionStatus.PAST_DUE else "suspended"
                    ] += 1
    return counts


def _still_overdue(agency_id: int, *, except_pk: int) -> bool:
    own = Invoice.objects.filter(
        kind=InvoiceKind.INVOICE, status=InvoiceStatus.OVERDUE, agency_id=agency_id
    )
    via_province = InvoiceLine.objects.filter(
        agency_id=agency_id,
        invoice__kind=InvoiceKind.INVOICE,
        invoice__status=InvoiceStatus.OVERDUE,
        invoice__payer=Payer.PROVINCE,
    )
    return own.exclude(pk=except_pk).exists() or via_province.exclude(invoice_id=except_pk).exists()


def restore_after_payment(*, invoice: Invoice) -> list[int]:
    """Called by `invoice_pay` inside its transaction: lift past due / read-only at once."""
    restored = []
    for agency_id in invoice_agency_ids(invoice):
        subscription = (
            Subscription.objects.filter(agency_id=agency_id)
            .select_related("plan_version__plan")
            .first()
        )
        if subscription is None or subscription.status not in (
            SubscriptionStatus.PAST_DUE,
            SubscriptionStatus.SUSPENDED,
        ):
            continue
        if _still_overdue(agency_id, except_pk=invoice.pk):
            continue
        back = (
            SubscriptionStatus.PILOT
            if subscription.plan_version.plan.is_pilot
            else SubscriptionStatus.ACTIVE
        )
        if _set_status(agency_id, back, reason=f"paid {invoice.number_display}"):
            restored.append(agency_id)
    return restored
