"""Recompute one agency's public-schema figures from its own schema, set-wise.

Why set-based and schema-qualified: the department's dashboard must never read an agency's
schema, so every figure is copied into `insights_*` tables; with a thousand agencies the copy
has to cost a few statements per agency, not a query per day and indicator. One transaction
per agency runs four `INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE` statements
(day and month facts, on-time figures per field, the monthly counts of the service quality
index, the "as of now" status) that read `"ag_<code>".<table>` directly, and delete in the
same statement the facts of periods that no longer have data. Days and months are
Asia/Ho_Chi_Minh ones.

Only counts, sums and timestamps are copied: no names, no application contents.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from insights.models import AgencyStatus
from iso_platform.workdays.calendar import TZ
from quality.core.editions import DEFAULT_EDITION
from tenants.models import Agency

logger = logging.getLogger(__name__)

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
LOCK_KEY = 7007  # pg_advisory_xact_lock(LOCK_KEY, agency id): one refresh of an agency at a time
LOCAL_DAY = "(({col}) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
OPEN_APPLICATIONS = "('received', 'in_progress', 'supplement')"
OPEN_ACTIONS = "('open', 'ineffective')"
DONE_ACTIONS = "('verified', 'cancelled')"  # quality.transition.selectors.DONE_ACTIONS

# Only the quoted, validated schema name and fixed expressions are formatted in; values are
# bound parameters. Each statement deletes, in its own final step, the agency's rows that the
# upsert did not produce (periods or fields without data any more): the DELETE's snapshot does
# not see the rows the INSERT adds, and keeps the rows it updated because their ids are listed.
# The columns every row of the facts' source carries, in order, with the value of a row that
# does not set them; each branch below names only what it sets. `actor` (distinct people)
# and `issue_days` (a median) are not summed.
SRC_COLUMNS = {
    "received": "0",
    "completed": "0",
    "early": "0",
    "on_time": "0",
    "late": "0",
    "ncs_opened": "0",
    "ncs_closed": "0",
    "responses": "0",
    "score": "0",
    "actor": "NULL::bigint",
    "users_joined": "0",
    "documents_issued": "0",
    "issue_days": "NULL::float8",
    "records_kept": "0",
    "received_integrated": "0",
    "late_with_nc": "0",
    "nc_assign_hours": "0",
    "corrective_done": "0",
    "corrective_on_time": "0",
    "annual_reports": "0",
}
# (day column, FROM ... WHERE ..., the columns it sets): one branch of the UNION ALL.
SRC_BRANCHES = [
    (
        "a.received_at",
        "{s}.quality_procedures_application a",
        {
            "received": "1",
            # through an integration: its "received" event came with a key or from a pull;
            # the others were typed in
            "received_integrated": """(EXISTS (SELECT 1 FROM {s}.integrations_inboxevent e
               WHERE e.application_code = a.code AND e.type = 'application.received'
                 AND (e.key_id IS NOT NULL OR e.source LIKE 'pull:%%')))::int""",
        },
    ),
    (
        "a.completed_at",
        """{s}.quality_procedures_application a
  LEFT JOIN LATERAL (SELECT min(n.detected_at) AS at FROM {s}.quality_improvement_nonconformity n
    WHERE n.source = 'application_late' AND n.source_type = 'application'
      AND n.source_id = a.code) nc ON a.timeliness = 'late'
  WHERE a.completed_at IS NOT NULL""",
        {
            "completed": "1",
            "early": "(a.timeliness = 'early')::int",
            "on_time": "(a.timeliness = 'on_time')::int",
            "late": "(a.timeliness = 'late')::int",
            "late_with_nc": "(nc.at IS NOT NULL)::int",
            "nc_assign_hours": """coalesce(round(greatest(0,
               extract(epoch FROM nc.at - a.due_at) / 3600)), 0)::int""",
        },
    ),
    ("detected_at", "{s}.quality_improvement_nonconformity", {"ncs_opened": "1"}),
    (
        "closed_at",
        "{s}.quality_improvement_nonconformity WHERE status = 'closed' AND closed_at IS NOT NULL",
        {"ncs_closed": "1"},
    ),
    ("created_at", "{s}.quality_feedback_surveyresponse", {"responses": "1", "score": "overall"}),
    ("at", "{s}.quality_core_auditevent WHERE actor_id IS NOT NULL", {"actor": "actor_id"}),
    ("date_joined", "{s}.accounts_user WHERE is_active", {"users_joined": "1"}),
    (
        "approved_at",
        """{s}.quality_documents_revision
  WHERE approved_at IS NOT NULL AND issue_number IS NOT NULL""",
        {
            "documents_issued": "1",
            "issue_days": "greatest(0, extract(epoch FROM approved_at - drafted_at) / 86400)",
        },
    ),
    ("created_at", "{s}.quality_documents_recordentry", {"records_kept": "1"}),
    (
        "done_at",
        """{s}.quality_improvement_action
  WHERE kind = 'corrective' AND done_at IS NOT NULL AND status <> 'cancelled'""",
        {
            "corrective_done": "1",
            "corrective_on_time": "({done_day} <= due_on)::int",
        },
    ),
    (
        "generated_at",
        "{s}.quality_reviews_annualreport WHERE generated_at IS NOT NULL",
        {"annual_reports": "1"},
    ),
]


def _src_sql() -> str:
    branches = []
    for day, source, sets in SRC_BRANCHES:
        unknown = set(sets) - set(SRC_COLUMNS)
        assert not unknown, unknown  # a typo here would silently drop a figure
        values = [
            sets.get(name, default) + ("" if branches else f" AS {name}")
            for name, default in SRC_COLUMNS.items()
        ]
        branches.append(
            f"  SELECT {_local(day)}"
            + (" AS day" if not branches else "")
            + ", "
            + ", ".join(values)
            + f"\n  FROM {source}"
        )
    return "\n  UNION ALL\n".join(branches)


# Only the quoted, validated schema name and fixed expressions are formatted in; values are
# bound parameters. Each statement deletes, in its own final step, the agency's rows that the
# upsert did not produce (periods or fields without data any more): the DELETE's snapshot does
# not see the rows the INSERT adds, and keeps the rows it updated because their ids are listed.
# Days and months as before; ISO weeks (Monday) for the rollout evaluation.
FACTS_SQL = """
WITH src AS (
{src}
), periods AS (
  SELECT CASE WHEN grouping(day) = 0 THEN 'day' WHEN grouping(month) = 0 THEN 'month'
              ELSE 'week' END AS grain,
         coalesce(day, month, week) AS period, sum(received) AS received,
         sum(completed) AS completed,
         sum(early) AS early, sum(on_time) AS on_time, sum(late) AS late,
         sum(ncs_opened) AS ncs_opened, sum(ncs_closed) AS ncs_closed,
         sum(responses) AS responses, sum(score) AS score, count(DISTINCT actor) AS active,
         sum(users_joined) AS users_joined, sum(documents_issued) AS documents_issued,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY issue_days) AS issue_days_median,
         sum(records_kept) AS records_kept, sum(received_integrated) AS received_integrated,
         sum(late_with_nc) AS late_with_nc, sum(nc_assign_hours) AS nc_assign_hours,
         sum(corrective_done) AS corrective_done, sum(corrective_on_time) AS corrective_on_time,
         sum(annual_reports) AS annual_reports
  FROM (SELECT src.*, date_trunc('month', day)::date AS month,
               date_trunc('week', day)::date AS week FROM src) x
  GROUP BY GROUPING SETS ((month, day), (month), (week))
), up AS (
  INSERT INTO public.insights_agencyfact AS f (agency_id, grain, period, received, completed,
    early, on_time, late, ncs_opened, ncs_closed, satisfaction_responses,
    satisfaction_score_sum, active_users, users_joined, documents_issued, issue_days_median,
    records_kept, received_integrated, late_with_nc, nc_assign_hours, corrective_done,
    corrective_on_time, annual_reports_generated, computed_at)
  SELECT %(agency)s, grain, period, received, completed, early, on_time, late, ncs_opened,
         ncs_closed, responses, score, active, users_joined, documents_issued,
         issue_days_median, records_kept, received_integrated, late_with_nc, nc_assign_hours,
         corrective_done, corrective_on_time, annual_reports, %(now)s
  FROM periods
  ON CONFLICT (agency_id, grain, period) DO UPDATE SET
    received = EXCLUDED.received, completed = EXCLUDED.completed, early = EXCLUDED.early,
    on_time = EXCLUDED.on_time, late = EXCLUDED.late, ncs_opened = EXCLUDED.ncs_opened,
    ncs_closed = EXCLUDED.ncs_closed, satisfaction_responses = EXCLUDED.satisfaction_responses,
    satisfaction_score_sum = EXCLUDED.satisfaction_score_sum,
    active_users = EXCLUDED.active_users, users_joined = EXCLUDED.users_joined,
    documents_issued = EXCLUDED.documents_issued,
    issue_days_median = EXCLUDED.issue_days_median, records_kept = EXCLUDED.records_kept,
    received_integrated = EXCLUDED.received_integrated,
    late_with_nc = EXCLUDED.late_with_nc, nc_assign_hours = EXCLUDED.nc_assign_hours,
    corrective_done = EXCLUDED.corrective_done,
    corrective_on_time = EXCLUDED.corrective_on_time,
    annual_reports_generated = EXCLUDED.annual_reports_generated,
    computed_at = EXCLUDED.computed_at
  RETURNING f.id
)
DELETE FROM public.insights_agencyfact old
WHERE old.agency_id = %(agency)s AND NOT EXISTS (SELECT 1 FROM up WHERE up.id = old.id);
"""

FIELDS_SQL = """
WITH up AS (
  INSERT INTO public.insights_fieldfact AS f (agency_id, month, field, completed, in_time, late)
  SELECT %(agency)s, date_trunc('month', {completed_day})::date, p.field, count(*),
         count(*) FILTER (WHERE a.timeliness IN ('early', 'on_time')),
         count(*) FILTER (WHERE a.timeliness = 'late')
  FROM {s}.quality_procedures_application a
  JOIN {s}.quality_procedures_procedure p ON p.id = a.procedure_id
  WHERE a.completed_at IS NOT NULL
  GROUP BY 2, 3
  ON CONFLICT (agency_id, month, field) DO UPDATE SET
    completed = EXCLUDED.completed, in_time = EXCLUDED.in_time, late = EXCLUDED.late
  RETURNING f.id
)
DELETE FROM public.insights_fieldfact old
WHERE old.agency_id = %(agency)s AND NOT EXISTS (SELECT 1 FROM up WHERE up.id = old.id);
"""

# The counts of the service quality index (Decision 766/QĐ-TTg, see
# insights.selectors.service_index): on time among the applications judged, by the month
# their result was ready; online among those received, by the month of receipt; dissatisfied
# among survey answers (overall score 1 or 2), by the month of the answer.
SERVICE_INDEX_SQL = """
WITH src AS (
  SELECT date_trunc('month', {completed_day})::date AS month, 1 AS completed,
         (timeliness IN ('early', 'on_time'))::int AS in_time, (timeliness = 'late')::int AS late,
         0 AS received, 0 AS online, 0 AS responses, 0 AS dissatisfied
  FROM {s}.quality_procedures_application
  WHERE completed_at IS NOT NULL AND timeliness IN ('early', 'on_time', 'late')
  UNION ALL
  SELECT date_trunc('month', {received_day})::date, 0, 0, 0, 1, (channel = 'portal')::int, 0, 0
  FROM {s}.quality_procedures_application
  UNION ALL
  SELECT date_trunc('month', {answered_day})::date, 0, 0, 0, 0, 0, 1, (overall <= 2)::int
  FROM {s}.quality_feedback_surveyresponse
), up AS (
  INSERT INTO public.insights_serviceindexmonth AS f (agency_id, month, completed, in_time,
    late, received, online, responses, dissatisfied, computed_at)
  SELECT %(agency)s, month, sum(completed), sum(in_time), sum(late), sum(received),
         sum(online), sum(responses), sum(dissatisfied), %(now)s
  FROM src GROUP BY month
  ON CONFLICT (agency_id, month) DO UPDATE SET
    completed = EXCLUDED.completed, in_time = EXCLUDED.in_time, late = EXCLUDED.late,
    received = EXCLUDED.received, online = EXCLUDED.online, responses = EXCLUDED.responses,
    dissatisfied = EXCLUDED.dissatisfied, computed_at = EXCLUDED.computed_at
  RETURNING f.id
)
DELETE FROM public.insights_serviceindexmonth old
WHERE old.agency_id = %(agency)s AND NOT EXISTS (SELECT 1 FROM up WHERE up.id = old.id);
"""

# refresh_ms: the script is one simple-query message, so statement_timestamp() is when it
# arrived (even inside a caller's transaction) and clock_timestamp() is now, near its end.
# dirty_since is claimed (set to NULL) as the transaction's first write: a write committed
# while the refresh runs waits for this row lock, then marks the agency dirty again, so no
# change is lost; if the refresh fails, the rollback keeps the agency dirty.
CLAIM_SQL = """
SELECT pg_advisory_xact_lock(%(lock)s, %(agency)s);
UPDATE public.insights_agencystatus SET dirty_since = NULL
WHERE agency_id = %(agency)s AND dirty_since IS NOT NULL;
"""

STATUS_SQL = """
INSERT INTO public.insights_agencystatus AS st (agency_id, year, overdue_now, in_progress,
  ncs_open, ncs_overdue, actions_overdue, audits_planned, audits_done, documents_in_force,
  documents_review_overdue, objectives_met, objectives_missed, review_held, users,
  active_users_30d, staff_trained, users_signed_in, integration_used_at, last_activity,
  storage_bytes, iso_edition, transition_target,
  transition_deadline, transition_questions, transition_answered, transition_closed,
  transition_actions, transition_actions_done, refreshed_at, refresh_ms, dirty_since,
  last_error, failed_at)
