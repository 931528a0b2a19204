"""Subscriptions: one per agency, with the history of its periods (plan version and payer
over [valid_from, valid_to)). Invoicing prorates by day from these periods.

Days are calendar days in Asia/Ho_Chi_Minh. A change `on` a day takes effect from that day:
the old period covers the days before it, the new one that day and after.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.models import (
    InvoiceLine,
    InvoiceStatus,
    Payer,
    PlanVersion,
    Subscription,
    SubscriptionPeriod,
    SubscriptionStatus,
)
from billing.services.invoicing import invoice_issue_for, payer_key_for
from billing.services.money import local_today
from billing.services.plans import plan_get, plan_version_on
from iso_platform.forms import error_text
from iso_platform.months import month_start
from tenants.models import Agency
from tenants.services import events

log = logging.getLogger(__name__)

MSG_ALREADY = gettext_noop("Cơ quan này đã có thuê bao.")
MSG_NONE = gettext_noop("Cơ quan này chưa có thuê bao.")
MSG_PUBLIC = gettext_noop("Lược đồ chung cấp tỉnh không có thuê bao.")
MSG_PAYER = gettext_noop("Bên chi trả phải là cơ quan hoặc tỉnh.")
MSG_BEFORE_PERIOD = gettext_noop(
    "Không thể thay đổi từ ngày %(day)s: thuê bao đã có thay đổi từ ngày %(since)s."
)
MSG_INVOICED = gettext_noop(
    "Tháng %(month)s đã lập hoá đơn; thay đổi chỉ áp dụng từ tháng sau (hoặc huỷ hoá đơn trước)."
)
MSG_CANCELLED = gettext_noop("Thuê bao đã huỷ.")
MSG_SAME = gettext_noop("Thuê bao đang dùng đúng gói và bên chi trả này.")
MSG_MERGED = gettext_noop(
    "Cơ quan này đã hợp nhất vào %(name)s: thuê bao đã kết thúc, không thay đổi gói được nữa."
)


def _check_not_merged(agency: Agency) -> None:
    """A merged agency has no data and no users left: nothing of it is billable any more."""
    if agency.merged_into_id:
        raise ValidationError(_(MSG_MERGED) % {"name": agency.merged_into.name}, code="merged")


def subscription_check_changeable(subscription: Subscription) -> None:
    """Why the subscription's plan or payer cannot change any more (ValidationError), if so."""
    _check_not_merged(subscription.agency)
    if subscription.status == SubscriptionStatus.CANCELLED:
        raise ValidationError(_(MSG_CANCELLED), code="cancelled")


def _check_payer(payer: str) -> None:
    if payer not in Payer.values:
        raise ValidationError({"payer": _(MSG_PAYER)})


def _check_not_invoiced(agency: Agency, day: date) -> None:
    """No change may reach back into a month already invoiced for this agency."""
    month = month_start(day)
    invoiced = (
        InvoiceLine.objects.filter(agency=agency, invoice__period__gte=month)
        .exclude(invoice__status=InvoiceStatus.VOID)
        .exclude(invoice__credit_for__isnull=False)
        .order_by("-invoice__period")
        .values_list("invoice__period", flat=True)
        .first()
    )
    if invoiced is not None:
        raise ValidationError(_(MSG_INVOICED) % {"month": f"{invoiced:%m/%Y}"}, code="invoiced")


