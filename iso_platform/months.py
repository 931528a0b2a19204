"""Calendar months as dates: a month is named by its first day.

One meaning everywhere (billing periods, statistics series, inspection windows):
`month_start(day)` is the first day of `day`'s month, `back` months earlier when asked.
"""

from __future__ import annotations

import calendar
import datetime as dt


def month_start(day: dt.date, back: int = 0) -> dt.date:
    """The first day of the month `back` months before the month of `day`."""
    return add_months(day, -back)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after the month of `day` (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    """The last day of the month of `day`."""
    return add_months(day, 1) - dt.timedelta(days=1)


def days_in_month(month: dt.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def month_end_exclusive(month: dt.date) -> dt.date:
    """The first day of the month after `month`."""
    return add_months(month, 1)


def previous_month(today: dt.date) -> dt.date:
    """The first day of the month before `today`'s."""
    return add_months(today, -1)
