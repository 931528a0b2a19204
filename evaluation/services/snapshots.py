"""The weekly snapshots of every agency, in one statement over the statistics' week facts.

Set-based on purpose: the province's thousand agencies must refresh in seconds, so no
loop over agencies. The statement walks every agency's ISO weeks from its first week with
facts to the current week (weeks without facts count zero), takes the flow figures of the
week facts as they are, and carries the running figures with window sums: `staff` is the
active accounts created up to the end of the week, `annual_report_ready` whether an annual
report had been generated from the data by then. Rows of weeks no longer produced are
deleted in the same statement (the pattern of insights.services.refresh).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from iso_platform.workdays.calendar import TZ

SNAPSHOT_SQL = """
WITH span AS (
  SELECT f.agency_id, min(f.period) AS first_week
  FROM public.insights_agencyfact f
  JOIN public.tenants_agency a ON a.id = f.agency_id AND a.schema_name <> %(public)s
  WHERE f.grain = 'week'
  GROUP BY f.agency_id
), grid AS (
  SELECT s.agency_id, g::date AS week
  FROM span s, generate_series(s.first_week, %(this_week)s::date, interval '7 days') g
), rows AS (
  SELECT grid.agency_id, grid.week,
    sum(coalesce(f.users_joined, 0)) OVER w AS staff,
    coalesce(f.active_users, 0) AS active_users,
    coalesce(f.documents_issued, 0) AS documents_issued,
    f.issue_days_median,
    coalesce(f.records_kept, 0) AS records_kept,
    coalesce(f.received, 0) AS received,
    coalesce(f.received_integrated, 0) AS received_integrated,
    coalesce(f.completed, 0) AS completed,
    coalesce(f.early + f.on_time, 0) AS in_time,
    coalesce(f.late, 0) AS late,
    coalesce(f.late_with_nc, 0) AS late_with_nc,
    coalesce(f.nc_assign_hours, 0) AS nc_assign_hours,
    coalesce(f.corrective_done, 0) AS corrective_done,
    coalesce(f.corrective_on_time, 0) AS corrective_on_time,
    coalesce(f.satisfaction_responses, 0) AS survey_responses,
    coalesce(f.satisfaction_score_sum, 0) AS survey_score_sum,
    sum(coalesce(f.annual_reports_generated, 0)) OVER w > 0 AS annual_report_ready
  FROM grid
  LEFT JOIN public.insights_agencyfact f
    ON f.agency_id = grid.agency_id AND f.grain = 'week' AND f.period = grid.week
  WINDOW w AS (PARTITION BY grid.agency_id ORDER BY grid.week)
), up AS (
  INSERT INTO public.evaluation_weeklysnapshot AS s (agency_id, week, staff, active_users,
    documents_issued, issue_days_median, records_kept, received, received_integrated,
    completed, in_time, late, late_with_nc, nc_assign_hours, corrective_done,
    corrective_on_time, survey_responses, survey_score_sum, annual_report_ready, computed_at)
  SELECT agency_id, week, staff, active_users, documents_issued, issue_days_median,
    records_kept, received, received_integrated, completed, in_time, late, late_with_nc,
    nc_assign_hours, corrective_done, corrective_on_time, survey_responses, survey_score_sum,
    annual_report_ready, %(now)s
  FROM rows
  ON CONFLICT (agency_id, week) DO UPDATE SET
    staff = EXCLUDED.staff, active_users = EXCLUDED.active_users,
    documents_issued = EXCLUDED.documents_issued,
    issue_days_median = EXCLUDED.issue_days_median, records_kept = EXCLUDED.records_kept,
    received = EXCLUDED.received, received_integrated = EXCLUDED.received_integrated,
    completed = EXCLUDED.completed, in_time = EXCLUDED.in_time, late = EXCLUDED.late,
    late_with_nc = EXCLUDED.late_with_nc, nc_assign_hours = EXCLUDED.nc_assign_hours,
    corrective_done = EXCLUDED.corrective_done,
    corrective_on_time = EXCLUDED.corrective_on_time,
    survey_responses = EXCLUDED.survey_responses, survey_score_sum = EXCLUDED.survey_score_sum,
    annual_report_ready = EXCLUDED.annual_report_ready, computed_at = EXCLUDED.computed_at
  RETURNING s.id
)
DELETE FROM public.evaluation_weeklysnapshot old
WHERE NOT EXISTS (SELECT 1 FROM up WHERE up.id = old.id)
"""


def week_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass
class SnapshotSummary:
    rows: int
    seconds: float


def snapshots_refresh(*, now: dt.datetime | None = None) -> SnapshotSummary:
    """Recompute every agency's weekly snapshots (one transaction, one statement)."""
    now = now or timezone.now()
    started = time.perf_counter()
    params = {
        "now": now,
        "this_week": week_of(now.astimezone(TZ).date()),
        "public": settings.PUBLIC_SCHEMA_NAME,
    }
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(7008)")  # one refresh at a time
        cur.execute(SNAPSHOT_SQL, params)
        cur.execute("SELECT count(*) FROM public.evaluation_weeklysnapshot")
        rows = cur.fetchone()[0]
    return SnapshotSummary(rows=rows, seconds=time.perf_counter() - started)
