"""Preview and apply imports from the national procedure catalogue.

A preview compares each record with the agency's procedure of the same national code (its
attributes and its latest version) and lists the procedures linked to the national
catalogue that the source no longer has. Applying compares again (the catalogue may have
moved since the preview) and writes everything in one transaction through
quality.procedures' services: attributes in place, changed rules as a new version carrying
the agency's steps; a procedure that did not change gets no version.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from integrations.catalogue import connection, source
from integrations.catalogue.models import CatalogueImport, Change, Channel, ImportStatus
from quality.core.permissions import can
from quality.core.services import audit_record
from quality.procedures.models import Procedure, ProcedureLevel, limit_label
from quality.procedures.services.catalogue import (
    NATIONAL_ATTRIBUTES,
    NATIONAL_RULES,
    national_warnings,
    procedure_national_apply,
    procedure_national_match,
    version_latest,
)

MSG_APPLIED = gettext_noop("Lần nhập này đã được áp dụng.")
# field: label, in the order the preview shows them
LABELS = {
    "name": gettext_noop("Tên thủ tục"),
    "field": gettext_noop("Lĩnh vực"),
    "level": gettext_noop("Cấp thực hiện"),
    "authority": gettext_noop("Cơ quan thực hiện"),
    "limit": gettext_noop("Thời hạn giải quyết"),
    "fee": gettext_noop("Phí, lệ phí"),
    "fee_note": gettext_noop("Mô tả phí, lệ phí"),
    "legal_basis": gettext_noop("Căn cứ pháp lý"),
    "result": gettext_noop("Kết quả thực hiện"),
}


def _require(actor) -> None:
    if not can(actor, "procedures.manage"):
        raise PermissionDenied("procedures.manage")


LIMITS = ("limit_days", "limit_calendar_days", "limit_hours")


def _limit_text(rules: dict) -> str:
    """ "8 ngày làm việc", "30 ngày", "4 giờ làm việc": the unit is part of the limit, so a
    change of unit alone ("30 ngày" → "30 ngày làm việc") is a change."""
    return str(limit_label(*(rules.get(name) for name in LIMITS)))


def _shown(name: str, value) -> str:
    if name == "level":
        return str(ProcedureLevel(value).label) if value in ProcedureLevel.values else value
    if name == "fee":
        return f"{value:,}".replace(",", ".") + " đồng"
    return str(value or "")


def _changes(record: source.Record, procedure: Procedure) -> list[list[str]]:
    changes = [
        [name, _shown(name, getattr(procedure, name)), _shown(name, record.attributes[name])]
        for name in NATIONAL_ATTRIBUTES
        if getattr(procedure, name) != record.attributes[name]
    ]
    latest = version_latest(procedure)
    old = {name: getattr(latest, name) if latest else None for name in NATIONAL_RULES}
    new = record.rules
    if any(old[name] != new.get(name) for name in LIMITS):
        changes.append(["limit", _limit_text(old) if latest else "", _limit_text(new)])
    for name in ("fee", "fee_note", "legal_basis", "result"):
        if old[name] != new[name]:
            changes.append(
                [name, _shown(name, old[name]) if latest else "", _shown(name, new[name])]
            )
    return changes


def _warnings(record: source.Record, procedure: Procedure | None) -> list[str]:
    latest = version_latest(procedure) if procedure else None
    budgets = [step.budget_hours for step in latest.steps.all()] if latest else []
    return national_warnings(budgets, record.rules)


def catalogue_diff(records: list[source.Record]) -> list[dict]:
    """Per record: new, changed (with [field, old, new] rows) or unchanged; then the
    procedures linked to the national catalogue that the source does not have."""
    rows = []
    for record in records:
        procedure = procedure_national_match(record.code)
        changes = _changes(record, procedure) if procedure else []
        change = (
            Change.NEW if procedure is None else Change.CHANGED if changes else Change.UNCHANGED
        )
        rows.append(
            {
                "code": record.code,
                "name": record.attributes["name"],
                "change": str(change),
                "procedure_id": procedure.pk if procedure else None,
                "changes": changes,
                "warnings": _warnings(record, procedure) if change != Change.UNCHANGED else [],
            }
        )
    codes = {record.code for record in records}
    for procedure in (
        Procedure.objects.filter(is_active=True)
        .exclude(national_code="")
        .exclude(national_code__in=codes)
        .order_by("national_code")
    ):
        rows.append(
            {
                "code": procedure.national_code,
                "name": procedure.name,
                "change": str(Change.GONE),
                "procedure_id": procedure.pk,
                "changes": [],
                "warnings": [],
            }
        )
    return rows


def import_preview(
    *, actor, catalogue: source.Catalogue, channel: str, source_label: str = ""
) -> CatalogueImport:
    """What applying `catalogue` would change, kept as an import waiting to be applied."""
    _require(actor)
    return CatalogueImport.objects.create(
        channel=channel,
        source_label=source_label[:500],
        source_name=catalogue.source,
        exported_on=catalogue.exported_on,
        records=[record.as_json() for record in catalogue.records],
        diff=catalogue_diff(catalogue.records),
        created_by=actor,
    )


@transaction.atomic
def import_apply(*, actor, catalogue_import: CatalogueImport) -> CatalogueImport:
    """Every new and changed procedure written, or nothing (one transaction). Versions start
    on the record's effective date, or today."""
    _require(actor)
    row = CatalogueImport.objects.select_for_update().get(pk=catalogue_import.pk)
    if row.status != ImportStatus.PREVIEW:
        raise ValidationError(_(MSG_APPLIED))
    records = [source.Record.from_json(data) for data in row.records]
    diff = catalogue_diff(records)
    today = timezone.localdate()
    for entry, record in zip(diff, records, strict=False):
        if entry["change"] not in (Change.NEW, Change.CHANGED):
            continue
        procedure, version = procedure_national_apply(
            actor=actor,
            national_code=record.code,
            attributes=record.attributes,
            rules=record.rules,
            effective_from=record.effective_from or today,
        )
        entry["procedure_id"] = procedure.pk
        if version is not None:
            entry["version"] = version.number
            entry["effective_from"] = version.effective_from.isoformat()
    row.diff, row.status = diff, ImportStatus.APPLIED
    row.applied_at, row.applied_by = timezone.now(), actor
    row.save()
    audit_record(
        actor=actor,
        action="catalogue_import",
        subject=row,
        changes={"source": row.source_label, **row.counts},
    )
    return row


def import_file(*, actor, name: str, data: bytes) -> CatalogueImport:
    _require(actor)
    catalogue = source.catalogue_read(name, data)
    return import_preview(actor=actor, catalogue=catalogue, channel=Channel.FILE, source_label=name)


def import_platform(*, actor, identifier: str = "") -> CatalogueImport:
    """The agency's procedures as the province's platform publishes them, as a preview."""
    _require(actor)
    platform = connection.connection_in_force()
    if platform is None:
        raise ValidationError(_(connection.MSG_NOT_CONFIGURED))
    catalogue = connection.catalogue_fetch(platform, identifier=identifier)
    return import_preview(
        actor=actor,
        catalogue=catalogue,
        channel=Channel.PLATFORM,
        source_label=platform.url.split("?")[0],
    )


def field_labels() -> dict[str, str]:
    return {name: _(label) for name, label in LABELS.items()}
