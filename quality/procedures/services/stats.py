"""Daily statistics kept in step with applications, recomputed set-wise for the days touched.

Every rebuild of applications recomputes the days it may have changed (the old and new
receipt, completion and hand-off days); `stats_rebuild()` recomputes everything (nightly
reconciliation, repairs, data loaded by other means).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from iso_platform.workdays.calendar import TZ

LOCAL_DAY = "(({col}) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
APP, HANDOFF = "quality_procedures_application", "quality_procedures_handoff"

# Only fixed column expressions are formatted in; values are bound parameters.
RECOMPUTE_DAILY = """
DELETE FROM quality_procedures_dailystat WHERE day = ANY(%(days)s);
INSERT INTO quality_procedures_dailystat (day, procedure_id, received, early, on_time, late)
SELECT day, procedure_id, sum(received), sum(early), sum(on_time), sum(late) FROM (
  SELECT {received_day} AS day, procedure_id, 1 AS received, 0 AS early, 0 AS on_time, 0 AS late
  FROM quality_procedures_application
  WHERE received_at >= %(low)s AND received_at < %(high)s AND {received_day} = ANY(%(days)s)
  UNION ALL
  SELECT {completed_day}, procedure_id, 0, (timeliness = 'early')::int,
         (timeliness = 'on_time')::int, (timeliness = 'late')::int
  FROM quality_procedures_application
  WHERE completed_at >= %(low)s AND completed_at < %(high)s AND {completed_day} = ANY(%(days)s)
) x GROUP BY day, procedure_id;
DELETE FROM quality_procedures_stepdailystat WHERE day = ANY(%(days)s);
INSERT INTO quality_procedures_stepdailystat (day, procedure_id, step, step_name, unit, on_time,
                                              late)
SELECT {handoff_day}, a.procedure_id, h.step, h.step_name, coalesce(nullif(h.from_unit, ''), '—'),
       count(*) FILTER (WHERE h.on_time), count(*) FILTER (WHERE NOT h.on_time)
FROM quality_procedures_handoff h JOIN quality_procedures_application a ON a.id = h.application_id
WHERE h.on_time IS NOT NULL AND h.at >= %(low)s AND h.at < %(high)s
  AND {handoff_day} = ANY(%(days)s)
GROUP BY 1, 2, 3, 4, 5;
""".format(
    received_day=LOCAL_DAY.format(col="received_at"),
    completed_day=LOCAL_DAY.format(col="completed_at"),
    handoff_day=LOCAL_DAY.format(col="h.at"),
)


def days_of(moments) -> set[dt.date]:

    return {m.astimezone(TZ).date() for m in moments if m is not None}


def stats_recompute(days: set[dt.date]) -> None:
    """Recompute the daily statistics of `days` (in the current agency schema)."""
    if not days:
        return

    ordered = sorted(days)
    low = dt.datetime.combine(ordered[0], dt.time.min, TZ)
    high = dt.datetime.combine(ordered[-1] + dt.timedelta(days=1), dt.time.min, TZ)
    with connection.cursor() as cur:
        cur.execute(RECOMPUTE_DAILY, {"days": ordered, "low": low, "high": high})


def affected_days(application_ids: list[int]) -> set[dt.date]:
    """Every day on which these applications count: receipt, completion, hand-offs."""
    if not application_ids:
        return set()
    with connection.cursor() as cur:
        received, completed = (
            LOCAL_DAY.format(col="received_at"),
            LOCAL_DAY.format(col="completed_at"),
        )
        cur.execute(
            f"SELECT DISTINCT d FROM (SELECT {received} AS d FROM {APP} WHERE id = ANY(%s)"
            f" UNION SELECT {completed} FROM {APP} WHERE id = ANY(%s) AND completed_at IS NOT NULL"
            f" UNION SELECT {LOCAL_DAY.format(col='at')} FROM {HANDOFF}"
            "  WHERE application_id = ANY(%s) AND on_time IS NOT NULL) x",
            [application_ids] * 3,
        )
        return {row[0] for row in cur.fetchall()}


def stats_rebuild() -> int:
    """Recompute every day that has applications; return the number of days."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT DISTINCT {LOCAL_DAY.format(col='received_at')} FROM {APP}"
            f" UNION SELECT DISTINCT {LOCAL_DAY.format(col='completed_at')}"
            f" FROM {APP} WHERE completed_at IS NOT NULL"
            f" UNION SELECT DISTINCT {LOCAL_DAY.format(col='at')} FROM {HANDOFF}"
        )
        days = {row[0] for row in cur.fetchall()}
        cur.execute("TRUNCATE quality_procedures_dailystat, quality_procedures_stepdailystat")
    for start in range(0, len(days), 120):
        stats_recompute(set(sorted(days)[start : start + 120]))
    return len(days)
