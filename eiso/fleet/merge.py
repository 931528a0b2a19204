"""Merging agency B (the source) into agency A (the target).

1. `merge_preview`: a dry run. Per-table counts of A and B and the expected sums, the
   codes that collide and their new values under the confirmed rule (a suffix such as
   `-BETA`), the people matched by e-mail, the files. Stored in the operation's report;
   nothing else is written.
2. `operations.confirm`, then `merge_run` (a Celery task), in ONE transaction:
   lock B's tables against writes, plan again (refusing if new conflicts appeared since
   the preview), copy B's files under A, copy every row into A's schema with new ids and
   a provenance record, empty B's tables, check that A's counts are A's plus B's (less
   the rows made one with A's own, which the report lists), archive B with
   `merged_into = A`, log both agencies' events, mark the operation done. After commit,
   B's files are deleted; B's host then redirects to A's (tenants/middleware.py).

People (people.py, datamove/credentials.py): B's people whom the provincial administrator
names in the form arrive in A active, without a usable password, two-factor devices or B's
rights, and A invites them; the others B's rows name arrive as inactive records. No
credential of B (password hash, device, token, invitation, integration key) reaches A; they
go with B's emptied tables.
"""

from __future__ import annotations

import logging
import time

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import schema_context

from quality.documents.services.search import document_reindex
from quality.procedures.services.applications import application_trigrams_refresh
from tenants.models import (
    Agency,
    AgencyStatus,
    LifecycleOperation,
    OperationKind,
    OperationStatus,
)
from tenants.services import events, operations, people, schemas
from tenants.services.datamove import files as move_files
from tenants.services.datamove.catalog import catalog
from tenants.services.datamove.engine.applying import plan_apply, plan_cleanup
from tenants.services.datamove.engine.common import Plan, default_suffix, q, qt, validate_suffix
from tenants.services.datamove.engine.counting import table_counts
from tenants.services.datamove.engine.planning import plan_build

logger = logging.getLogger(__name__)

MSG_SAME = gettext_noop("Hãy chọn hai cơ quan khác nhau.")
MSG_PUBLIC = gettext_noop("Không thể hợp nhất lược đồ chung cấp tỉnh.")
MSG_TARGET_STATE = gettext_noop("Cơ quan tiếp nhận phải đang hoạt động.")
MSG_SOURCE_STATE = gettext_noop(
    "Cơ quan được hợp nhất phải đang hoạt động hoặc tạm ngừng (không phải đã lưu trữ)."
)
MSG_MIGRATIONS = gettext_noop(
    "Hai cơ quan chưa cùng phiên bản cấu trúc dữ liệu; hãy cập nhật (migrate_fleet) rồi thử lại."
)
MSG_CHANGED = gettext_noop(
    "Dữ liệu đã thay đổi sau khi xem trước (%(count)s trùng mã mới chưa được xác nhận); "
    "hãy xem trước lại."
)
MSG_COUNTS = gettext_noop("Số bản ghi sau khi chuyển không khớp (%(tables)s); đã huỷ toàn bộ.")


def merge_validate(*, target: Agency, source: Agency) -> None:
    if target.pk == source.pk:
        raise ValidationError(_(MSG_SAME), code="same")
    if target.is_public or source.is_public:
        raise ValidationError(_(MSG_PUBLIC), code="public")
    if target.status != AgencyStatus.ACTIVE:
        raise ValidationError(_(MSG_TARGET_STATE), code="target_state")
    if source.status not in (AgencyStatus.ACTIVE, AgencyStatus.SUSPENDED) or source.merged_into_id:
        raise ValidationError(_(MSG_SOURCE_STATE), code="source_state")
    applied = schemas.applied_migrations([target.schema_name, source.schema_name])
    if applied.get(target.schema_name) != applied.get(source.schema_name):
        raise ValidationError(_(MSG_MIGRATIONS), code="migrations")


def _plan(target: Agency, source: Agency, *, suffix: str, operation: str, chosen=()) -> Plan:
    return Plan(
        source=source.schema_name,
        target=target.schema_name,
        source_code=source.code,
        source_name=source.name,
        operation=operation,
        suffix=suffix,
        people=frozenset(int(i) for i in chosen),
    )


