"""Application list, filters and on-time statistics with 200,000 applications in one agency.

    .venv/bin/python bench/applications.py [--applications 200000] [--runs 15]

Builds the applications (and three process-control rows each) with set-based SQL, then
requests the pages through Django's full stack and prints p50/p95 server time and SQL per
page. Target: under 200 ms.
"""

from __future__ import annotations

import argparse
import time

import _common

PAGES = {
    "list (newest first)": ("/procedures/applications/", {}),
    "list, page 200": ("/procedures/applications/", {"page": "200"}),
    "filter: late": ("/procedures/applications/", {"timeliness": "late"}),
    "filter: overdue now": ("/procedures/applications/", {"timeliness": "overdue"}),
    "filter: status in progress": ("/procedures/applications/", {"status": "in_progress"}),
    "filter: procedure + period": (
        "/procedures/applications/",
        {"procedure": "{p1}", "received_from": "{month_ago}", "received_to": "{today}"},
    ),
    "filter: code prefix": ("/procedures/applications/", {"q": "B-12345"}),
    "statistics (default 6 months)": ("/procedures/statistics/", {}),
    "statistics (12 months)": (
        "/procedures/statistics/",
        {"start": "{year_ago}", "end": "{today}"},
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database (to explain)")
    args = parser.parse_args()
    _common.setup("applications")
    try:
        figures = run(args.applications, args.runs)
    finally:
        if not args.keep:
            _common.teardown("applications")
    _common.report(figures)


def run(count: int, runs: int) -> dict:
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["*"]
    agency, user, procedures = _agency()
    started = time.perf_counter()
    _fill(agency, procedures, count)
    print(
        f"built {count} applications and {count * 3} sheet rows in "
        f"{time.perf_counter() - started:.1f}s",
        flush=True,
    )
    client = _client(agency, user)
    today = timezone.localdate()
    values = {
        "p1": str(procedures[0]),
        "today": today.isoformat(),
        "month_ago": (today - dt.timedelta(days=30)).isoformat(),
        "year_ago": (today - dt.timedelta(days=365)).isoformat(),
    }
    figures = {"benchmark": "applications", "applications": count, "pages": {}}
    for label, (path, params) in PAGES.items():
        params = {k: v.format(**values) for k, v in params.items()}
        row = _measure(client, path, params, runs)
        figures["pages"][label] = row
        print(
            f"{label:32} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
            f"{row['sql']:3d} SQL",
            flush=True,
        )
    figures["worst_p95_ms"] = max(r["p95_ms"] for r in figures["pages"].values())
    figures["target_ms"] = 200
    print(f"worst p95 {figures['worst_p95_ms']:.1f} ms (target 200 ms)")
    return figures


def _agency():

    from django_tenants.utils import schema_context

    from eiso.testing.procedures import make_procedure
    from iso_platform.accounts.models import User
    from tenants.services.provisioning import AgencySpec, agency_provision

    result = agency_provision(
        spec=AgencySpec(
            code="lon", name="Sở Lớn", kind="other", admin_email="a@lon.test", admin_name="A"
        ),
        admin_password="bench-password-1",
        method="clone",
    )
    with schema_context(result.agency.schema_name):
        user = User.objects.get()
        ids = [make_procedure(user, code=f"1.00000{n}").pk for n in range(1, 6)]
    return result.agency, user, ids


FILL = """
WITH p AS (
  SELECT array_agg(pr.id ORDER BY pr.id) AS ids, array_agg(v.id ORDER BY pr.id) AS versions
  FROM quality_procedures_procedure pr JOIN quality_procedures_procedureversion v
    ON v.procedure_id = pr.id
)
INSERT INTO quality_procedures_application (code, procedure_id, version_id, channel, applicant,
  received_at, count_start_at, due_at, promised_at, status, current_step, current_unit,
  completed_at, returned_at, ended_at, timeliness, late_seconds, supplement_count,
  apology_count, agency_fault, note, events, last_event_at, updated_at, code_trigrams)
SELECT k.code, p.ids[1 + g %% 5], p.versions[1 + g %% 5],
  (ARRAY['desk','portal','post'])[1 + g %% 3],
  'Người nộp ' || g, r, r, r + interval '7 days', NULL,
  CASE WHEN g %% 40 = 0 THEN 'in_progress' WHEN g %% 97 = 0 THEN 'refused' ELSE 'returned' END,
  NULL, 'Phòng ' || (g %% 4), c, c + interval '2 hours', c + interval '2 hours',
  CASE WHEN g %% 40 = 0 OR g %% 97 = 0 THEN ''
       WHEN (g * 7919) %% 100 < 72 THEN 'early' WHEN (g * 7919) %% 100 < 88 THEN 'on_time'
       ELSE 'late' END,
  0, 0, 0, false, '', 5, c, now(),
  -- code_trigrams() of models.py, in SQL (same windows for ASCII codes)
  ARRAY(SELECT DISTINCT substr(lower(k.code), i, 3) FROM generate_series(1, length(k.code) - 2) i
        ORDER BY 1)
FROM p, generate_series(1, %s) AS g,
  LATERAL (SELECT {code} AS code) k,
  LATERAL (SELECT now() - (g * interval '150 seconds') AS r) rr,
  LATERAL (SELECT CASE WHEN g %% 40 = 0 OR g %% 97 = 0 THEN NULL
                       ELSE rr.r + ((g * 7919) %% 100) * interval '2 hours' END AS c) cc
"""
FILL_SHEETS = """
INSERT INTO quality_procedures_handoff (application_id, seq, kind, step, step_name, from_unit,
  from_officer, to_unit, to_officer, at, due_at, on_time, note)
SELECT a.id, s, 'handed_over', s, 'Bước ' || s, 'Phòng ' || ((a.id + s) %% 4), 'Cán bộ',
  'Phòng ' || ((a.id + s + 1) %% 4), 'Cán bộ', a.received_at + s * interval '1 day',
  a.received_at + s * interval '1 day' + interval '1 hour', (a.id * s) %% 9 <> 0, ''
FROM quality_procedures_application a, generate_series(1, 3) AS s
"""


def _fill(agency, procedures, count: int, code: str = "'B-' || g") -> None:
    """`code`: the SQL of the application code from `g`, the row number."""
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    with schema_context(agency.schema_name), transaction.atomic(), connection.cursor() as cur:
        cur.execute(FILL.format(code=code), [count])
        cur.execute(FILL_SHEETS.replace("%%", "%"))
    from quality.procedures.services.stats import stats_rebuild

    with schema_context(agency.schema_name):
        stats_rebuild()  # loaded by SQL, not through the inbox: build the daily statistics
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def _client(agency, user):
    from django.test import Client
    from django_tenants.utils import schema_context

    client = Client(HTTP_HOST=agency.host)
    with schema_context(agency.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _measure(client, path: str, params: dict, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, params)
    timings, sql = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path, params)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, params, response.status_code)
        sql = len([q for q in queries if not q["sql"].startswith("SET search_path")])
    return {
        "p50_ms": round(_common.percentile(timings, 50), 1),
        "p95_ms": round(_common.percentile(timings, 95), 1),
        "sql": sql,
    }


if __name__ == "__main__":
    main()
