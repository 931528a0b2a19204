"""Reads of the rollout evaluation: public tables only (snapshots, facts, the checklist
mirror, billing), a handful of queries per page whatever the number of agencies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from evaluation.indicators import INDICATORS, SUM_FIELDS, evaluate
from evaluation.models import GateCriterion, Wave, WaveAgency, WeeklySnapshot
from evaluation.readiness import CRITERIA, UNMEASURED, readiness_context

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
    figures = sums(wave_agency_ids(previous), start, end)
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


def readiness_grid(wave: Wave, *, limit: int | None = None) -> dict:
    """Agencies × criteria of the wave: each cell a state and a short detail; with `limit`,
    only that many rows, the agencies furthest from ready first (the counts cover all)."""
    members = list(
        WaveAgency.objects.filter(wave=wave).select_related("agency").order_by("agency__name")
    )
    context = readiness_context([m.agency_id for m in members])
    rows = []
    for member in members:
        ctx = context[member.agency_id]
        cells = [criterion.check(ctx) for criterion in CRITERIA.values()]
        measured = [c for c in cells if c.state != UNMEASURED]
        rows.append(
            {
                "agency": member.agency,
                "cells": cells,
                "ready": all(c.met for c in measured),
                "met": sum(1 for c in measured if c.met),
                "measured": len(measured),
            }
        )
    criteria = list(CRITERIA.values())
    counts = [sum(1 for r in rows if r["cells"][i].met) for i in range(len(criteria))]
    total, ready = len(rows), sum(1 for r in rows if r["ready"])
    if limit is not None and len(rows) > limit:
        rows = sorted(rows, key=lambda r: (r["ready"], r["met"]))[:limit]
    return {"criteria": criteria, "rows": rows, "counts": counts, "total": total, "ready": ready}


def overview() -> list[dict]:
    """Every wave with its agency count and stage (the evaluation home page)."""
    waves = Wave.objects.annotate(agencies=Count("members")).order_by("order")
    return list(waves)


def lagging(wave: Wave, *, today: dt.date | None = None, limit: int = 10) -> list[dict]:
    """The wave's agencies furthest behind on active use over the last complete weeks."""
    start, end = window(today)
    members = {
        m.agency_id: m.agency for m in WaveAgency.objects.filter(wave=wave).select_related("agency")
    }
    figures = per_agency(list(members), start, end)
    rows = []
    for agency_id, agency in members.items():
        f = figures.get(agency_id) or {}
        rows.append(
            {
                "agency": agency,
                "active_share": f.get("active_share"),
                "on_time_rate": f.get("on_time_rate"),
                "documents_issued": f.get("documents_issued") or Decimal(0),
            }
        )
    rows.sort(key=lambda r: (r["active_share"] is not None, r["active_share"] or 0))
    return rows[:limit]
