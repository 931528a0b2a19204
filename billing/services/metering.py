"""Daily usage of an agency, measured in its own schema and kept in the public schema.

- active users: distinct people of the agency who signed in (last sign-in or axes' access
  log) or did something recorded in the audit trail that day (Asia/Ho_Chi_Minh);
- storage: `pg_total_relation_size` of every table of the agency's schema (indexes and TOAST
  included) plus the files under MEDIA_ROOT/<schema>/, measured when the task runs;
- applications received: applications whose `received_at` falls on that day.

Recording the same agency and day again overwrites the row (an upsert): idempotent.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from billing.models import UsageDaily
from billing.services.money import day_bounds
from tenants.models import Agency

ACTIVE_USERS_SQL = """
SELECT count(DISTINCT id) FROM (
    SELECT u.id FROM {s}.accounts_user u
     WHERE u.last_login >= %(start)s AND u.last_login < %(end)s
    UNION ALL
    SELECT u.id FROM {s}.axes_accesslog a JOIN {s}.accounts_user u
        ON lower(u.email) = lower(a.username)
     WHERE a.attempt_time >= %(start)s AND a.attempt_time < %(end)s
    UNION ALL
    SELECT u.id FROM {s}.quality_core_auditevent e JOIN {s}.accounts_user u
        ON u.id = e.actor_id
     WHERE e.at >= %(start)s AND e.at < %(end)s
) AS people
"""

STORAGE_SQL = """
SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'm', 'p')
"""

APPLICATIONS_SQL = """
SELECT count(*) FROM {s}.quality_procedures_application
 WHERE received_at >= %(start)s AND received_at < %(end)s
"""


def _quoted(schema: str) -> str:
    if not schema.replace("_", "").isalnum() or schema != schema.lower():
        raise ValueError(f"unexpected schema name {schema!r}")
    return connection.ops.quote_name(schema)


def media_bytes(schema: str) -> int:
    root = Path(settings.MEDIA_ROOT) / schema
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += os.stat(os.path.join(folder, name), follow_symlinks=False).st_size
            except OSError:  # removed while walking
                continue
    return total


def usage_measure(*, agency: Agency, day: date) -> dict[str, int]:
    start, end = day_bounds(day)
    s = _quoted(agency.schema_name)
    params = {"start": start, "end": end, "schema": agency.schema_name}
    with connection.cursor() as cur:
        cur.execute(ACTIVE_USERS_SQL.format(s=s), params)
        active_users = cur.fetchone()[0]
        cur.execute(STORAGE_SQL, params)
        storage = int(cur.fetchone()[0])
        cur.execute(APPLICATIONS_SQL.format(s=s), params)
        applications = cur.fetchone()[0]
    return {
        "active_users": active_users,
        "storage_bytes": storage + media_bytes(agency.schema_name),
        "applications_received": applications,
    }


def usage_record(*, agency: Agency, day: date) -> UsageDaily:
    """Measure `day` for `agency` and upsert its UsageDaily row."""
    figures = usage_measure(agency=agency, day=day)
    UsageDaily.objects.bulk_create(
        [UsageDaily(agency=agency, day=day, measured_at=timezone.now(), **figures)],
        update_conflicts=True,
        unique_fields=["agency", "day"],
        update_fields=[*figures, "measured_at"],
    )
    return UsageDaily.objects.get(agency=agency, day=day)


def usage_for_agency(*, agency: Agency, since: date, until: date):
    """The agency's own daily rows, [since, until] inclusive."""
    return UsageDaily.objects.filter(agency=agency, day__gte=since, day__lte=until).order_by("day")