@transaction.atomic
def subscription_start(
    *, agency: Agency, plan_code: str, payer: str = Payer.AGENCY, on: date | None = None, by=None
) -> Subscription:
    """Subscribe an agency from `on` (default: today). A pilot plan sets `pilot_end`
    (inclusive) to `on` + the version's pilot days − 1."""
    on = on or local_today()
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.is_public:
        raise ValidationError(_(MSG_PUBLIC), code="public")
    _check_not_merged(agency)
    if Subscription.objects.filter(agency=agency).exists():
        raise ValidationError(_(MSG_ALREADY), code="exists")
    _check_payer(payer)
    plan = plan_get(code=plan_code)
    version = plan_version_on(plan=plan, day=on)
    subscription = Subscription.objects.create(
        agency=agency,
        plan_version=version,
        payer=payer,
        started_on=on,
        pilot_end=on + timedelta(days=version.pilot_days - 1) if plan.is_pilot else None,
        status=SubscriptionStatus.PILOT if plan.is_pilot else SubscriptionStatus.ACTIVE,
    )
    SubscriptionPeriod.objects.create(
        subscription=subscription, plan_version=version, payer=payer, valid_from=on
    )
    agency.plan_code = plan.code
    agency.save(update_fields=["plan_code", "updated_at"])
    events.record(
        agency=agency,
        action="subscription_started",
        actor=by,
        detail={"plan": plan.code, "version": version.version, "payer": payer, "on": str(on)},
    )
    return subscription


def _locked(agency: Agency) -> Subscription:
    try:
        return (
            Subscription.objects.select_for_update()
            .select_related("agency", "plan_version__plan")
            .get(agency=agency)
        )
    except Subscription.DoesNotExist:
        raise ValidationError(_(MSG_NONE), code="no_subscription") from None


def _move(subscription: Subscription, version: PlanVersion, payer: str, on: date) -> None:
    """Close the open period the day before `on` and open a new one from `on`."""
    current = subscription.periods.select_for_update().get(valid_to=None)
    if on < current.valid_from:
        raise ValidationError(
            _(MSG_BEFORE_PERIOD)
            % {"day": f"{on:%d/%m/%Y}", "since": f"{current.valid_from:%d/%m/%Y}"},
            code="before_period",
        )
    _check_not_invoiced(subscription.agency, on)
    if on == current.valid_from:  # same day: the new terms replace the old ones entirely
        current.plan_version = version
        current.payer = payer
        current.save(update_fields=["plan_version", "payer"])
    else:
        current.valid_to = on
        current.save(update_fields=["valid_to"])
        SubscriptionPeriod.objects.create(
            subscription=subscription, plan_version=version, payer=payer, valid_from=on
        )


@transaction.atomic
def subscription_change(
    *,
    agency: Agency,
    plan_code: str | None = None,
    on: date | None = None,
    payer: str | None = None,
    by=None,
) -> Subscription:
    """Move the agency to `plan_code` (the version in force on `on`) and/or to another payer,
    from `on` (default: today) on. Leaving a pilot ends it the day before `on`."""
    on = on or local_today()
    subscription = _locked(agency)
    subscription_check_changeable(subscription)
    plan = plan_get(code=plan_code) if plan_code else subscription.plan_version.plan
    version = plan_version_on(plan=plan, day=on)
    payer = payer or subscription.payer
    _check_payer(payer)
    if version.pk == subscription.plan_version_id and payer == subscription.payer:
        raise ValidationError(_(MSG_SAME), code="same")
    _move(subscription, version, payer, on)
    was = subscription.plan_version
    subscription.plan_version = version
    subscription.payer = payer
    if was.plan.is_pilot and not plan.is_pilot:
        last_pilot_day = on - timedelta(days=1)
        if subscription.pilot_end is None or subscription.pilot_end > last_pilot_day:
            subscription.pilot_end = last_pilot_day
    if subscription.status == SubscriptionStatus.PILOT and not plan.is_pilot:
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.status_changed_at = timezone.now()
    subscription.save()
    if subscription.agency.plan_code != plan.code:
        subscription.agency.plan_code = plan.code
        subscription.agency.save(update_fields=["plan_code", "updated_at"])
    events.record(
        agency=subscription.agency,
        action="subscription_changed",
        actor=by,
        detail={
            "from": f"{was.plan.code} v{was.version}",
            "to": f"{plan.code} v{version.version}",
            "payer": payer,
            "on": str(on),
        },
    )
    return subscription


