"""Plans and their versions. A version is never edited: a price change is a new version
from a date on. Invoices copy prices into their lines, so past invoices never change."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.models import Plan, PlanVersion

MSG_PLAN_CODE_TAKEN = gettext_noop("Đã có gói dịch vụ mã “%(code)s”.")
MSG_PLAN_UNKNOWN = gettext_noop("Không có gói dịch vụ mã “%(code)s”.")
MSG_NOT_INTEGER = gettext_noop("Phải là số nguyên không âm (đồng, không có phần lẻ).")
MSG_VAT = gettext_noop("Thuế suất GTGT tính theo phần nghìn, từ 0 đến 1000 (100 = 10%).")
MSG_PILOT_PRICE = gettext_noop("Gói dùng thử phải miễn phí và có số ngày dùng thử.")
MSG_NOT_PILOT_DAYS = gettext_noop("Chỉ gói dùng thử mới có số ngày dùng thử.")
MSG_EFFECTIVE_ORDER = gettext_noop(
    "Phiên bản mới phải áp dụng sau ngày %(day)s (ngày áp dụng của phiên bản gần nhất)."
)
MSG_NO_VERSION = gettext_noop("Gói “%(code)s” chưa có phiên bản nào áp dụng vào ngày %(day)s.")

MONEY_FIELDS = (
    "monthly_price",
    "included_users",
    "included_storage_bytes",
    "included_applications",
    "price_extra_user",
    "price_extra_gb",
    "price_extra_100_applications",
)


def _check_integers(values: dict) -> None:
    errors = {}
    for name in MONEY_FIELDS:
        value = values.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[name] = _(MSG_NOT_INTEGER)
    vat = values.get("vat_permille", 100)
    if isinstance(vat, bool) or not isinstance(vat, int) or not 0 <= vat <= 1000:
        errors["vat_permille"] = _(MSG_VAT)
    if errors:
        raise ValidationError(errors)


def plan_get(*, code: str) -> Plan:
    try:
        return Plan.objects.get(code=code)
    except Plan.DoesNotExist:
        raise ValidationError(_(MSG_PLAN_UNKNOWN) % {"code": code}, code="unknown_plan") from None


@transaction.atomic
def plan_create(
    *, code: str, name: str, effective_from: date, is_pilot: bool = False, by=None, **terms
) -> PlanVersion:
    """A plan with its first version (`terms`: the PlanVersion money and quantity fields)."""
    if Plan.objects.filter(code=code).exists():
        raise ValidationError({"code": _(MSG_PLAN_CODE_TAKEN) % {"code": code}})
    plan = Plan.objects.create(code=code, name=name.strip(), is_pilot=is_pilot)
    return plan_version_create(plan=plan, effective_from=effective_from, by=by, **terms)


@transaction.atomic
def plan_version_create(
    *,
    plan: Plan,
    effective_from: date,
    monthly_price: int,
    included_users: int,
    included_storage_bytes: int,
    included_applications: int,
    price_extra_user: int = 0,
    price_extra_gb: int = 0,
    price_extra_100_applications: int = 0,
    vat_permille: int = 100,
    pilot_days: int | None = None,
    hard_limits: bool = False,
    by=None,
) -> PlanVersion:
    """A new version from `effective_from` on. Subscriptions keep the version they hold until
    `subscription_change` moves them (see `plan_version_apply`)."""
    values = dict(
        monthly_price=monthly_price,
        included_users=included_users,
        included_storage_bytes=included_storage_bytes,
        included_applications=included_applications,
        price_extra_user=price_extra_user,
        price_extra_gb=price_extra_gb,
        price_extra_100_applications=price_extra_100_applications,
        vat_permille=vat_permille,
    )
    _check_integers(values)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.is_pilot:
        if monthly_price != 0 or not isinstance(pilot_days, int) or pilot_days <= 0:
            raise ValidationError(_(MSG_PILOT_PRICE), code="pilot")
    elif pilot_days is not None:
        raise ValidationError(_(MSG_NOT_PILOT_DAYS), code="pilot")
    latest = plan.versions.aggregate(v=Max("version"), day=Max("effective_from"))
    if latest["day"] is not None and effective_from <= latest["day"]:
        raise ValidationError(
            {"effective_from": _(MSG_EFFECTIVE_ORDER) % {"day": f"{latest['day']:%d/%m/%Y}"}}
        )
    return PlanVersion.objects.create(
        plan=plan,
        version=(latest["v"] or 0) + 1,
        effective_from=effective_from,
        pilot_days=pilot_days,
        hard_limits=bool(hard_limits),
        created_by=by,
        **values,
    )


def plan_version_on(*, plan: Plan, day: date) -> PlanVersion:
    """The version of `plan` in force on `day`."""
    version = plan.versions.filter(effective_from__lte=day).order_by("-effective_from").first()
    if version is None:
        raise ValidationError(
            _(MSG_NO_VERSION) % {"code": plan.code, "day": f"{day:%d/%m/%Y}"}, code="no_version"
        )
    return version
