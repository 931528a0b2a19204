"""Reads of the procedures area: application lists and on-time statistics (in SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from iso_platform.workdays.calendar import TZ
from quality.procedures.models import OPEN_STATUSES, Application, AppStatus, Procedure

LATE_FILTERS = ("late", "overdue", "on_time", "early")


def application_list(
    *,
    status: str = "",
    procedure_id=None,
    timeliness: str = "",
    q: str = "",
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
) -> QuerySet:
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
        apps = apps.filter(code__istartswith=q.strip())
    if received_from:
        apps = apps.filter(received_at__gte=_start_of(received_from))
    if received_to:
        apps = apps.filter(received_at__lt=_start_of(received_to + dt.timedelta(days=1)))
    return apps.order_by("-received_at", "-id")


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


def _period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return _start_of(start), _start_of(end + dt.timedelta(days=1))


def on_time_by_month(start: dt.date, end: dt.date, procedure_id=None) -> list[Rate]:
    """Completed applications per month of completion (Asia/Ho_Chi_Minh)."""
    low, high = _period_bounds(start, end)
    where, params = _procedure_clause(procedure_id)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT to_char(completed_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM') AS month, "  # noqa: S608
            "count(*) FILTER (WHERE timeliness = 'early'), "
            "count(*) FILTER (WHERE timeliness = 'on_time'), "
            "count(*) FILTER (WHERE timeliness = 'late') "
            "FROM quality_procedures_application "
            f"WHERE completed_at >= %s AND completed_at < %s {where} "
            "GROUP BY 1 ORDER BY 1",
            [low, high, *params],
        )
        rows = cur.fetchall()
    return [
        Rate(label=f"{m[5:7]}/{m[:4]}", key=m, early=e, on_time=o, late=late)
        for m, e, o, late in rows
    ]


def on_time_by_procedure(start: dt.date, end: dt.date) -> list[Rate]:
    low, high = _period_bounds(start, end)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.code, p.name, "
            "count(*) FILTER (WHERE a.timeliness = 'early'), "
            "count(*) FILTER (WHERE a.timeliness = 'on_time'), "
            "count(*) FILTER (WHERE a.timeliness = 'late'), "
            "count(*) FILTER (WHERE a.status IN ('received', 'in_progress', 'supplement') "
            "                 AND a.due_at < now()) "
            "FROM quality_procedures_application a "
            "JOIN quality_procedures_procedure p ON p.id = a.procedure_id "
            "WHERE (a.completed_at >= %s AND a.completed_at < %s) "
            "   OR (a.status IN ('received', 'in_progress', 'supplement') AND a.due_at < now()) "
            "GROUP BY p.code, p.name ORDER BY p.code",
            [low, high],
        )
        rows = cur.fetchall()
    return [
        Rate(label=f"{code} {name}", key=code, early=e, on_time=o, late=late, open_overdue=od)
        for code, name, e, o, late, od in rows
    ]


def on_time_by_step(start: dt.date, end: dt.date, procedure_id=None) -> list[Rate]:
    """Each closed step of the process-control sheets, on time or late, per step name."""
    return _handoff_rates("h.step::text || '. ' || h.step_name", start, end, procedure_id)


def on_time_by_unit(start: dt.date, end: dt.date, procedure_id=None) -> list[Rate]:
    """Steps closed by each unit (the giving side of the hand-off)."""
    return _handoff_rates("coalesce(nullif(h.from_unit, ''), '—')", start, end, procedure_id)


def _handoff_rates(label_sql: str, start: dt.date, end: dt.date, procedure_id) -> list[Rate]:
    low, high = _period_bounds(start, end)
    where, params = _procedure_clause(procedure_id, alias="a")
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {label_sql} AS label, "  # noqa: S608 - label_sql is one of two constants
            "count(*) FILTER (WHERE h.on_time), count(*) FILTER (WHERE NOT h.on_time) "
            "FROM quality_procedures_handoff h "
            "JOIN quality_procedures_application a ON a.id = h.application_id "
            f"WHERE h.on_time IS NOT NULL AND h.at >= %s AND h.at < %s {where} "
            "GROUP BY 1 ORDER BY 1",
            [low, high, *params],
        )
        rows = cur.fetchall()
    return [Rate(label=label, key=label, on_time=ok, late=late) for label, ok, late in rows]


def _procedure_clause(procedure_id, alias: str = "") -> tuple[str, list]:
    if not procedure_id:
        return "", []
    column = f"{alias}.procedure_id" if alias else "procedure_id"
    return f"AND {column} = %s", [int(procedure_id)]


def summary(start: dt.date, end: dt.date) -> dict:
    low, high = _period_bounds(start, end)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FILTER (WHERE received_at >= %s AND received_at < %s), "
            "count(*) FILTER (WHERE completed_at >= %s AND completed_at < %s), "
            "count(*) FILTER (WHERE completed_at >= %s AND completed_at < %s "
            "                 AND timeliness IN ('early', 'on_time')), "
            "count(*) FILTER (WHERE status IN ('received', 'in_progress', 'supplement')), "
            "count(*) FILTER (WHERE status IN ('received', 'in_progress', 'supplement') "
            "                 AND due_at < now()) "
            "FROM quality_procedures_application",
            [low, high] * 3,
        )
        received, completed, in_time, open_count, overdue = cur.fetchone()
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
