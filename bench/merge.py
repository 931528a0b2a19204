"""Merging two agencies of 10,000 applications and 1,000 documents each.

    .venv/bin/python bench/merge.py [--applications 10000] [--documents 1000]

Fills two agencies (applications with three process-control rows and three inbox events
each, their nonconformities and daily statistics; documents with two revisions and an
audit-trail row each; people, a few of them in both agencies), with some codes colliding
(procedures, one application in a hundred, the template pack). Then times the preview
(dry run) and the merge job, and checks that every table of the merged agency holds the
sum of both (less the rows the report says were made one: people matched by e-mail,
singletons, the same audit-programme year). Target: merge under 60 s.
"""

from __future__ import annotations

import argparse
import time

import _common

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
SELECT CASE WHEN g %% 100 = 0 THEN 'X-' || g ELSE %s || '-' || g END,
  p.ids[1 + g %% 5], p.versions[1 + g %% 5], (ARRAY['desk','portal','post'])[1 + g %% 3],
  'Người nộp ' || g, r, r, r + interval '7 days', NULL,
  CASE WHEN g %% 40 = 0 THEN 'in_progress' ELSE 'returned' END,
  NULL, 'Phòng ' || (g %% 4), c, c + interval '2 hours', c + interval '2 hours',
  CASE WHEN g %% 40 = 0 THEN '' WHEN (g * 7919) %% 100 < 72 THEN 'early'
       WHEN (g * 7919) %% 100 < 88 THEN 'on_time' ELSE 'late' END,
  0, 0, 0, false, '', 3, c, now()
FROM p, generate_series(1, %s) AS g,
  LATERAL (SELECT now() - (g * interval '150 seconds') AS r) rr,
  LATERAL (SELECT CASE WHEN g %% 40 = 0 THEN NULL
                       ELSE rr.r + ((g * 7919) %% 100) * interval '2 hours' END AS c) cc
"""
FILL_SHEETS = """
INSERT INTO quality_procedures_handoff (application_id, seq, kind, step, step_name, from_unit,
  from_officer, to_unit, to_officer, at, due_at, on_time, note)
SELECT a.id, s, 'handed_over', s, 'Bước ' || s, 'Phòng ' || ((a.id + s) % 4), 'Cán bộ',
  'Phòng ' || ((a.id + s + 1) % 4), 'Cán bộ', a.received_at + s * interval '1 day',
  a.received_at + s * interval '1 day' + interval '1 hour', (a.id * s) % 9 <> 0, ''
FROM quality_procedures_application a, generate_series(1, 3) AS s
"""
FILL_INBOX = """
INSERT INTO integrations_inboxevent (event_id, key_id, source, type, application_code,
  occurred_at, payload, raw, digest, received_at, status, error, applied_at)
SELECT a.code || '-e' || s, NULL, 'push', 'application.handed_over', a.code,
  a.received_at + s * interval '1 day', jsonb_build_object('application_id', a.code, 'n', s),
  '', md5(a.code || s), now(), 'applied', '', now()
FROM quality_procedures_application a, generate_series(1, 3) AS s
"""
FILL_NCS = """
INSERT INTO quality_improvement_nonconformity (source, source_type, source_id, source_ref, title,
  description, severity, unit_name, detected_at, status, correction, root_cause_method,
  root_cause_detail, root_cause, verify_after_days, verification_note, reopen_count, created_at,
  close_reason)
SELECT 'application_late', 'application', a.code, a.code, 'Hồ sơ trễ hạn ' || a.code, '',
  'minor', a.current_unit, a.completed_at, 'open', '', '', '{}', '', 30, '', 0, now(), ''
FROM quality_procedures_application a WHERE a.timeliness = 'late'
"""
FILL_AUDIT = """
INSERT INTO quality_core_auditevent (at, actor_id, actor_label, action, subject_type, subject_id,
  subject_label, parent_type, parent_id, changes)
SELECT now(), d.created_by_id, 'bench', 'create', 'document', d.id::text, d.code, '', '', '{}'
FROM quality_documents_document d
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=1_000)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    _common.setup("merge")
    try:
        figures = run(args.applications, args.documents)
    finally:
        if not args.keep:
            _common.teardown("merge")
    _common.report(figures)


