"""Working days and deadlines, in Asia/Ho_Chi_Minh.

A working day is Monday to Friday, minus Vietnamese public holidays (the `holidays`
package: lunar Tết, Hùng Kings' day, the government's announced swaps), corrected by the
province's own `CalendarOverride` rows. Working time is counted only within office hours.

Deadline rules (kept here, in one place, and in data where they vary):

- counting starts when the application is received if that is within office hours of a
  working day (before the cut-off hour when the procedure applies one); otherwise at the
  opening of the next working period (after lunch, or the next working day);
- a limit of N working days ends at the same clock time on the N-th working day after the
  start day: received Monday 09:15 with 3 days is due Thursday 09:15;
- a limit in hours (same-day procedures) is counted in office hours of working days;
- a limit of N calendar days (the law's "N ngày", not "N ngày làm việc") follows the Civil
  Code 2015, Articles 147-148: the day of receipt is not counted, the limit ends at the end
  (24:00) of the N-th day after it, and when that day is a weekend day or a public holiday
  it ends at the end of the next working day. The day of receipt is the day the clock
  starts (so the cut-off hour and a receipt on a day off move it to the next working day,
  as for working days): received Friday 09:15 with 3 days is due Monday at the end of the
  day; with 2 days, Sunday, so Monday too.
"""

from __future__ import annotations

import datetime as dt
import time as _time
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_rules

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_OFFICE_HOURS = "07:30-11:30,13:30-17:00"
# "24:00" of a day (Article 148(6)), as the last second of it: the deadline stays on its day.
END_OF_DAY = dt.time(23, 59, 59)
MAX_SCAN_DAYS = 3660  # ten years: a limit longer than that is a data error


