"""Reads of the rollout evaluation: public tables only (snapshots, facts, the checklist
mirror, billing), a handful of queries per page whatever the number of agencies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from evaluation.indicators import INDICATORS, SUM_FIELDS, evaluate
from evaluation.models import GateCriterion, Wave, WaveAgency, WeeklySnapshot
from evaluation.readiness import CRITERIA, UNMEASURED, readiness_context
from tenants.models import Agency

WINDOW_WEEKS = 4  # the gate and the "after" figures: the last four complete weeks


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _aggregates() -> dict:
    return {
        **{f: Coalesce(Sum(f), 0) for f in SUM_FIELDS},
        "rows": Count("id"),
        "ready_rows": Count("id", filter=Q(annual_report_ready=True)),
        "issue_days_median": Median("issue_days_median"),
    }


def last_complete_week(today: dt.date | None = None) -> dt.date:
    """The Monday of the last week that has ended (Sunday before today)."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=today.weekday() + 7)


def window(today: dt.date | None = None, weeks: int = WINDOW_WEEKS) -> tuple[dt.date, dt.date]:
    """[first Monday, Monday after the last week) of the last `weeks` complete weeks."""
    last = last_complete_week(today)
    return last - dt.timedelta(weeks=weeks - 1), last + dt.timedelta(weeks=1)


def wave_agency_ids(wave: Wave) -> list[int]:
    return list(wave.members.values_list("agency_id", flat=True))


def sums(agency_ids, start: dt.date, end: dt.date) -> dict:
    """Sums over the agencies' weeks in [start, end), and the indicators from them."""
    row = WeeklySnapshot.objects.filter(
        agency_id__in=agency_ids, week__gte=start, week__lt=end
    ).aggregate(**_aggregates())
    return {**row, **evaluate(row)}


def weekly_series(agency_ids, start: dt.date, end: dt.date) -> list[dict]:
    """One row per week in [start, end): the sums of the agencies and the indicators."""
    rows = (
        WeeklySnapshot.objects.filter(agency_id__in=agency_ids, week__gte=start, week__lt=end)
        .values("week")
        .annotate(**_aggregates())
        .order_by("week")
    )
    return [{**row, **evaluate(row)} for row in rows]


def per_agency(agency_ids, start: dt.date, end: dt.date) -> dict[int, dict]:
    rows = (
        WeeklySnapshot.objects.filter(agency_id__in=agency_ids, week__gte=start, week__lt=end)
        .values("agency_id")
        .annotate(**_aggregates())
        .order_by()
    )
    return {row["agency_id"]: {**row, **evaluate(row)} for row in rows}


