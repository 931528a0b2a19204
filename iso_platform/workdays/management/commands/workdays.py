"""Deadlines and elapsed working time on the province's calendar.

manage.py workdays due --received "2026-02-13 16:20" --days 5 [--cutoff 15:00]
manage.py workdays due --received "2026-02-13 09:00" --hours 4
manage.py workdays due --received "2026-04-20 09:00" --calendar-days 10
manage.py workdays between --from "2026-02-13 09:00" --to "2026-02-24 10:00"
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from iso_platform.workdays.calendar import TZ, get_calendar


def _moment(text: str, name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CommandError(f'{name}: {text!r} is not "YYYY-MM-DD HH:MM"') from exc
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


def _clock(text: str | None) -> dt.time | None:
    if text is None:
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--cutoff: {text!r} is not HH:MM") from exc


class Command(BaseCommand):
    help = "Working-day deadlines (due) and elapsed working time (between), Asia/Ho_Chi_Minh."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="deadline of a time limit")
        due.add_argument("--received", required=True)
        limit = due.add_mutually_exclusive_group(required=True)
        limit.add_argument("--days", type=int)
        limit.add_argument("--hours", type=float)
        limit.add_argument("--calendar-days", dest="calendar_days", type=int)
        due.add_argument(
            "--cutoff", default=None, help="HH:MM: received later counts from the next working day"
        )
        between = sub.add_parser("between", help="working time between two moments")
        between.add_argument("--from", dest="start", required=True)
        between.add_argument("--to", dest="end", required=True)

    def handle(self, *args, action, **options):
        calendar = get_calendar()
        if action == "due":
            received = _moment(options["received"], "--received")
            limits = ("days", "hours", "calendar_days")
            if any((options[name] or 0) < 0 for name in limits):
                raise CommandError("the limit must not be negative")
            due = calendar.due_date(
                received,
                days=options["days"] or 0,
                hours=options["hours"] or 0,
                calendar_days=options["calendar_days"] or 0,
                cutoff=_clock(options["cutoff"]),
            )
            self.stdout.write(due.isoformat())
            return
        start, end = _moment(options["start"], "--from"), _moment(options["end"], "--to")
        seconds = calendar.working_seconds_between(start, end)
        days, rest = divmod(seconds, calendar.seconds_per_day)
        hours, rest = divmod(rest, 3600)
        self.stdout.write(
            f"{seconds / calendar.seconds_per_day:.3f} working days "
            f"({days} d {hours} h {rest // 60} min; {seconds} s)"
        )
