"""The department's statistics: refreshing every agency's figures, and the dashboard queries.

    .venv/bin/python bench/statistics.py [--agencies 1000] [--schemas 100] [--naive 10]
        [--applications 3000] [--days 730] [--runs 10]

1. `--schemas` real agency schemas (claimed from the warm pool, so every table of an agency
   exists) filled with set-based SQL: `--applications` applications each over the last
   `--days` days, the nonconformities of the late ones, survey answers, an audit trail,
   twenty people, the template pack's documents, an audit programme, objectives with
   measurements and a management review.
2. `--agencies` agencies in all: the others are public `Agency` rows only, given `--days` days
   of daily facts (generate_series), their month and field facts and a status row.
3. (a) Refresh, same data, same run: the first `--naive` real agencies the naive way (a
   Python loop over agencies running ORM queries one by one, per day, month, field and
   indicator), then every real agency with `agency_refresh` (one transaction of three
   set-based statements each). Both ways must produce the same figures; prints both times
   for the same agencies and their ratio (target >= 10x), and the set-based time of all
   real agencies. (b) Every query function of `insights/selectors/`, p50/p95 over `--runs`
   runs against all `--agencies` agencies (target < 200 ms each).

Why not 1,000 real schemas by default: provisioning and filling one costs about 1 s, and the
naive refresh about 10 s per agency with two years of data (the point of the comparison), so
1,000 would take about three hours. Both are linear in the number of agencies (per-agency
times are printed, with the estimates for 1,000); `--schemas 1000 --naive 1000` runs the full
comparison for whoever has the time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import os
import sys
import time

# This file is named like the standard library's `statistics`, which _common imports: load
# the standard one first, with this folder out of the path.
_BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _BENCH]
import statistics  # noqa: E402, F401

sys.path.insert(0, _BENCH)
import _common  # noqa: E402

FIELDS = (
    "Hoạt động khoa học và công nghệ",
    "Tiêu chuẩn đo lường chất lượng",
    "Sở hữu trí tuệ",
    "Năng lượng nguyên tử",
)
KINDS = ("provincial_department", "commune_committee", "service_centre", "other")

# --------------------------------------------------------------------------- real agencies

FILL_APPLICATIONS = """
WITH p AS (
  SELECT array_agg(pr.id ORDER BY pr.id) AS ids, array_agg(v.id ORDER BY pr.id) AS versions
  FROM quality_procedures_procedure pr JOIN quality_procedures_procedureversion v
    ON v.procedure_id = pr.id
)
INSERT INTO quality_procedures_application (code, procedure_id, version_id, channel, applicant,
  received_at, count_start_at, due_at, promised_at, status, current_step, current_unit,
  completed_at, returned_at, ended_at, timeliness, late_seconds, supplement_count,
  apology_count, agency_fault, note, events, last_event_at, updated_at)
SELECT 'HS-' || g, p.ids[1 + g %% 5], p.versions[1 + g %% 5],
  (ARRAY['desk','portal','post'])[1 + g %% 3],
  'Người nộp ' || g, r, r, r + interval '7 days', NULL,
  CASE WHEN c IS NULL THEN 'in_progress' ELSE 'returned' END,
  NULL, 'Phòng ' || (g %% 4), c, c + interval '2 hours', c + interval '2 hours',
  CASE WHEN c IS NULL THEN '' WHEN (g * 7919 + %(seed)s) %% 100 < 70 THEN 'early'
       WHEN (g * 7919 + %(seed)s) %% 100 < 88 THEN 'on_time' ELSE 'late' END,
  0, 0, 0, false, '', 3, coalesce(c, r), now()
FROM p, generate_series(1, %(count)s) AS g,
  LATERAL (SELECT now() - (%(days)s * interval '1 day') * g / %(count)s
                  - ((g * 104729 + %(seed)s) %% 86400) * interval '1 second' AS r) rr,
  LATERAL (SELECT rr.r + ((g * 7919) %% 150) * interval '1 hour' AS done) dn,
  LATERAL (SELECT CASE WHEN g %% 37 = 0 OR dn.done > now() - interval '3 hours' THEN NULL
                       ELSE dn.done END AS c) cc