@transaction.atomic
def subscription_cancel(*, agency: Agency, on: date | None = None, by=None) -> Subscription:
    """Stop billing from `on` (the last billed day is the day before)."""
    on = on or local_today()
    subscription = _locked(agency)
    if subscription.status == SubscriptionStatus.CANCELLED:
        raise ValidationError(_(MSG_CANCELLED), code="cancelled")
    current = subscription.periods.select_for_update().get(valid_to=None)
    if on <= current.valid_from:
        raise ValidationError(
            _(MSG_BEFORE_PERIOD)
            % {"day": f"{on:%d/%m/%Y}", "since": f"{current.valid_from:%d/%m/%Y}"},
            code="before_period",
        )
    _check_not_invoiced(subscription.agency, on)
    current.valid_to = on
    current.save(update_fields=["valid_to"])
    subscription.status = SubscriptionStatus.CANCELLED
    subscription.status_changed_at = timezone.now()
    subscription.save(update_fields=["status", "status_changed_at", "updated_at"])
    events.record(
        agency=subscription.agency,
        action="subscription_cancelled",
        actor=by,
        detail={"on": str(on)},
    )
    return subscription


@transaction.atomic
def subscription_end_merged(*, agency: Agency, into: str = "", by=None) -> Subscription | None:
    """The agency was merged into another (the `merged_into` event, billing/receivers.py):
    its subscription ends today, in the merge's transaction. Today is the last day billed,
    prorated; an agency paying itself on a paid plan gets its final invoice at once, after
    the commit (one on the province's account is on the province's invoice of the month)."""
    try:
        subscription = _locked(agency)
    except ValidationError:
        return None  # never subscribed: nothing to end
    if subscription.status == SubscriptionStatus.CANCELLED:
        return subscription
    current = subscription.periods.select_for_update().get(valid_to=None)
    # The period ends after today (exclusive end); a period that began today keeps one day.
    end = max(local_today(), current.valid_from) + timedelta(days=1)
    current.valid_to = end
    current.save(update_fields=["valid_to"])
    subscription.status = SubscriptionStatus.CANCELLED
    subscription.status_changed_at = timezone.now()
    subscription.save(update_fields=["status", "status_changed_at", "updated_at"])
    events.record(
        agency=subscription.agency,
        action="subscription_cancelled",
        actor=by,
        detail={"on": str(end), "reason": "merged", "into": into},
    )
    version = current.plan_version
    if current.payer == Payer.AGENCY and not (version.is_free or version.plan.is_pilot):
        last_day = end - timedelta(days=1)
        transaction.on_commit(
            lambda: _final_invoice(agency_id=subscription.agency_id, last_day=last_day)
        )
    return subscription


def _final_invoice(*, agency_id: int, last_day: date) -> None:
    """Issued in its own transaction after the merge committed: a refusal (the seller's
    details missing) leaves the merge done; the monthly run then issues the same invoice
    (one per payer and month)."""
    agency = Agency.objects.get(pk=agency_id)
    try:
        invoice_issue_for(payer_key=payer_key_for(Payer.AGENCY, agency), month=last_day)
    except ValidationError as exc:
        log.warning(
            "final invoice of merged agency %s left to the monthly run: %s",
            agency.code,
            error_text(exc),
        )


def plan_version_apply(*, version: PlanVersion, by=None) -> int:
    """Move every subscription on an older version of the same plan to `version` from its
    `effective_from` on (one transaction per subscription). Returns how many moved."""
    moved = 0
    older = (
        SubscriptionPeriod.objects.filter(
            valid_to=None,
            plan_version__plan=version.plan,
            plan_version__effective_from__lt=version.effective_from,
        )
        .exclude(subscription__status=SubscriptionStatus.CANCELLED)
        .select_related("subscription__agency")
    )
    for period in older:
        subscription_change(
            agency=period.subscription.agency,
            plan_code=version.plan.code,
            on=max(version.effective_from, period.valid_from),
            by=by,
        )
        moved += 1
    return moved