def run(applications: int, documents: int) -> dict:
    import tempfile

    from django.conf import settings

    from tenants.services.datamove.catalog import catalog
    from tenants.services.datamove.engine.counting import table_counts

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="eiso-bench-merge-")
    started = time.perf_counter()
    a = _agency("sokhcn", "Sở Khoa học và Công nghệ", "A", applications, documents)
    b = _agency("sottt", "Sở Thông tin và Truyền thông", "B", applications, documents)
    print(f"built two agencies in {time.perf_counter() - started:.1f}s", flush=True)
    names = list(catalog())
    before_a, before_b = table_counts(a.schema_name, names), table_counts(b.schema_name, names)

    from eiso.fleet import merge
    from tenants.models import Agency
    from tenants.services import operations

    operations.enqueue = lambda op_id: None  # the benchmark runs the job itself
    started = time.perf_counter()
    op = merge.merge_preview(target=a, source=b, suffix="-TTTT")
    preview_s = time.perf_counter() - started
    print(
        f"preview {preview_s:.2f}s: {len(op.report['conflicts'])} conflicts, "
        f"{len(op.report['users_matched'])} people matched",
        flush=True,
    )
    operations.confirm(op)
    started = time.perf_counter()
    op = merge.merge_run(op_id=op.pk)
    merge_s = time.perf_counter() - started
    assert op.status == "succeeded", op.error
    after_a, after_b = table_counts(a.schema_name, names), table_counts(b.schema_name, names)
    rows = {r["table"]: r for r in op.report["tables"]}
    tables, equal = {}, True
    for name in names:
        if not (before_a[name] or before_b[name]):
            continue
        row = rows.get(name, {"mapped": 0, "added": 0, "reference": name in _reference()})
        expected = before_a[name] + before_b[name] - row["mapped"] + row.get("added", 0)
        source_left = before_b[name] if row["reference"] else 0
        excluded = catalog()[name].excluded
        ok = excluded or (after_a[name] == expected and after_b[name] == source_left)
        equal = equal and ok
        tables[name] = {
            "a_before": before_a[name],
            "b_before": before_b[name],
            "a_after": after_a[name],
            "b_after": after_b[name],
            "made_one": row["mapped"],
            "added": row.get("added", 0),
        }
    print(f"merge {merge_s:.2f}s, {op.report['rows_moved']} rows moved", flush=True)
    for name in ("quality_procedures_application", "quality_documents_document"):
        t = tables[name]
        print(f"{name}: {t['a_before']} + {t['b_before']} = {t['a_after']}", flush=True)
    beta = Agency.objects.get(pk=b.pk)
    return {
        "benchmark": "merge",
        "applications_each": applications,
        "documents_each": documents,
        "preview_s": round(preview_s, 2),
        "merge_s": round(merge_s, 2),
        "target_s": 60,
        "rows_moved": op.report["rows_moved"],
        "conflicts": op.report["conflict_counts"],
        "people_matched": len(op.report["users_matched"]),
        "source_status": beta.status,
        "counts_equal_sums": equal,
        "tables": tables,
    }


def _reference() -> set[str]:
    from tenants.services.datamove.catalog import catalog

    return {t.name for t in catalog().values() if t.reference}


def _agency(code: str, name: str, prefix: str, applications: int, documents: int):

    from django.db import connection, transaction
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from eiso.testing.procedures import make_procedure
    from iso_platform.accounts.models import Role, User
    from quality.documents.models import Document, Revision
    from quality.procedures.services.stats import stats_rebuild
    from tenants.services.provisioning import AgencySpec, agency_provision

    result = agency_provision(
        spec=AgencySpec(
            code=code,
            name=name,
            kind="provincial_department",
            admin_email=f"thuky@{code}.test",
            admin_name="Thư ký",
        ),
        admin_password="bench-password-1",
        method="clone",
    )
    agency = result.agency
    with schema_context(agency.schema_name), transaction.atomic():
        admin = User.objects.get()
        people = [
            User(email=f"cb{n}@{code}.test", full_name=f"Cán bộ {n}", role=Role.STAFF)
            for n in range(45)
        ] + [
            User(email=f"chung{n}@tinh.test", full_name=f"Chung {n}", role=Role.STAFF)
            for n in range(5)
        ]
        for person in people:
            person.set_unusable_password()
        User.objects.bulk_create(people)
        now = timezone.now()
        for n in range(1, 6):
            make_procedure(admin, code=f"1.00000{n}")
        docs = Document.objects.bulk_create(
            Document(
                doc_type="system_procedure",
                code=f"{prefix}.QT.{n:04d}" if n % 50 else f"QT.CHUNG.{n:04d}",
                title=f"Quy trình {n} của {name}",
                status="in_force",
                created_by=admin,
            )
            for n in range(1, documents + 1)
        )
        revisions = Revision.objects.bulk_create(
            Revision(
                document=d,
                number=number,
                issue_number=number,
                status="issued" if number == 2 else "superseded",
                title=d.title,
                body=f"Nội dung bản {number} của {d.code}",
                drafted_by=admin,
                approved_by=admin,
                approved_at=now,
                effective_on=now.date(),
            )
            for d in docs
            for number in (1, 2)
        )
        for d, (_old, new) in zip(
            docs, zip(revisions[::2], revisions[1::2], strict=True), strict=True
        ):
            d.current_revision = d.latest_revision = new
        Document.objects.bulk_update(docs, ["current_revision", "latest_revision"], batch_size=500)
        with connection.cursor() as cur:
            cur.execute(FILL_APPLICATIONS, [prefix, applications])
            cur.execute(FILL_SHEETS)
            cur.execute(FILL_INBOX)
            cur.execute(FILL_NCS)
            cur.execute(FILL_AUDIT)
    with schema_context(agency.schema_name):
        stats_rebuild()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return agency


if __name__ == "__main__":
    main()
