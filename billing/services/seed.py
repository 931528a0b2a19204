"""Default plans, a subscription for every agency, and what happens when a pilot ends.

- `billing_seed()` (idempotent) creates the three default plans when missing — a free pilot
  of 90 days, `co-ban` and `tieu-chuan` — and starts a subscription (the default plan) for
  every agency that has none. The demo seed and `manage.py billing_seed` call it.
- `subscription_for_new_agency()` is called by provisioning, in the transaction that creates
  the agency: the requested plan when it names an existing plan, else the default pilot plan;
  nothing when no plan exists at all (a platform without billing configured).
- **Pilot end** (`pilot_ends_process`, daily beat): a pilot whose last day has passed moves,
  from the day after its last day, to the plan the province chose for after the pilot
  (`Subscription.after_pilot_plan`). Without a choice it stays on the free pilot version
  (still with the pilot's hard limits) and the provincial administrators are e-mailed once
  (`pilot_notified_on`) asking them to choose a plan; nothing is billed until they do.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.models import GIB, Payer, Plan, Subscription, SubscriptionStatus
from billing.services import plans as plan_svc
from billing.services import subscriptions as subs
from billing.services.money import local_today
from iso_platform.accounts.models import Role, User
from tenants.models import Agency, AgencyStatus
from tenants.services import events

log = logging.getLogger(__name__)

PILOT_CODE = "dung-thu"
DEFAULT_PLANS = (
    dict(
        code=PILOT_CODE,
        name="Dùng thử 90 ngày",
        is_pilot=True,
        monthly_price=0,
        included_users=30,
        included_storage_bytes=5 * GIB,
        included_applications=1_000,
        pilot_days=90,
        hard_limits=True,
    ),
    dict(
        code="co-ban",
        name="Cơ bản",
        monthly_price=1_200_000,
        included_users=15,
        included_storage_bytes=5 * GIB,
        included_applications=300,
        price_extra_user=50_000,
        price_extra_gb=20_000,
        price_extra_100_applications=150_000,
        hard_limits=True,
    ),
    dict(
        code="tieu-chuan",
        name="Tiêu chuẩn",
        monthly_price=2_500_000,
        included_users=40,
        included_storage_bytes=20 * GIB,
        included_applications=1_500,
        price_extra_user=45_000,
        price_extra_gb=15_000,
        price_extra_100_applications=120_000,
    ),
)
PLANS_FROM = date(2026, 1, 1)

MSG_PILOT_ENDED_SUBJECT = gettext_noop("[eISO] %(agency)s: hết hạn dùng thử, cần chọn gói")
MSG_PILOT_ENDED_BODY = gettext_noop(
    "Thời gian dùng thử của %(agency)s đã kết thúc ngày %(day)s nhưng chưa có gói dịch vụ "
    "sau dùng thử. Cơ quan vẫn dùng gói dùng thử miễn phí (với giới hạn của gói) cho đến khi "
    "quản trị tỉnh chọn gói tại trang Thuê bao của bảng điều khiển tỉnh."
)


def default_plan_code() -> str:
    return getattr(settings, "BILLING_DEFAULT_PLAN", PILOT_CODE)


def _default_plan() -> Plan | None:
    return (
        Plan.objects.filter(code=default_plan_code()).first()
        or Plan.objects.filter(is_pilot=True).order_by("code").first()
    )


@transaction.atomic
def billing_seed(*, today: date | None = None, by=None) -> list[str]:
    """Create what is missing; return human-readable lines of what was done."""
    today = today or local_today()
    done = []
    for spec in DEFAULT_PLANS:
        if Plan.objects.filter(code=spec["code"]).exists():
            continue
        plan_svc.plan_create(effective_from=min(PLANS_FROM, today), by=by, **spec)
        done.append(f"gói {spec['code']}")
    missing = (
        Agency.objects.agencies()
        .filter(subscription__isnull=True)
        .exclude(status=AgencyStatus.ARCHIVED)
        .order_by("code")
    )
    for agency in missing:
        if subscription_for_new_agency(agency=agency, plan_code=agency.plan_code, on=today, by=by):
            done.append(f"thuê bao {agency.code}")
    return done


def subscription_for_new_agency(
    *, agency: Agency, plan_code: str | None = None, on: date | None = None, by=None
) -> Subscription | None:
    """The requested plan when it exists, else the default (pilot) plan; None without plans."""
    plan = Plan.objects.filter(code=plan_code).first() if plan_code else None
    plan = plan or _default_plan()
    if plan is None:
        return None
    payer = getattr(settings, "BILLING_DEFAULT_PAYER", Payer.AGENCY)
    return subs.subscription_start(agency=agency, plan_code=plan.code, payer=payer, on=on, by=by)


def _province_admin_emails() -> list[str]:
    from django_tenants.utils import schema_context

    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        return list(
            User.objects.filter(role=Role.PROVINCE_ADMIN, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )


def pilot_ends_process(*, today: date | None = None) -> dict[str, int]:
    """Daily: move ended pilots to their chosen plan, or ask the province once to choose."""
    today = today or local_today()
    moved = notified = 0
    ended = Subscription.objects.filter(
        status=SubscriptionStatus.PILOT, pilot_end__lt=today
    ).select_related("agency", "after_pilot_plan", "plan_version__plan")
    for subscription in ended:
        if not subscription.plan_version.plan.is_pilot:
            continue
        day_after = subscription.pilot_end + timedelta(days=1)
        if subscription.after_pilot_plan_id:
            try:
                subs.subscription_change(
                    agency=subscription.agency,
                    plan_code=subscription.after_pilot_plan.code,
                    on=day_after,
                )
                moved += 1
            except Exception:  # one agency's problem must not stop the others
                log.exception("pilot end: could not move agency %s", subscription.agency_id)
            continue
        if subscription.pilot_notified_on is not None:
            continue
        with transaction.atomic():
            Subscription.objects.filter(pk=subscription.pk).update(pilot_notified_on=today)
            events.record(
                agency=subscription.agency,
                action="pilot_ended_without_plan",
                actor=None,
                detail={"pilot_end": str(subscription.pilot_end)},
            )
            values = {
                "agency": subscription.agency.name,
                "day": f"{subscription.pilot_end:%d/%m/%Y}",
            }
            recipients = _province_admin_emails()
            if recipients:
                transaction.on_commit(
                    lambda v=values, r=recipients: send_mail(
                        _(MSG_PILOT_ENDED_SUBJECT) % v,
                        _(MSG_PILOT_ENDED_BODY) % v,
                        None,
                        r,
                        fail_silently=True,
                    )
                )
        notified += 1
    return {"moved": moved, "notified": notified}