SELECT %(agency)s, %(year)s, app.overdue, app.open, nc.open, nc.overdue, act.overdue,
  aud.planned, aud.done, doc.in_force, doc.review_overdue, obj.met, obj.missed, rev.held,
  usr.users, active.n, trained.n, usr.signed_in, keys.used_at,
  greatest(ev.last_at, usr.last_login), size.bytes, ed.code,
  coalesce(tr.target, ''), tr.deadline, coalesce(tr.questions, 0), coalesce(tr.answered, 0),
  coalesce(tr.closed, 0), coalesce(tr.actions, 0), coalesce(tr.actions_done, 0), %(now)s,
  least(2000000000,
        round(1000 * extract(epoch FROM clock_timestamp() - statement_timestamp())))::int,
  NULL, '', NULL
FROM
  (SELECT count(*) AS open, count(*) FILTER (WHERE due_at < %(now)s) AS overdue
   FROM {s}.quality_procedures_application WHERE status IN {open_apps}) app,
  (SELECT count(*) AS open,
          count(*) FILTER (WHERE n.verification_due_on < %(today)s OR EXISTS (
            SELECT 1 FROM {s}.quality_improvement_action x
            WHERE x.nonconformity_id = n.id AND x.status IN {open_actions}
              AND x.due_on < %(today)s)) AS overdue
   FROM {s}.quality_improvement_nonconformity n WHERE n.status <> 'closed') nc,
  (SELECT count(*) AS overdue FROM {s}.quality_improvement_action
   WHERE kind = 'corrective' AND status IN {open_actions} AND due_on < %(today)s) act,
  (SELECT count(*) AS planned, count(*) FILTER (WHERE p.status = 'reported') AS done
   FROM {s}.quality_audits_auditplan p
   JOIN {s}.quality_audits_auditprogramme g ON g.id = p.programme_id
   WHERE g.year = %(year)s) aud,
  (SELECT count(*) FILTER (WHERE status = 'in_force') AS in_force,
          count(*) FILTER (WHERE status = 'in_force' AND next_review_on < %(today)s)
            AS review_overdue
   FROM {s}.quality_documents_document) doc,
  (SELECT count(*) FILTER (WHERE m.met) AS met, count(*) FILTER (WHERE NOT m.met) AS missed
   FROM {s}.quality_objectives_objective o
   JOIN LATERAL (SELECT met FROM {s}.quality_objectives_measurement
                 WHERE objective_id = o.id ORDER BY period_start DESC LIMIT 1) m ON true
   WHERE o.year = %(year)s) obj,
  (SELECT EXISTS (SELECT 1 FROM {s}.quality_reviews_managementreview
                  WHERE status = 'held' AND meeting_on >= %(year_start)s
                    AND meeting_on < %(year_end)s) AS held) rev,
  (SELECT count(*) FILTER (WHERE is_active) AS users, max(last_login) AS last_login,
          count(*) FILTER (WHERE is_active AND last_login IS NOT NULL) AS signed_in
   FROM {s}.accounts_user) usr,
  (SELECT max(last_used_at) AS used_at FROM {s}.integrations_apikey) keys,
  (SELECT count(*) AS n FROM (
     SELECT actor_id AS id FROM {s}.quality_core_auditevent
     WHERE at >= %(since)s AND actor_id IS NOT NULL
     UNION SELECT id FROM {s}.accounts_user WHERE last_login >= %(since)s) x) active,
  (SELECT max(at) AS last_at FROM {s}.quality_core_auditevent) ev,
  (SELECT count(DISTINCT a.user_id) AS n FROM {s}.quality_competence_attendance a
   JOIN {s}.quality_competence_trainingsession t ON t.id = a.session_id
   JOIN {s}.accounts_user u ON u.id = a.user_id
   WHERE t.held_on >= %(year_start)s AND t.held_on < %(year_end)s
     AND u.is_active AND u.role <> 'read_only') trained,
  (SELECT coalesce(sum(pg_total_relation_size(
            to_regclass(quote_ident(%(schema)s) || '.' || quote_ident(t)))), 0)::bigint AS bytes
   FROM unnest(%(tables)s::text[]) AS t) size,
  (SELECT coalesce((SELECT iso_edition FROM {s}.quality_core_agencysettings WHERE id = 1),
                   %(default_edition)s) AS code) ed,
  (SELECT 1) one LEFT JOIN LATERAL (
     SELECT a.target_edition AS target, a.deadline,
            (SELECT count(*) FROM {s}.quality_transition_gapquestion q
             WHERE q.assessment_id = a.id) AS questions,
            (SELECT count(*) FROM {s}.quality_transition_gapquestion q
             WHERE q.assessment_id = a.id AND q.status <> 'open') AS answered,
            (SELECT count(*) FROM {s}.quality_transition_gapquestion q
             WHERE q.assessment_id = a.id AND (q.status = 'met' OR (
               q.status IN ('partial', 'gap')
               AND EXISTS (SELECT 1 FROM {s}.quality_improvement_action x
                           WHERE x.kind = 'transition' AND x.source_type = 'gap_question'
                             AND x.source_id = q.id::text)
               AND NOT EXISTS (SELECT 1 FROM {s}.quality_improvement_action x
                               WHERE x.kind = 'transition' AND x.source_type = 'gap_question'
                                 AND x.source_id = q.id::text
                                 AND x.status NOT IN {done_actions})))) AS closed,
            (SELECT count(*) FROM {s}.quality_improvement_action x
             WHERE x.kind = 'transition' AND x.source_type = 'gap_question'
               AND x.source_id IN (SELECT q.id::text FROM {s}.quality_transition_gapquestion q
                                   WHERE q.assessment_id = a.id)) AS actions,
            (SELECT count(*) FROM {s}.quality_improvement_action x
             WHERE x.kind = 'transition' AND x.source_type = 'gap_question'
               AND x.status IN {done_actions}
               AND x.source_id IN (SELECT q.id::text FROM {s}.quality_transition_gapquestion q
                                   WHERE q.assessment_id = a.id)) AS actions_done
     FROM {s}.quality_transition_assessment a ORDER BY a.created_at DESC LIMIT 1) tr ON true
