"""The query of the service-index pages and API: `?month=YYYY-MM` (agency time),
`months` (how many months a trend shows) and `kind` (agency kind)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insights.dashboard.forms import KIND_CHOICES
from iso_platform.months import month_start

FIRST_MONTH = dt.date(2022, 6, 1)  # Decision 766/QĐ-TTg was signed on 23/6/2022
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
BAD_MONTH = _("Tháng không hợp lệ: hãy ghi theo dạng YYYY-MM, ví dụ 2025-03.")
MONTH_OUT_OF_RANGE = _("Tháng phải từ 06/2022 (khi Bộ chỉ số được ban hành) đến tháng hiện tại.")
BAD_KIND = _("Loại cơ quan không hợp lệ.")
BAD_MONTHS = _("Số tháng phải là số nguyên từ 1 đến 36.")


class QueryError(ValueError):
    """A bad query parameter; `message` is what the user reads."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def parse_month(value: str | None, *, today: dt.date | None = None) -> dt.date:
    """The first day of the month asked for; this month when none is asked for."""
    today = today or timezone.localdate()
    if not value:
        return month_start(today)
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise QueryError(BAD_MONTH)
    month = dt.date(int(match[1]), int(match[2]), 1)
    if not FIRST_MONTH <= month <= month_start(today):
        raise QueryError(MONTH_OUT_OF_RANGE)
    return month


def parse_count(value: str | None, *, default: int = 12) -> int:
    """How many months a trend shows (1 to 36)."""
    if value in (None, ""):
        return default
    if not value.isdigit() or not 1 <= int(value) <= 36:
        raise QueryError(BAD_MONTHS)
    return int(value)


def parse_kind(value: str | None) -> str | None:
    if value and value not in dict(KIND_CHOICES):
        raise QueryError(BAD_KIND)
    return value or None