def sums_by_agency(windows: dict[int, tuple[dt.date, dt.date]]) -> dict[int, dict]:
    """Indicators of each agency over its own window, in one query (the measured
    baselines: every agency's first weeks)."""
    if not windows:
        return {}
    ids = list(windows)
    select = ", ".join(f"coalesce(sum(s.{f}), 0) AS {f}" for f in SUM_FIELDS)
    sql = f"""
        SELECT s.agency_id, {select}, count(*) AS rows,
               count(*) FILTER (WHERE s.annual_report_ready) AS ready_rows,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY s.issue_days_median)
                 AS issue_days_median
        FROM public.evaluation_weeklysnapshot s
        JOIN unnest(%s::bigint[], %s::date[], %s::date[]) AS w(agency_id, start, stop)
          ON w.agency_id = s.agency_id AND s.week >= w.start AND s.week < w.stop
        GROUP BY s.agency_id
    """
    with connection.cursor() as cur:
        cur.execute(sql, [ids, [windows[i][0] for i in ids], [windows[i][1] for i in ids]])
        names = [c.name for c in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return {row["agency_id"]: {**row, **evaluate(row)} for row in rows}


# --------------------------------------------------------------------------- gate


def previous_wave(wave: Wave) -> Wave | None:
    return Wave.objects.filter(order__lt=wave.order).order_by("-order").first()


def gate_status(wave: Wave, *, today: dt.date | None = None) -> list[dict]:
    """The wave's thresholds against the wave before it, over the last complete weeks."""
    previous = previous_wave(wave)
    criteria = list(GateCriterion.objects.filter(wave=wave))
    if previous is None or not criteria:
        return []
    start, end = window(today)
    figures = sums(previous.members.values("agency_id"), start, end)
    rows = []
    for criterion in criteria:
        indicator = INDICATORS.get(criterion.indicator)
        if indicator is None:
            continue
        value = figures[criterion.indicator]
        rows.append(
            {
                "key": indicator.key,
                "label": str(indicator.label),
                "unit": indicator.unit,
                "better": indicator.better,
                "threshold": criterion.threshold,
                "value": value,
                "met": indicator.meets(value, criterion.threshold),
            }
        )
    return rows


def gate_met(gate: list[dict]) -> bool:
    return all(row["met"] for row in gate)


# --------------------------------------------------------------------------- readiness


class Member(NamedTuple):
    """A wave's agency as the grid shows it (no model instance: a wave may hold hundreds)."""

    pk: int
    code: str
    name: str


def readiness_grid(wave: Wave, *, furthest_first: bool = False) -> dict:
    """Agencies × criteria of the wave: each cell a state and a short detail, every agency
    (by name, or with `furthest_first` the agencies furthest from ready first), and the
    counts per criterion."""
    members = WaveAgency.objects.filter(wave=wave)
    agencies = [
        Member(*row)
        for row in members.order_by("agency__name", "agency_id").values_list(
            "agency_id", "agency__code", "agency__name"
        )
    ]
    context = readiness_context([a.pk for a in agencies], among=members.values("agency_id"))
    criteria = list(CRITERIA.values())
    rows = []
    for agency in agencies:
        ctx = context[agency.pk]
        cells = [criterion.check(ctx) for criterion in criteria]
        measured = [c for c in cells if c.state != UNMEASURED]
        rows.append(
            {
                "agency": agency,
                "cells": cells,
                "ready": all(c.met for c in measured),
                "met": sum(1 for c in measured if c.met),
                "measured": len(measured),
            }
        )
    counts = [sum(1 for r in rows if r["cells"][i].met) for i in range(len(criteria))]
    total, ready = len(rows), sum(1 for r in rows if r["ready"])
    if furthest_first:
        rows.sort(key=lambda r: (r["ready"], r["met"]))  # stable: by name within a rank
    return {"criteria": criteria, "rows": rows, "counts": counts, "total": total, "ready": ready}


def overview() -> list[dict]:
    """Every wave with its agency count and stage (the evaluation home page)."""
    waves = Wave.objects.annotate(agencies=Count("members")).order_by("order")
    return list(waves)


LAGGING_SQL = """
SELECT m.agency_id
FROM public.evaluation_waveagency m
JOIN public.tenants_agency a ON a.id = m.agency_id
LEFT JOIN (
  SELECT s.agency_id, sum(s.staff) AS staff, sum(s.active_users) AS active_users
  FROM public.evaluation_weeklysnapshot s
  JOIN public.evaluation_waveagency w ON w.agency_id = s.agency_id AND w.wave_id = %(wave)s
  WHERE s.week >= %(start)s AND s.week < %(end)s
  GROUP BY s.agency_id
) f ON f.agency_id = m.agency_id
WHERE m.wave_id = %(wave)s
ORDER BY CASE WHEN f.staff > 0 THEN round(100.0 * f.active_users / f.staff, 1) END
  NULLS FIRST, a.name, a.id
LIMIT %(limit)s
"""


def lagging(wave: Wave, *, today: dt.date | None = None, limit: int = 10) -> list[dict]:
    """The wave's agencies furthest behind on active use over the last complete weeks:
    agencies with nothing to measure first, then the lowest share (`active_share`, rounded
    as the indicator is, ties by name). The database ranks the wave's agencies; only the
    `limit` shown are read in full."""
    start, end = window(today)
    with connection.cursor() as cur:
        cur.execute(LAGGING_SQL, {"wave": wave.pk, "start": start, "end": end, "limit": limit})
        ids = [row[0] for row in cur.fetchall()]
    agencies = Agency.objects.in_bulk(ids)
    figures = per_agency(ids, start, end)
    rows = []
    for agency_id in ids:
        f = figures.get(agency_id) or {}
        rows.append(
            {
                "agency": agencies[agency_id],
                "active_share": f.get("active_share"),
                "on_time_rate": f.get("on_time_rate"),
                "documents_issued": f.get("documents_issued") or Decimal(0),
            }
        )
    return rows
