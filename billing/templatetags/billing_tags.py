"""`{% billing_banner %}`: soft-limit and billing-status warnings for agency administrators
and leaders (cached per agency, billing/services/limits.py)."""

from django import template
from django.db import connection

from billing.services.limits import warnings
from billing.services.money import format_vnd
from iso_platform.accounts.models import Role

register = template.Library()


def may_see_billing(user) -> bool:

    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (getattr(user, "is_agency_admin", False) or user.role == Role.AGENCY_LEADER)
    )


@register.inclusion_tag("billing/_banner.html", takes_context=True)
def billing_banner(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    tenant = getattr(connection, "tenant", None)
    if not may_see_billing(user) or tenant is None or getattr(tenant, "is_public", True):
        return {"lines": []}

    return {"lines": warnings(tenant)}


@register.filter
def vnd(value) -> str:
    """1234567 -> 1.234.567 (integers of dong)."""

    try:
        return format_vnd(int(value))
    except (TypeError, ValueError):
        return ""