ON CONFLICT (agency_id) DO UPDATE SET
  year = EXCLUDED.year, overdue_now = EXCLUDED.overdue_now, in_progress = EXCLUDED.in_progress,
  ncs_open = EXCLUDED.ncs_open, ncs_overdue = EXCLUDED.ncs_overdue,
  actions_overdue = EXCLUDED.actions_overdue, audits_planned = EXCLUDED.audits_planned,
  audits_done = EXCLUDED.audits_done, documents_in_force = EXCLUDED.documents_in_force,
  documents_review_overdue = EXCLUDED.documents_review_overdue,
  objectives_met = EXCLUDED.objectives_met, objectives_missed = EXCLUDED.objectives_missed,
  review_held = EXCLUDED.review_held, users = EXCLUDED.users,
  active_users_30d = EXCLUDED.active_users_30d, staff_trained = EXCLUDED.staff_trained,
  users_signed_in = EXCLUDED.users_signed_in,
  integration_used_at = EXCLUDED.integration_used_at, last_activity = EXCLUDED.last_activity,
  storage_bytes = EXCLUDED.storage_bytes, iso_edition = EXCLUDED.iso_edition,
  transition_target = EXCLUDED.transition_target,
  transition_deadline = EXCLUDED.transition_deadline,
  transition_questions = EXCLUDED.transition_questions,
  transition_answered = EXCLUDED.transition_answered,
  transition_closed = EXCLUDED.transition_closed,
  transition_actions = EXCLUDED.transition_actions,
  transition_actions_done = EXCLUDED.transition_actions_done, refreshed_at = EXCLUDED.refreshed_at,
  refresh_ms = EXCLUDED.refresh_ms, last_error = '', failed_at = NULL;