"""
FILL_REST = """
UPDATE quality_procedures_procedure SET field = (%(fields)s::text[])[1 + id %% 4];
INSERT INTO quality_improvement_nonconformity (source, source_type, source_id, source_ref, title,
  description, severity, unit_name, detected_at, status, correction, root_cause_method,
  root_cause_detail, root_cause, verify_after_days, verification_note, reopen_count, created_at,
  closed_at, verification_due_on, close_reason)
SELECT 'application_late', 'application', a.code, a.code, 'Hồ sơ trễ hạn ' || a.code, '',
  'minor', a.current_unit, a.completed_at, CASE WHEN x.closed THEN 'closed' ELSE 'open' END,
  '', '', '{}', '', 30, '', 0, a.completed_at,
  CASE WHEN x.closed THEN a.completed_at + interval '20 days' END,
  CASE WHEN NOT x.closed THEN (a.completed_at + interval '30 days')::date END, ''
FROM quality_procedures_application a,
  LATERAL (SELECT a.id %% 3 <> 0 AND a.completed_at < now() - interval '21 days' AS closed) x
WHERE a.timeliness = 'late';
INSERT INTO quality_feedback_surveyresponse (created_at, application_code, procedure_id, overall,
  timeliness, staff, comment, address_hash, token_digest)
SELECT a.completed_at + interval '1 hour', a.code, a.procedure_id, 1 + a.id %% 5, 1 + a.id %% 4,
  2 + a.id %% 4, '', md5(a.code), ''
FROM quality_procedures_application a
WHERE a.completed_at < now() - interval '2 hours' AND a.id %% 5 = 0;
INSERT INTO quality_core_auditevent (at, actor_id, actor_label, action, subject_type, subject_id,
  subject_label, parent_type, parent_id, changes)
SELECT a.received_at, (SELECT min(id) FROM accounts_user) + a.id %% 20,
  'Cán bộ', 'update', 'application', a.id::text, a.code, '', '', '{}'
FROM quality_procedures_application a WHERE a.id %% 2 = 0;
UPDATE accounts_user SET last_login = now() - (id %% 40) * interval '1 day';
UPDATE quality_documents_document
  SET status = 'in_force', next_review_on = current_date + (id %% 400 - 60)::int;