def parse_office_hours(text: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """ "07:30-11:30,13:30-17:00" -> ((07:30, 11:30), (13:30, 17:00)), checked and ordered."""
    periods = []
    for part in (text or "").split(","):
        try:
            start, end = (dt.time.fromisoformat(p.strip()) for p in part.split("-"))
        except ValueError as exc:
            raise ValueError(
                f"giờ làm việc không hợp lệ: {part.strip()!r} (dạng 07:30-11:30)"
            ) from exc
        if start >= end:
            raise ValueError(f"khoảng giờ {part.strip()!r} kết thúc trước khi bắt đầu")
        if periods and start < periods[-1][1]:
            raise ValueError("các khoảng giờ làm việc phải theo thứ tự và không chồng nhau")
        periods.append((start, end))
    if not periods:
        raise ValueError("cần ít nhất một khoảng giờ làm việc")
    return tuple(periods)


@lru_cache(maxsize=64)
def _national(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(public holidays, weekend days made working days) of one year, from `holidays`."""
    rules = holiday_rules.country_holidays("VN", years=year)
    days = frozenset(rules.keys())
    swaps = frozenset(d for d in getattr(rules, "weekend_workdays", ()) if d.year == year)
    return days, swaps


@dataclass(frozen=True)
class WorkCalendar:
    extra_off: frozenset[dt.date] = frozenset()
    extra_working: frozenset[dt.date] = frozenset()
    office: tuple[tuple[dt.time, dt.time], ...] = parse_office_hours(DEFAULT_OFFICE_HOURS)
    default_cutoff: dt.time | None = dt.time(15, 0)

    # ------------------------------------------------------------------ days

    def is_holiday(self, day: dt.date) -> bool:
        return day in _national(day.year)[0]

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_off:
            return False
        if day in self.extra_working:
            return True
        national, swaps = _national(day.year)
        if day in swaps:
            return True
        return day.weekday() < 5 and day not in national

    def next_working_day(self, day: dt.date) -> dt.date:
        for offset in range(1, MAX_SCAN_DAYS):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("no working day within ten years")

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `day` (`day` itself when count is 0)."""
        if count < 0:
            raise ValueError("count must not be negative")
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: how many were counted to get from start to end."""
        return sum(
            1
            for n in range(1, (end - start).days + 1)
            if self.is_working_day(start + dt.timedelta(days=n))
        )

    # ------------------------------------------------------------------ times

    def _periods(self, day: dt.date):
        for start, end in self.office:
            yield (dt.datetime.combine(day, start, TZ), dt.datetime.combine(day, end, TZ))

    def count_start(self, received_at: dt.datetime, cutoff: dt.time | None = None) -> dt.datetime:
        """When the clock starts for something received at `received_at`."""
        local = received_at.astimezone(TZ)
        day = local.date()
        if self.is_working_day(day) and not (cutoff is not None and local.time() >= cutoff):
            for start, end in self._periods(day):
                if local < end:
                    return max(local, start)
        return next(self._periods(self.next_working_day(day)))[0]

    def due_date(
        self,
        received_at: dt.datetime,
        *,
        days: int = 0,
        hours: float = 0,
        calendar_days: int = 0,
        cutoff: dt.time | None = None,
    ) -> dt.datetime:
        """The deadline of a limit of `days` working days, `hours` working hours or
        `calendar_days` calendar days."""
        if days < 0 or hours < 0 or calendar_days < 0:
            raise ValueError("limits must not be negative")
        start = self.count_start(received_at, cutoff)
        if calendar_days:
            return self.calendar_deadline(start.date() + dt.timedelta(days=calendar_days))
        if hours:
            return self.add_working_seconds(start, int(round(hours * 3600)))
        due_day = self.add_working_days(start.date(), days)
        return dt.datetime.combine(due_day, start.timetz().replace(tzinfo=None), TZ)

    def calendar_deadline(self, last_day: dt.date) -> dt.datetime:
        """The end of a calendar-day limit whose last day is `last_day`: the end of that day,
        or of the next working day when it is a day off (Civil Code 2015, Article 148)."""
        if not self.is_working_day(last_day):
            last_day = self.next_working_day(last_day)
        return dt.datetime.combine(last_day, END_OF_DAY, TZ)

    def add_working_seconds(self, start: dt.datetime, seconds: int) -> dt.datetime:
        start = self.count_start(start)
        remaining = seconds
        day = start.date()
        for _ in range(MAX_SCAN_DAYS):
            if self.is_working_day(day):
                for period_start, period_end in self._periods(day):
                    begin = max(period_start, start)
                    if begin >= period_end:
                        continue
                    available = (period_end - begin).total_seconds()
                    if remaining <= available:
                        return begin + dt.timedelta(seconds=remaining)
                    remaining -= available
            day += dt.timedelta(days=1)
        raise ValueError("limit too long")

    def working_seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Office-hour seconds of working days between two instants (0 if end <= start)."""
        if end <= start:
            return 0
        start, end = start.astimezone(TZ), end.astimezone(TZ)
        total = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                for period_start, period_end in self._periods(day):
                    overlap = min(period_end, end) - max(period_start, start)
                    total += max(overlap.total_seconds(), 0)
            day += dt.timedelta(days=1)
        return int(total)

    @property
    def seconds_per_day(self) -> int:
        return int(
            sum(
                (
                    dt.datetime.combine(dt.date.min, e) - dt.datetime.combine(dt.date.min, s)
                ).total_seconds()
                for s, e in self.office
            )
        )


# --------------------------------------------------------------------------- loading

_memo: dict[str, tuple[float, tuple, WorkCalendar]] = {}
RECHECK_SECONDS = 5.0


def get_calendar() -> WorkCalendar:
    """The province's calendar: national rules plus its overrides and office hours.

    One tiny query at most every few seconds tells whether the overrides changed.
    """
    now = _time.monotonic()
    cached = _memo.get("calendar")
    if cached and now - cached[0] < RECHECK_SECONDS:
        return cached[2]
    stamp = _stamp()
    if cached and cached[1] == stamp:
        _memo["calendar"] = (now, stamp, cached[2])
        return cached[2]
    calendar = _build()
    _memo["calendar"] = (now, stamp, calendar)
    return calendar


def invalidate() -> None:
    _memo.clear()


def _stamp() -> tuple:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*), max(updated_at) FROM public.workdays_calendaroverride")
        overrides = cur.fetchone()
        cur.execute("SELECT max(updated_at) FROM public.workdays_calendarsettings")
        return overrides + cur.fetchone()


def _build() -> WorkCalendar:
    # A cycle otherwise: workdays.models imports this module.
    from iso_platform.workdays.models import CalendarOverride, CalendarSettings, OverrideKind

    rows = list(CalendarOverride.objects.values_list("date", "kind"))
    config = CalendarSettings.objects.filter(pk=1).first()
    return WorkCalendar(
        extra_off=frozenset(d for d, k in rows if k == OverrideKind.DAY_OFF),
        extra_working=frozenset(d for d, k in rows if k == OverrideKind.WORKING_DAY),
        office=parse_office_hours(config.office_hours if config else DEFAULT_OFFICE_HOURS),
        default_cutoff=config.cutoff if config else dt.time(15, 0),
    )