"""


def _local(col: str) -> str:
    return LOCAL_DAY.format(col=col)


def quoted_schema(name: str) -> str:
    """The schema name, checked and double-quoted: it is formatted into SQL text."""
    if not SCHEMA_NAME.match(name) or name == "public":
        raise ValueError(f"not an agency schema: {name!r}")
    return f'"{name}"'


def refresh_sql(schema: str) -> str:
    """The whole refresh of one agency as one script (one round trip)."""
    s = quoted_schema(schema)
    return (
        CLAIM_SQL
        + FACTS_SQL.format(src=_src_sql().format(s=s, done_day=_local("done_at")))
        + FIELDS_SQL.format(s=s, completed_day=_local("a.completed_at"))
        + SERVICE_INDEX_SQL.format(
            s=s,
            completed_day=_local("completed_at"),
            received_day=_local("received_at"),
            answered_day=_local("created_at"),
        )
        + STATUS_SQL.format(
            s=s, open_apps=OPEN_APPLICATIONS, open_actions=OPEN_ACTIONS, done_actions=DONE_ACTIONS
        )
    )


@functools.cache
def tenant_tables() -> tuple[str, ...]:
    """Every table an agency schema has (its apps' models, many-to-many tables included).

    The storage figure sums these by name: `to_regclass` is an index lookup, whereas
    filtering pg_class by schema scans the whole catalogue, which grows with the fleet
    (about 450 relations per agency)."""
    from django.apps import apps as registry
    from django.conf import settings

    labels = {
        config.label for config in registry.get_app_configs() if config.name in settings.TENANT_APPS
    }
    return tuple(
        sorted(
            {
                model._meta.db_table
                for model in registry.get_models(include_auto_created=True)
                if model._meta.app_label in labels and model._meta.managed
            }
            | {"django_migrations"}
        )
    )


def _params(agency: Agency, now: dt.datetime) -> dict:
    today = now.astimezone(TZ).date()
    return {
        "agency": agency.pk,
        "schema": agency.schema_name,
        "tables": list(tenant_tables()),
        "lock": LOCK_KEY,
        "now": now,
        "today": today,
        "year": today.year,
        "year_start": dt.date(today.year, 1, 1),
        "year_end": dt.date(today.year + 1, 1, 1),
        "since": now - dt.timedelta(days=30),
        "default_edition": DEFAULT_EDITION,
    }


def agency_refresh(*, agency: Agency, now: dt.datetime | None = None) -> AgencyStatus:
    """Recompute every figure of `agency` and return its fresh status.

    One transaction, one round trip: facts of every day and month with data, on-time figures
    per field and month, and the status row. On failure the error is recorded on the status
    row (the dashboard shows it) and re-raised; loops over many agencies use
    `agencies_refresh`, which does not re-raise.
    """
    now = now or timezone.now()
    try:
        sql = refresh_sql(agency.schema_name)
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, _params(agency, now))
    except Exception as exc:
        _record_failure(agency=agency, error=exc, now=now)
        raise
    return AgencyStatus.objects.get(pk=agency.pk)


def _record_failure(*, agency: Agency, error: Exception, now: dt.datetime) -> None:
    message = f"{type(error).__name__}: {error}"[:2000]
    try:
        AgencyStatus.objects.update_or_create(
            agency_id=agency.pk,
            defaults={"last_error": message, "failed_at": timezone.now()},
            create_defaults={
                "year": now.astimezone(TZ).year,
                "last_error": message,
                "failed_at": timezone.now(),
                "dirty_since": now,
            },
        )
    except Exception:  # the database itself is gone: the log line is all we can leave
        logger.exception("could not record the refresh failure of %s", agency.schema_name)


@dataclass
class RefreshSummary:
    refreshed: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def agencies_refresh(*, agencies=None) -> RefreshSummary:
    """Refresh many agencies in this process, one transaction each; one failing agency is
    recorded and skipped, never blocking the others (the management command, the bench)."""
    if agencies is None:
        agencies = refreshable_agencies()
    summary, started = RefreshSummary(), time.perf_counter()
    for agency in agencies:
        try:
            agency_refresh(agency=agency)
        except Exception:
            logger.exception("statistics refresh of %s failed", agency.schema_name)
            summary.failed.append(agency.code)
        else:
            summary.refreshed += 1
    summary.seconds = time.perf_counter() - started
    return summary


def refreshable_agencies():
    """Active agencies (not the public schema). A suspended or archived agency keeps the
    figures of its last refresh: nothing is written there any more."""
    return Agency.objects.active().order_by("code")