"""


def _real_agencies(count: int, applications: int, days: int) -> list:

    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from eiso.testing.procedures import make_procedure
    from insights.services.dirty import suspended
    from iso_platform.accounts.models import Role, User
    from tenants.services import pool
    from tenants.services.provisioning import AgencySpec, agency_provision

    started = time.perf_counter()
    pool.pool_refill(target=count)
    print(f"built {count} spare schemas in {time.perf_counter() - started:.1f}s", flush=True)
    agencies, started = [], time.perf_counter()
    with suspended():  # loaded by SQL; the benchmark refreshes explicitly
        for n in range(count):
            result = agency_provision(
                spec=AgencySpec(
                    code=f"that{n:04d}",
                    name=f"Sở thật {n}",
                    kind=KINDS[n % len(KINDS)],
                    admin_email=f"thuky@that{n}.test",
                    admin_name="Thư ký",
                ),
                admin_password="bench-password-1",
                method="pool",
            )
            agency = result.agency
            with schema_context(agency.schema_name), transaction.atomic():
                admin = result.admin
                people = [
                    User(email=f"cb{k}@that{n}.test", full_name=f"Cán bộ {k}", role=Role.STAFF)
                    for k in range(19)
                ]
                for person in people:
                    person.set_unusable_password()
                User.objects.bulk_create(people)
                for k in range(1, 6):
                    make_procedure(admin, code=f"1.00000{k}")
                _quality_rows(admin)
                with connection.cursor() as cur:
                    cur.execute(FILL_APPLICATIONS, {"count": applications, "days": days, "seed": n})
                    cur.execute(FILL_REST, {"fields": list(FIELDS)})
            agencies.append(agency)
            if (n + 1) % 20 == 0:
                print(f"  {n + 1} agencies filled", flush=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(
        f"provisioned and filled {count} agencies ({applications} applications each) in "
        f"{time.perf_counter() - started:.1f}s",
        flush=True,
    )
    return agencies


def _quality_rows(admin) -> None:
    """A programme with audits, objectives with measurements, a management review."""
    from decimal import Decimal

    from django.utils import timezone

    from quality.audits.models import AuditPlan, AuditProgramme
    from quality.objectives.models import Measurement, Objective
    from quality.reviews.models import ManagementReview

    today = timezone.localdate()
    programme = AuditProgramme.objects.create(year=today.year)
    AuditPlan.objects.bulk_create(
        AuditPlan(
            programme=programme,
            title=f"Đánh giá đợt {k}",
            scope="TTHC",
            start_on=dt.date(today.year, 3 * k, 1),
            end_on=dt.date(today.year, 3 * k, 3),
            lead=admin,
            status="reported" if k == 1 else "planned",
        )
        for k in (1, 2)
    )
    objectives = Objective.objects.bulk_create(
        Objective(
            year=today.year,
            title=f"Mục tiêu {k}",
            indicator="Tỷ lệ",
            target=Decimal(95),
            owner=admin,
        )
        for k in range(3)
    )
    Measurement.objects.bulk_create(
        Measurement(
            objective=o,
            period_start=dt.date(today.year, month, 1),
            period_end=dt.date(today.year, month, 28),
            value=Decimal(90 + k * 3 + month % 2),
            met=90 + k * 3 + month % 2 >= 95,
        )
        for k, o in enumerate(objectives)
        for month in (1, 2, 3)
    )
    ManagementReview.objects.create(
        title="Họp xem xét",
        meeting_on=dt.date(today.year, 1, 15),
        chair=admin,
        period_start=dt.date(today.year - 1, 1, 1),
        period_end=dt.date(today.year - 1, 12, 31),
        status="held",
    )


# --------------------------------------------------------------------------- public rows only

FAKE_FACTS = """
INSERT INTO insights_agencyfact (agency_id, grain, period, received, completed, early, on_time,
  late, ncs_opened, ncs_closed, satisfaction_responses, satisfaction_score_sum, active_users,
  computed_at)
SELECT a.id, 'day', d, x.received, x.completed, x.completed * 6 / 10, x.completed * 3 / 10,
  x.completed - x.completed * 6 / 10 - x.completed * 3 / 10,
  x.completed - x.completed * 6 / 10 - x.completed * 3 / 10, (a.id + hh.h) %% 2, x.completed / 3,
  (x.completed / 3) * (3 + hh.h %% 3), 1 + hh.h %% 7, now()
FROM tenants_agency a
CROSS JOIN generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS gd
CROSS JOIN LATERAL (SELECT gd::date AS d) dd
CROSS JOIN LATERAL (SELECT (a.id * 7919 + (dd.d - %(start)s::date) * 104729) %% 1000 AS h) hh
CROSS JOIN LATERAL (SELECT hh.h %% 12 AS received, (hh.h / 7) %% 11 AS completed) x
WHERE a.id = ANY(%(ids)s) AND extract(isodow FROM dd.d) < 6;
INSERT INTO insights_agencyfact (agency_id, grain, period, received, completed, early, on_time,
  late, ncs_opened, ncs_closed, satisfaction_responses, satisfaction_score_sum, active_users,
  computed_at)
SELECT agency_id, 'month', date_trunc('month', period)::date, sum(received), sum(completed),
  sum(early), sum(on_time), sum(late), sum(ncs_opened), sum(ncs_closed),
  sum(satisfaction_responses), sum(satisfaction_score_sum), max(active_users) + 3, now()