def merge_preview(
    *, target: Agency, source: Agency, suffix: str | None = None, people_emails=(), by=None
):
    """Dry run: plan in a transaction that is rolled back; store the report.
    `people_emails`: B's people who keep working in A (see the module doc)."""
    merge_validate(target=target, source=source)
    suffix = validate_suffix(suffix or default_suffix(source.code))
    chosen = people.people_resolve(schema=source.schema_name, emails=people_emails)
    started = time.perf_counter()
    with transaction.atomic():
        plan = plan_build(_plan(target, source, suffix=suffix, operation="preview", chosen=chosen))
        paths = move_files.stored_paths(source.schema_name)
        report = plan_report(plan, target=target, source=source)
        report["files"] = {"count": len(paths)}
        report["preview_seconds"] = round(time.perf_counter() - started, 3)
        transaction.set_rollback(True)  # a dry run: whatever the planner touched goes
    connection.set_schema_to_public()
    return LifecycleOperation.objects.create(
        kind=OperationKind.MERGE,
        agency=target,
        other=source,
        status=OperationStatus.PREVIEW,
        params={"suffix": suffix, "people": sorted(chosen)},
        report=report,
        step=_("Xem trước"),
        requested_by=by,
    )


def plan_report(plan: Plan, *, target: Agency, source: Agency) -> dict:
    tables = []
    totals = {"target": 0, "source": 0, "mapped": 0, "expected": 0}
    for name in plan.tables:
        c = plan.counts[name]
        if not (c["source"] or c["target"]):
            continue
        row = {
            "table": name,
            "label": c["label"],
            "reference": c["reference"],
            "target": c["target"],
            "source": c["source"],
            "mapped": c["mapped"],
            "expected": c["target"] + c["source"] - c["mapped"],
        }
        tables.append(row)
        if not c["reference"]:
            for k in totals:
                totals[k] += row[k]
    kinds: dict[str, int] = {}
    for conflict in plan.conflicts:
        kinds[conflict["action"]] = kinds.get(conflict["action"], 0) + 1
    return {
        "target": {"code": target.code, "name": target.name, "schema": target.schema_name},
        "source": {"code": source.code, "name": source.name, "schema": source.schema_name},
        "suffix": plan.suffix,
        "tables": tables,
        "totals": totals,
        "conflicts": plan.conflicts,
        "conflict_counts": kinds,
        "users_matched": plan.users_matched,
        "people": people.people_report(plan),
        "cleared": plan.cleared,
    }


def merge_run(*, op_id) -> LifecycleOperation:
    return operations.locked_run(op_id, _merge, label="merge")


