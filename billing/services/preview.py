"""What a plan change would cost in its month, before it is made (nothing is written).

The month of the change day is split as invoicing will split it (billing/README.md):
the current version up to the day before, the new one from the day on, each prorated by
day in Asia/Ho_Chi_Minh and rounded half up; VAT on the sum per rate. Overage is not
previewed (it depends on the month's usage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from billing.models import PlanVersion, Subscription
from billing.services.money import prorate, vat
from billing.services.plans import plan_get, plan_version_on
from billing.services.subscriptions import subscription_check_changeable
from iso_platform.months import days_in_month, month_end_exclusive, month_start


@dataclass
class PreviewLine:
    version: PlanVersion
    first: date
    last: date  # inclusive
    days: int
    amount: int


@dataclass
class Preview:
    month: date
    days_in_month: int
    lines: list[PreviewLine]
    subtotal: int
    vat_amount: int
    total: int


def change_preview(*, subscription: Subscription, plan_code: str, on: date) -> Preview:
    subscription_check_changeable(subscription)  # a cancelled one has no open period
    m0, m1 = month_start(on), month_end_exclusive(on)
    n = days_in_month(on)
    current = subscription.periods.select_related("plan_version__plan").get(valid_to=None)
    new = plan_version_on(plan=plan_get(code=plan_code), day=on)
    lines = []
    start = max(current.valid_from, m0)
    if on > start:
        lines.append((current.plan_version, start, on))
    lines.append((new, on, m1))
    out = []
    by_rate: dict[int, int] = {}
    for version, first, end in lines:
        days = (end - first).days
        amount = (
            version.monthly_price
            if days == n
            else prorate(monthly_price=version.monthly_price, days=days, days_in_month=n)
        )
        by_rate[version.vat_permille] = by_rate.get(version.vat_permille, 0) + amount
        out.append(PreviewLine(version, first, date.fromordinal(end.toordinal() - 1), days, amount))
    subtotal = sum(line.amount for line in out)
    vat_amount = sum(vat(amount=a, vat_permille=r) for r, a in by_rate.items())
    return Preview(m0, n, out, subtotal, vat_amount, subtotal + vat_amount)
