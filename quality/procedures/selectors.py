"""Reads of the procedures area: application lists and on-time statistics (in SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from iso_platform.workdays.calendar import TZ
from quality.procedures.models import (
    OPEN_STATUSES,
    Application,
    AppStatus,
    Procedure,
    code_trigrams,
)

LATE_FILTERS = ("late", "overdue", "on_time", "early")


def application_list(
    *,
    status: str = "",
    procedure_id=None,
    timeliness: str = "",
    q: str = "",
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
    completed_from: dt.date | None = None,
    completed_to: dt.date | None = None,
    channel: str = "",
) -> QuerySet:
    """Applications matching every filter given; dates are local (Asia/Ho_Chi_Minh) days.
    The completed-date and channel filters serve the links of the service quality index."""
    apps = Application.objects.select_related("procedure").only(
        "code",
        "status",
        "timeliness",
        "received_at",
        "due_at",
        "completed_at",
        "returned_at",
        "current_unit",
        "channel",
        "promised_at",
        "procedure__code",
        "procedure__name",
    )
    if status:
        apps = apps.filter(status=status)
    if procedure_id:
        apps = apps.filter(procedure_id=procedure_id)
    if timeliness == "overdue":
        apps = apps.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    elif timeliness in ("late", "on_time", "early"):
        apps = apps.filter(timeliness=timeliness)
    if q.strip():
        apps = _code_search(apps, q.strip())
    if received_from:
        apps = apps.filter(received_at__gte=_start_of(received_from))
    if received_to:
        apps = apps.filter(received_at__lt=_start_of(received_to + dt.timedelta(days=1)))
    if completed_from:
        apps = apps.filter(completed_at__gte=_start_of(completed_from))
    if completed_to:
        apps = apps.filter(completed_at__lt=_start_of(completed_to + dt.timedelta(days=1)))
    if channel:
        apps = apps.filter(channel=channel)
    return apps.order_by("-received_at", "-id")


def _code_search(apps: QuerySet, term: str) -> QuerySet:
    """Applications whose code contains `term`, whatever its case.

    Terms of three characters or more go through the trigram index (see code_trigrams()),
    then icontains confirms; shorter ones have no trigram and match the start of the code.
    """
    grams = code_trigrams(term)
    if not grams:
        return apps.filter(code__istartswith=term)
    return apps.filter(code_trigrams__contains=grams, code__icontains=term)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, TZ)


@dataclass
class Rate:
    label: str
    key: str
    early: int = 0
    on_time: int = 0
    late: int = 0
    open_overdue: int = 0

    @property
    def finished(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        """Share completed early or on time, among those completed."""
        return (
            round(100 * (self.early + self.on_time) / self.finished, 1) if self.finished else None
        )


OPEN_SQL = "status IN ('received', 'in_progress', 'supplement')"


def on_time_by_month(start: dt.date, end: dt.date, procedure_id=None) -> list[Rate]:
    """Completed applications per month of completion (from the daily statistics)."""
    where, params = _procedure_clause(procedure_id)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT to_char(day, 'YYYY-MM'), sum(early), sum(on_time), sum(late) "
            "FROM quality_procedures_dailystat "
            f"WHERE day >= %s AND day <= %s {where} "  # noqa: S608 - a fixed clause
            "GROUP BY 1 HAVING sum(early + on_time + late) > 0 ORDER BY 1",
            [start, end, *params],
        )
        rows = cur.fetchall()
    return [
        Rate(label=f"{m[5:7]}/{m[:4]}", key=m, early=e, on_time=o, late=late)
        for m, e, o, late in rows
    ]


def on_time_by_procedure(start: dt.date, end: dt.date) -> list[Rate]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.code, p.name, coalesce(s.early, 0), coalesce(s.on_time, 0), "
            "       coalesce(s.late, 0), coalesce(o.overdue, 0) "
            "FROM quality_procedures_procedure p "
            "LEFT JOIN (SELECT procedure_id, sum(early) AS early, sum(on_time) AS on_time, "
            "                  sum(late) AS late FROM quality_procedures_dailystat "
            "           WHERE day >= %s AND day <= %s GROUP BY 1) s ON s.procedure_id = p.id "
            "LEFT JOIN (SELECT procedure_id, count(*) AS overdue "
            "           FROM quality_procedures_application "
            f"          WHERE {OPEN_SQL} AND due_at < now() GROUP BY 1) o "  # noqa: S608
            "       ON o.procedure_id = p.id "
            "WHERE s.procedure_id IS NOT NULL OR o.procedure_id IS NOT NULL ORDER BY p.code",
            [start, end],
        )
        rows = cur.fetchall()
    return [
        Rate(label=f"{code} {name}", key=code, early=e, on_time=o, late=late, open_overdue=od)
        for code, name, e, o, late, od in rows
    ]


def on_time_by_step(start: dt.date, end: dt.date, procedure_id=None) -> list[Rate]:
    """Each closed step of the process-control sheets, on time or late, per step name."""
    return _step_rates("step::text || '. ' || step_name", start, end, procedure_id)


def on_time_by_unit(start: dt.date, end: dt.date, procedure_id=None) -> list[Rate]:
    """Steps closed by each unit (the giving side of the hand-off)."""
    return _step_rates("unit", start, end, procedure_id)


def _step_rates(label_sql: str, start: dt.date, end: dt.date, procedure_id) -> list[Rate]:
    where, params = _procedure_clause(procedure_id)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {label_sql} AS label, sum(on_time), sum(late) "  # noqa: S608 - constants
            "FROM quality_procedures_stepdailystat "
            f"WHERE day >= %s AND day <= %s {where} GROUP BY 1 ORDER BY 1",
            [start, end, *params],
        )
        rows = cur.fetchall()
    return [Rate(label=label, key=label, on_time=ok, late=late) for label, ok, late in rows]


def _procedure_clause(procedure_id) -> tuple[str, list]:
    if not procedure_id:
        return "", []
    return "AND procedure_id = %s", [int(procedure_id)]


def summary(start: dt.date, end: dt.date) -> dict:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT coalesce(sum(received), 0), coalesce(sum(early + on_time + late), 0), "
            "coalesce(sum(early + on_time), 0) FROM quality_procedures_dailystat "
            "WHERE day >= %s AND day <= %s",
            [start, end],
        )
        received, completed, in_time = cur.fetchone()
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE due_at < now()) "
            f"FROM quality_procedures_application WHERE {OPEN_SQL}"
        )  # noqa: S608
        open_count, overdue = cur.fetchone()
    return {
        "received": received,
        "completed": completed,
        "in_time": in_time,
        "open": open_count,
        "overdue": overdue,
        "rate": round(100 * in_time / completed, 1) if completed else None,
    }


def procedures_with_counts() -> QuerySet:
    from django.db.models import Count

    return Procedure.objects.annotate(
        open_count=Count("applications", filter=Q(applications__status__in=OPEN_STATUSES)),
    ).order_by("field", "code")


__all__ = [
    "application_list",
    "on_time_by_month",
    "on_time_by_procedure",
    "on_time_by_step",
    "on_time_by_unit",
    "summary",
    "AppStatus",
]