def _merge(op: LifecycleOperation, step, copied: list[str]) -> None:
    started = time.perf_counter()
    agencies = Agency.objects.select_for_update().in_bulk([op.agency_id, op.other_id])
    target, source = agencies[op.agency_id], agencies[op.other_id]
    merge_validate(target=target, source=source)
    step(_("Khoá dữ liệu của cơ quan được hợp nhất"), 3)
    names = [t.name for t in catalog().values()]
    data = [t.name for t in catalog().values() if not t.reference]
    with connection.cursor() as cur:
        cur.execute(
            "LOCK TABLE "
            + ", ".join(qt(source.schema_name, n) for n in data)
            + " IN EXCLUSIVE MODE"
        )
    before_target = table_counts(target.schema_name, names)
    before_source = table_counts(source.schema_name, names)
    operations.checkpoint("locked")
    plan = plan_build(
        _plan(
            target,
            source,
            suffix=op.params["suffix"],
            operation=str(op.pk),
            chosen=op.params.get("people", ()),
        ),
        on_step=step,
    )
    previewed = {(c["table"], c["column"], c["source_id"]) for c in op.report.get("conflicts", [])}
    new = plan.conflict_keys() - previewed
    if new:
        raise ValidationError(_(MSG_CHANGED) % {"count": len(new)}, code="changed")
    step(_("Sao chép tệp đính kèm"), 30)
    prefix = f"{target.schema_name}/moved/{str(op.pk)[:8]}/"
    old_paths = move_files.stored_paths(source.schema_name)
    result = move_files.copy_files(
        (p, move_files.moved_name(p, source=source.schema_name, prefix=prefix)) for p in old_paths
    )
    copied += result["copied"]
    operations.checkpoint("files")
    applied = plan_apply(plan, file_prefix=prefix, on_step=step)
    invited = people.people_invite_arrivals(
        plan=plan, applied=applied, invited_by=getattr(op.requested_by, "email", "")
    )
    connection.set_schema_to_public()
    operations.checkpoint("inserted")
    step(_("Làm trống dữ liệu của cơ quan được hợp nhất"), 85)
    with connection.cursor() as cur:
        # Check every reference of the copied rows now (they are deferred), which also
        # clears the pending checks that would stop TRUNCATE.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        cur.execute("TRUNCATE " + ", ".join(qt(source.schema_name, n) for n in data))
    plan_cleanup(applied)
    operations.checkpoint("emptied")
    after_target = table_counts(target.schema_name, names)
    after_source = table_counts(source.schema_name, names)
    tables, wrong = _compare(
        plan, applied, before_target, before_source, after_target, after_source
    )
    if wrong:
        raise ValidationError(_(MSG_COUNTS) % {"tables": ", ".join(wrong[:5])}, code="counts")
    step(_("Cập nhật chỉ mục tìm kiếm"), 92)
    _reindex_renamed(plan, target)
    now = timezone.now()
    source.status = AgencyStatus.ARCHIVED
    source.merged_into = target
    source.archived_at = now
    source.status_reason = (_("Đã hợp nhất vào %(name)s") % {"name": target.name})[:500]
    source.save(
        update_fields=["status", "merged_into", "archived_at", "status_reason", "updated_at"]
    )
    summary = plan_report(plan, target=target, source=source)
    detail = {
        "operation": str(op.pk),
        "people": people.people_summary(summary["people"], invited),
        "tables": {t["table"]: t["source_before"] - t["mapped"] for t in tables},
    }
    events.record(
        agency=target,
        action="merged_in",
        actor=op.requested_by,
        detail={**detail, "source": source.code, "rows": sum(applied.moved.values())},
        agency_trail=True,
    )
    events.record(
        agency=source,
        action="merged_into",
        actor=op.requested_by,
        detail={**detail, "target": target.code},
        agency_trail=True,
    )
    report = dict(op.report)
    report.update(
        summary,
        tables=tables,
        invited=invited,
        files={
            "count": len(old_paths),
            "copied": len(result["copied"]),
            "kept": result["kept"],
            "missing": result["missing"][:50],
            "bytes": result["bytes"],
        },
        counts_equal_sums=True,
        rows_moved=sum(applied.moved.values()),
        merge_seconds=round(time.perf_counter() - started, 3),
    )
    operations.checkpoint("before_commit")
    operations.succeed(op, report=report, step=_("Đã hợp nhất"))
    transaction.on_commit(lambda: _after_commit(old_paths, source.schema_name))


def _after_commit(old_paths: list[str], source_schema: str) -> None:
    move_files.delete_files(old_paths)
    move_files.remove_empty_dirs(f"{source_schema}/documents")


def applications_reindex_renamed(plan: Plan, target: Agency) -> None:
    """Renamed application codes get their search trigrams again (they are stored)."""
    renamed = plan.renames.get(("quality_procedures_application", "code"), {})
    if not renamed:
        return

    with schema_context(target.schema_name):
        application_trigrams_refresh(codes=list(renamed.values()))


def _compare(plan: Plan, applied, before_t, before_s, after_t, after_s):
    tables, wrong = [], []
    for name in plan.tables:
        c = plan.counts[name]
        reference = c["reference"]
        added = applied.added.get(name, 0)
        expected = before_t[name] + (before_s[name] - c["mapped"]) + added
        source_left = before_s[name] if reference else 0
        row = {
            "table": name,
            "label": c["label"],
            "reference": reference,
            "target_before": before_t[name],
            "source_before": before_s[name],
            "mapped": c["mapped"],
            "added": added,
            "target_after": after_t[name],
            "source_after": after_s[name],
            "expected": expected,
        }
        if before_t[name] or before_s[name]:
            tables.append(row)
        if after_t[name] != expected or after_s[name] != source_left:
            wrong.append(name)
    return tables, wrong


def _reindex_renamed(plan: Plan, target: Agency) -> None:
    applications_reindex_renamed(plan, target)
    renamed = plan.renames.get(("quality_documents_document", "code"), {})
    if not renamed:
        return

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id FROM {qt(target.schema_name, 'quality_documents_document')} "  # noqa: S608
            f"WHERE {q('id')} IN (SELECT (p.object_id)::bigint FROM "
            f"{qt(target.schema_name, 'quality_core_provenance')} p "
            "WHERE p.operation = %s AND p.object_type = 'quality_documents.document' "
            "AND p.source_id = ANY(%s))",
            [plan.operation, [str(pk) for pk in renamed]],
        )
        ids = [row[0] for row in cur.fetchall()]
    with schema_context(target.schema_name):
        for document_id in ids:
            document_reindex(document_id=document_id)
