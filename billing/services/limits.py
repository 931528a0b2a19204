"""Plan limits: soft warnings and hard refusals.

- **Soft** (every plan): at `BILLING_SOFT_LIMIT_PERCENT` (default 80) % of the included
  users, storage or applications of the month, the agency's administrators see a banner
  (`warnings()`, cached `BILLING_WARNINGS_CACHE_SECONDS`, default 600 s, per agency).
- **Hard** (versions with `hard_limits`): `check(agency, resource, adding=)` refuses with a
  `ValidationError` naming the limit and how to raise it — adding people beyond the included
  users (`"users"`: invitation, re-activation, CSV import) or a file beyond the included
  storage (`"storage"`, `adding` = bytes). Applications are never refused: they come from the
  public service desk and are billed as overage.

Measures: users = the agency's active accounts now (one COUNT in its schema); storage = the
last daily measure (`UsageDaily`, billing/services/metering.py) plus the bytes being added;
applications = the sum of this month's daily measures.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from billing.models import Subscription, SubscriptionStatus, UsageDaily
from billing.services.money import format_vnd, local_today
from iso_platform.months import month_start

RESOURCES = ("users", "storage", "applications")
MSG_HOW_TO_RAISE = gettext_noop(
    "Để tăng giới hạn, đề nghị quản trị hệ thống cấp tỉnh chuyển cơ quan sang gói dịch vụ "
    "lớn hơn (bảng điều khiển tỉnh › Thu phí › Thuê bao)."
)
MSG_USERS = gettext_noop(
    "Gói “%(plan)s” cho phép tối đa %(limit)s người dùng đang hoạt động; cơ quan đã có "
    "%(current)s, không thể thêm %(adding)s người."
)
MSG_STORAGE = gettext_noop(
    "Gói “%(plan)s” cho phép tối đa %(limit)s dung lượng lưu trữ; cơ quan đã dùng %(current)s, "
    "không thể tải thêm tệp %(adding)s."
)
MSG_SOFT = {
    "users": gettext_noop("Người dùng: %(current)s / %(limit)s (%(percent)s%%)."),
    "storage": gettext_noop("Dung lượng lưu trữ: %(current)s / %(limit)s (%(percent)s%%)."),
    "applications": gettext_noop("Hồ sơ trong tháng: %(current)s / %(limit)s (%(percent)s%%)."),
}
LABELS = {
    "users": gettext_noop("Người dùng"),
    "storage": gettext_noop("Dung lượng lưu trữ"),
    "applications": gettext_noop("Hồ sơ trong tháng"),
}


def format_bytes(value: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if value >= size:
            return f"{value / size:.1f} {unit}".replace(".", ",")
    return f"{value} B"


@dataclass
class Measure:
    resource: str
    current: int
    limit: int

    @property
    def percent(self) -> int:
        return (self.current * 100) // self.limit if self.limit else 0

    @property
    def label(self) -> str:
        return _(LABELS[self.resource])

    def shown(self, value: int) -> str:
        return format_bytes(value) if self.resource == "storage" else format_vnd(value)

    @property
    def current_display(self) -> str:
        return self.shown(self.current)

    @property
    def limit_display(self) -> str:
        return self.shown(self.limit)


def subscription_of(agency) -> Subscription | None:
    return (
        Subscription.objects.filter(agency_id=agency.pk)
        .exclude(status=SubscriptionStatus.CANCELLED)
        .select_related("plan_version__plan")
        .first()
    )


def active_users(agency) -> int:
    # A cycle otherwise: billing.services.dunning imports this module.
    from iso_platform.accounts.models import User

    with schema_context(agency.schema_name):
        return User.objects.filter(is_active=True).count()


def storage_bytes(agency) -> int:
    last = UsageDaily.objects.filter(agency_id=agency.pk).order_by("-day").first()
    return last.storage_bytes if last else 0


def applications_this_month(agency) -> int:
    month = month_start(local_today())
    total = UsageDaily.objects.filter(agency_id=agency.pk, day__gte=month).aggregate(
        n=Sum("applications_received")
    )["n"]
    return total or 0


def measures(agency, subscription: Subscription | None = None) -> list[Measure]:
    subscription = subscription or subscription_of(agency)
    if subscription is None:
        return []
    version = subscription.plan_version
    return [
        Measure("users", active_users(agency), version.included_users),
        Measure("storage", storage_bytes(agency), version.included_storage_bytes),
        Measure("applications", applications_this_month(agency), version.included_applications),
    ]


def check(agency, resource: str, adding: int = 1) -> None:
    """Refuse (ValidationError) adding `adding` users / bytes beyond a hard limit."""
    if resource not in ("users", "storage"):
        raise ValueError(resource)
    if agency is None or getattr(agency, "is_public", False) or adding <= 0:
        return
    subscription = subscription_of(agency)
    if subscription is None or not subscription.plan_version.hard_limits:
        return
    if connection.in_atomic_block:  # serialise concurrent additions to this agency
        list(Subscription.objects.select_for_update().filter(pk=subscription.pk).values_list("pk"))
    version = subscription.plan_version
    plan = version.plan.name
    if resource == "users":
        current, limit = active_users(agency), version.included_users
        if current + adding > limit:
            message = _(MSG_USERS) % {
                "plan": plan,
                "limit": limit,
                "current": current,
                "adding": adding,
            }
            raise ValidationError(f"{message} {_(MSG_HOW_TO_RAISE)}", code="limit_users")
    else:
        current, limit = storage_bytes(agency), version.included_storage_bytes
        if current + adding > limit:
            message = _(MSG_STORAGE) % {
                "plan": plan,
                "limit": format_bytes(limit),
                "current": format_bytes(current),
                "adding": format_bytes(adding),
            }
            raise ValidationError(f"{message} {_(MSG_HOW_TO_RAISE)}", code="limit_storage")


def _cache_key(agency, language: str | None = None) -> str:
    # The banner is cached already translated: one entry per language.
    return f"billing:warnings:{agency.pk}:{language or get_language() or settings.LANGUAGE_CODE}"


# The cache's key function prefixes the schema in use: read and write the banner under the
# agency's own schema, so that the console (public schema) clears the entry the agency's pages
# read, and not a twin of it.
def _cache_get(agency):
    with schema_context(agency.schema_name):
        return cache.get(_cache_key(agency))


def _cache_set(agency, value) -> None:
    with schema_context(agency.schema_name):
        cache.set(
            _cache_key(agency), value, getattr(settings, "BILLING_WARNINGS_CACHE_SECONDS", 600)
        )


def warnings_clear(agency) -> None:
    with schema_context(agency.schema_name):
        cache.delete_many([_cache_key(agency, code) for code, _name in settings.LANGUAGES])


def warnings(agency) -> list[str]:
    """Soft-limit and billing-status messages for the agency's banner (cached)."""
    if agency is None or getattr(agency, "is_public", False):
        return []
    cached = _cache_get(agency)
    if cached is not None:
        return cached
    # A cycle otherwise: billing.services.dunning imports this module.
    from billing.services.dunning import status_message

    subscription = subscription_of(agency)
    found = []
    if subscription is not None:
        threshold = getattr(settings, "BILLING_SOFT_LIMIT_PERCENT", 80)
        for m in measures(agency, subscription):
            if m.limit and m.percent >= threshold:
                found.append(
                    _(MSG_SOFT[m.resource])
                    % {"current": m.current_display, "limit": m.limit_display, "percent": m.percent}
                )
        if found:
            found.append(_(MSG_HOW_TO_RAISE))
        status = status_message(subscription)
        if status:
            found.insert(0, status)
    _cache_set(agency, found)
    return found