FROM insights_agencyfact WHERE grain = 'day' AND agency_id = ANY(%(ids)s) GROUP BY 1, 3;
INSERT INTO insights_fieldfact (agency_id, month, field, completed, in_time, late)
SELECT f.agency_id, f.period, fl.field, f.completed / 4 + fl.n, (f.completed / 4) * 9 / 10 + fl.n,
  f.completed / 4 - (f.completed / 4) * 9 / 10
FROM insights_agencyfact f,
  unnest(%(fields)s::text[]) WITH ORDINALITY AS fl(field, n)
WHERE f.grain = 'month' AND f.agency_id = ANY(%(ids)s) AND (f.agency_id + fl.n) %% 3 <> 0;
INSERT INTO insights_agencystatus (agency_id, year, overdue_now, in_progress, ncs_open,
  ncs_overdue, actions_overdue, audits_planned, audits_done, documents_in_force,
  documents_review_overdue, objectives_met, objectives_missed, review_held, users,
  active_users_30d, staff_trained, last_activity, storage_bytes, refreshed_at, refresh_ms,
  dirty_since, last_error, failed_at)
SELECT a.id, extract(year FROM now())::int, a.id %% 5, 20 + a.id %% 30, a.id %% 9, a.id %% 4,
  a.id %% 3, 2, a.id %% 3, 80 + a.id %% 50, a.id %% 6, 2 + a.id %% 3, a.id %% 2, a.id %% 4 <> 0,
  15 + a.id %% 40, 10 + a.id %% 20, 5 + a.id %% 10, now() - (a.id %% 100) * interval '1 hour',
  (20 + a.id %% 30) * 1048576, now() - (a.id %% 30) * interval '1 hour', 30 + a.id %% 40,
  CASE WHEN a.id %% 17 = 0 THEN now() END, CASE WHEN a.id %% 97 = 0 THEN 'lỗi thử' ELSE '' END,
  CASE WHEN a.id %% 97 = 0 THEN now() END
FROM tenants_agency a WHERE a.id = ANY(%(ids)s);
"""


def _public_only_agencies(count: int, days: int) -> list[int]:
    from django.db import connection, transaction
    from django.utils import timezone

    from tenants.models import Agency

    if count <= 0:
        return []
    started = time.perf_counter()
    with transaction.atomic():
        parents = Agency.objects.bulk_create(
            Agency(
                schema_name=f"ag_cha{n:02d}",
                code=f"cha{n:02d}",
                name=f"UBND huyện {n}",
                kind="provincial_department",
            )
            for n in range(min(10, count))
        )
        rest = Agency.objects.bulk_create(
            Agency(
                schema_name=f"ag_gia{n:04d}",
                code=f"gia{n:04d}",
                name=f"Cơ quan {n}",
                kind=KINDS[n % len(KINDS)],
                parent=parents[n % len(parents)] if n % 3 else None,
            )
            for n in range(count - len(parents))
        )
        ids = [a.pk for a in parents + rest]
        end = timezone.localdate()
        with connection.cursor() as cur:
            cur.execute(
                FAKE_FACTS,
                {
                    "ids": ids,
                    "start": end - dt.timedelta(days=days - 1),
                    "end": end,
                    "fields": list(FIELDS),
                },
            )
            cur.execute("ANALYZE insights_agencyfact, insights_fieldfact, insights_agencystatus")
            cur.execute("SELECT count(*) FROM insights_agencyfact")
            facts = cur.fetchone()[0]
    print(
        f"{count} public-only agencies, {facts} facts in all, in "
        f"{time.perf_counter() - started:.1f}s",
        flush=True,
    )
    return ids


# --------------------------------------------------------------------------- the naive way

FLOW = (
    "received",
    "completed",
    "early",
    "on_time",
    "late",
    "ncs_opened",
    "ncs_closed",
    "satisfaction_responses",
    "satisfaction_score_sum",
    "active_users",
)


def naive_refresh(agency) -> None:
    """How a first version would do it: the ORM, one indicator, one day at a time."""
    from django.db.models import Min, Sum
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from insights.models import AgencyFact, AgencyStatus, FieldFact
    from iso_platform.accounts.models import User
    from quality.audits.models import AuditPlan
    from quality.core.models import AuditEvent
    from quality.documents.models import Document
    from quality.feedback.models import SurveyResponse
    from quality.improvement.models import Action, Nonconformity
    from quality.objectives.models import Objective
    from quality.procedures.models import Application, Procedure
    from quality.reviews.models import ManagementReview

    started = time.perf_counter()
    with schema_context(agency.schema_name):
        now = timezone.now()
        today = timezone.localdate()
        firsts = [
            Application.objects.aggregate(x=Min("received_at"))["x"],
            Nonconformity.objects.aggregate(x=Min("detected_at"))["x"],
            SurveyResponse.objects.aggregate(x=Min("created_at"))["x"],
            AuditEvent.objects.aggregate(x=Min("at"))["x"],
        ]
        first = min(timezone.localtime(f).date() for f in firsts if f) if any(firsts) else today

        def figures(**lookup) -> dict:
            """`lookup` is a Django date lookup suffix and value, e.g. date=day."""

            def on(column):
                return {f"{column}__{key}": value for key, value in lookup.items()}

            completed = Application.objects.filter(**on("completed_at"))
            responses = SurveyResponse.objects.filter(**on("created_at"))
            return {
                "received": Application.objects.filter(**on("received_at")).count(),
                "completed": completed.count(),
                "early": completed.filter(timeliness="early").count(),
                "on_time": completed.filter(timeliness="on_time").count(),
                "late": completed.filter(timeliness="late").count(),
                "ncs_opened": Nonconformity.objects.filter(**on("detected_at")).count(),
                "ncs_closed": Nonconformity.objects.filter(status="closed", **on("closed_at"))
                .exclude(closed_at=None)
                .count(),
                "satisfaction_responses": responses.count(),
                "satisfaction_score_sum": responses.aggregate(s=Sum("overall"))["s"] or 0,
                "active_users": AuditEvent.objects.filter(actor_id__isnull=False, **on("at"))
                .values("actor_id")
                .distinct()
                .count(),
            }

        def save(grain, period, row):
            key = {"agency": agency, "grain": grain, "period": period}
            if any(row.values()):
                AgencyFact.objects.update_or_create(**key, defaults={**row, "computed_at": now})
            else:
                AgencyFact.objects.filter(**key).delete()

        day = first
        while day <= today:
            save("day", day, figures(date=day))
            day += dt.timedelta(days=1)
        month = first.replace(day=1)
        while month <= today:
            save("month", month, figures(year=month.year, month=month.month))
            for field in Procedure.objects.values_list("field", flat=True).distinct():
                done = Application.objects.filter(
                    procedure__field=field,
                    completed_at__year=month.year,
                    completed_at__month=month.month,
                )
                row = {
                    "completed": done.count(),
                    "in_time": done.filter(timeliness__in=["early", "on_time"]).count(),
                    "late": done.filter(timeliness="late").count(),
                }
                if row["completed"]:
                    FieldFact.objects.update_or_create(
                        agency=agency, month=month, field=field, defaults=row
                    )
                else:
                    FieldFact.objects.filter(agency=agency, month=month, field=field).delete()
            month = (month + dt.timedelta(days=32)).replace(day=1)
        open_apps = Application.objects.filter(status__in=["received", "in_progress", "supplement"])
        open_ncs = Nonconformity.objects.exclude(status="closed")
        overdue_ncs = 0
        for nc in open_ncs:
            late_action = Action.objects.filter(
                nonconformity=nc, status__in=["open", "ineffective"], due_on__lt=today
            ).exists()
            if (nc.verification_due_on and nc.verification_due_on < today) or late_action:
                overdue_ncs += 1
        met = missed = 0
        for objective in Objective.objects.filter(year=today.year):
            last = objective.measurements.order_by("-period_start").first()
            if last is not None:
                met, missed = met + last.met, missed + (not last.met)
        since = now - dt.timedelta(days=30)
        active = set(
            AuditEvent.objects.filter(at__gte=since, actor_id__isnull=False).values_list(
                "actor_id", flat=True
            )
        ) | set(User.objects.filter(last_login__gte=since).values_list("id", flat=True))
        last_event = AuditEvent.objects.order_by("-at").values_list("at", flat=True).first()
        last_login = User.objects.order_by("-last_login").values_list("last_login", flat=True)
        last_login = next((x for x in last_login if x), None)
        AgencyStatus.objects.update_or_create(
            agency=agency,
            defaults={
                "year": today.year,
                "overdue_now": open_apps.filter(due_at__lt=now).count(),
                "in_progress": open_apps.count(),
                "ncs_open": open_ncs.count(),
                "ncs_overdue": overdue_ncs,
                "actions_overdue": Action.objects.filter(
                    kind="corrective", status__in=["open", "ineffective"], due_on__lt=today
                ).count(),
                "audits_planned": AuditPlan.objects.filter(programme__year=today.year).count(),
                "audits_done": AuditPlan.objects.filter(
                    programme__year=today.year, status="reported"
                ).count(),
                "documents_in_force": Document.objects.filter(status="in_force").count(),
                "documents_review_overdue": Document.objects.filter(
                    status="in_force", next_review_on__lt=today
                ).count(),
                "objectives_met": met,
                "objectives_missed": missed,
                "review_held": ManagementReview.objects.filter(
                    status="held", meeting_on__year=today.year
                ).exists(),
                "users": User.objects.filter(is_active=True).count(),
                "active_users_30d": len(active),
                "last_activity": max((x for x in (last_event, last_login) if x), default=None),
                "storage_bytes": _storage_naive(agency.schema_name),
                "refreshed_at": now,
                "refresh_ms": int((time.perf_counter() - started) * 1000),
                "last_error": "",
                "failed_at": None,
            },
        )


def _storage_naive(schema: str) -> int:
    from django.db import connection

    total = 0
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'm', 'p')",
            [schema],
        )
        for (oid,) in cur.fetchall():
            cur.execute("SELECT pg_total_relation_size(%s)", [oid])
            total += cur.fetchone()[0]
    return total


def _snapshot(agencies) -> dict:
    """Every figure of these agencies except timings and sizes (which change between runs)."""
    from insights.models import AgencyFact, AgencyStatus, FieldFact

    ids = [a.pk for a in agencies]
    volatile = {"refreshed_at", "refresh_ms", "storage_bytes", "dirty_since", "last_activity"}
    status_fields = [f.name for f in AgencyStatus._meta.concrete_fields if f.name not in volatile]
    return {
        "facts": sorted(
            AgencyFact.objects.filter(agency_id__in=ids).values_list(
                "agency_id", "grain", "period", *FLOW
            )
        ),
        "fields": sorted(
            FieldFact.objects.filter(agency_id__in=ids).values_list(
                "agency_id", "month", "field", "completed", "in_time", "late"
            )
        ),
        "status": sorted(
            AgencyStatus.objects.filter(agency_id__in=ids).values_list(*status_fields)
        ),
    }


def _refresh_comparison(agencies, naive_count: int) -> dict:
    """The naive way on the first `naive_count` agencies, then `agency_refresh` on every real
    agency; the ratio compares the same agencies, and both ways must give the same figures."""
    from django.db import connection

    from insights.services.refresh import agency_refresh

    both = agencies[: max(1, min(naive_count, len(agencies)))]
    connection.set_schema_to_public()
    started = time.perf_counter()
    for n, agency in enumerate(both, start=1):
        naive_refresh(agency)
        if n % 5 == 0:
            print(f"  naive: {n} agencies, {time.perf_counter() - started:.1f}s", flush=True)
    naive_s = time.perf_counter() - started
    connection.set_schema_to_public()
    connection.queries_log.clear()
    naive = _snapshot(both)
    print(f"naive refresh of {len(both)} agencies: {naive_s:.2f}s", flush=True)
    per_agency = []
    started = time.perf_counter()
    for agency in agencies:
        one = time.perf_counter()
        agency_refresh(agency=agency)
        per_agency.append((time.perf_counter() - one) * 1000)
    all_s = time.perf_counter() - started
    same_s = sum(per_agency[: len(both)]) / 1000
    ours = _snapshot(both)
    same = naive == ours
    ratio = naive_s / same_s if same_s else float("inf")
    p50, p95 = _common.percentile(per_agency, 50), _common.percentile(per_agency, 95)
    print(
        f"set-based refresh of the same {len(both)} agencies: {same_s:.2f}s; of all "
        f"{len(agencies)} real agencies: {all_s:.2f}s (p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        "per agency)",
        flush=True,
    )
    naive_each, ours_each = naive_s / len(both), all_s / len(agencies)
    print(
        f"ratio naive / set-based: {ratio:.1f}x (target >= 10x); same figures: {same}; "
        f"1,000 agencies: naive ~{naive_each * 1000 / 60:.0f} min, set-based "
        f"~{ours_each * 1000:.0f} s",
        flush=True,
    )
    if not same:
        for key in naive:
            if naive[key] != ours[key]:
                diff = set(naive[key]) ^ set(ours[key])
                print(f"  {key} differ, e.g. {sorted(diff, key=str)[:4]}", flush=True)
    return {
        "compared_agencies": len(both),
        "naive_s": round(naive_s, 2),
        "set_based_s": round(same_s, 3),
        "ratio": round(ratio, 1),
        "target_ratio": 10,
        "same_figures": same,
        "set_based_all_real_agencies": len(agencies),
        "set_based_all_s": round(all_s, 2),
        "naive_ms_per_agency": round(naive_each * 1000, 1),
        "set_based_ms_per_agency_p50": round(p50, 1),
        "set_based_ms_per_agency_p95": round(p95, 1),
        "estimate_1000_agencies_naive_s": round(naive_each * 1000),
        "estimate_1000_agencies_set_based_s": round(ours_each * 1000, 1),
    }


# --------------------------------------------------------------------------- dashboard queries

SKIP = {  # helpers, not queries
    "rate",
    "score",
    "month_start",
    "add_months",
    "month_end",
    "months_between",
    "period_q",
    "colour_of",
    "colour_counts",
    "freshness_of",
    "kind_label",
    "counted_agencies",
}


def selector_functions() -> dict:
    """name -> function: the public functions of every module of insights/selectors/."""
    import importlib
    import pkgutil

    try:
        from insights import selectors
    except ImportError:  # SELECTORS-MISSING: insights/selectors/ not written yet
        return {}
    functions = {}
    for module_info in pkgutil.iter_modules(selectors.__path__):
        module = importlib.import_module(f"{selectors.__name__}.{module_info.name}")
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and func.__module__ == module.__name__:
                functions[name] = func
    return functions


def dashboard_calls(sample_agency) -> dict:
    """Every public query function of insights/selectors/ with realistic arguments.

    The selectors live elsewhere; this finds whatever functions exist and fills
    their keyword arguments by name (a period of the last 12 whole months, an indicator, a
    breakdown, one agency). A function whose arguments cannot be filled is listed as skipped.
    """
    from django.utils import timezone

    functions = selector_functions()
    if not functions:
        return {}
    from insights.selectors.rankings import INDICATORS

    today = timezone.localdate()
    period_to = today.replace(day=1) - dt.timedelta(days=1)  # the last 12 whole months
    start_index = period_to.year * 12 + period_to.month - 1 - 11
    period_from = dt.date(start_index // 12, start_index % 12 + 1, 1)
    indicators = list(INDICATORS or ["late"])
    values = {
        "period_from": period_from,
        "period_to": period_to,
        "start": period_from,
        "end": period_to,
        "today": today,
        "now": timezone.now(),
        "indicator": indicators[0],
        "by": "kind",
        "agency": sample_agency,
        "agency_id": sample_agency.pk,
        "code": sample_agency.code,
        "year": today.year,
        "months": 12,
    }
    calls = {}
    for name, func in sorted(functions.items()):
        if name in SKIP:
            continue
        params = inspect.signature(func).parameters.values()
        required = [p for p in params if p.default is inspect.Parameter.empty]
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in required):
            continue
        if not all(p.name in values for p in required):
            calls[name] = None
            continue
        kwargs = {p.name: values[p.name] for p in required}
        calls[name] = kwargs
        if name == "agency_ranking":
            for indicator in indicators[1:]:
                calls[f"agency_ranking[{indicator}]"] = {**kwargs, "indicator": indicator}
        if name == "breakdown":
            calls["breakdown[parent]"] = {**kwargs, "by": "parent"}
        if name == "province_totals":
            calls["province_totals[field]"] = {**kwargs, "field": FIELDS[0]}
    return calls


def _dashboard(runs: int, sample_agency) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.set_schema_to_public()
    calls = dashboard_calls(sample_agency)
    functions = selector_functions()
    if not calls:
        print("insights/selectors/ is missing: no dashboard query timed", flush=True)
        return {}
    rows = {}
    for label, kwargs in calls.items():
        if kwargs is None:
            print(f"{label:40} skipped (arguments unknown to the benchmark)", flush=True)
            rows[label] = {"skipped": True}
            continue
        func = functions[label.split("[")[0]]
        try:
            result = func(**kwargs)
            _consume(result)
        except Exception as exc:  # the other engineer's work in progress
            print(f"{label:40} failed: {type(exc).__name__}: {exc}", flush=True)
            rows[label] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            continue
        timings, sql = [], 0
        for _ in range(runs):
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                _consume(func(**kwargs))
                timings.append((time.perf_counter() - started) * 1000)
            sql = len([q for q in queries if not q["sql"].startswith("SET search_path")])
        row = {
            "p50_ms": round(_common.percentile(timings, 50), 1),
            "p95_ms": round(_common.percentile(timings, 95), 1),
            "sql": sql,
        }
        rows[label] = row
        print(
            f"{label:40} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  {sql:3d} SQL",
            flush=True,
        )
    return rows


def _consume(result) -> None:
    """Querysets and generators are lazy: evaluate what a page would render."""
    if hasattr(result, "__iter__") and not isinstance(result, dict | str | bytes):
        list(result)


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=1000, help="agencies in all")
    parser.add_argument(
        "--schemas", type=int, default=100, help="of which real, filled agency schemas"
    )
    parser.add_argument(
        "--naive", type=int, default=10, help="real agencies also refreshed the naive way"
    )
    parser.add_argument("--applications", type=int, default=3000, help="per real agency")
    parser.add_argument("--days", type=int, default=730, help="days of data and facts")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the database (to explain)")
    args = parser.parse_args()
    _common.setup("statistics")
    try:
        figures = run(args)
    finally:
        if not args.keep:
            _common.teardown("statistics")
    _common.report(figures)


def run(args) -> dict:
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    schemas = min(args.schemas, args.agencies)
    real = _real_agencies(schemas, args.applications, args.days)
    _public_only_agencies(args.agencies - schemas, args.days)
    refresh = _refresh_comparison(real, args.naive)
    pages = _dashboard(args.runs, real[0])
    timed = [r["p95_ms"] for r in pages.values() if "p95_ms" in r]
    worst = max(timed) if timed else None
    print(f"worst dashboard p95 {worst} ms over {len(timed)} queries (target 200 ms)", flush=True)
    return {
        "benchmark": "statistics",
        "agencies": args.agencies,
        "real_schemas": schemas,
        "applications_each": args.applications,
        "days": args.days,
        "refresh": refresh,
        "dashboard": pages,
        "dashboard_worst_p95_ms": worst,
        "dashboard_target_ms": 200,
        "meets_targets": bool(
            refresh["ratio"] >= 10 and refresh["same_figures"] and worst is not None and worst < 200
        ),
    }


if __name__ == "__main__":
    main()
