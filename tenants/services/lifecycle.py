"""Suspending, resuming, archiving and restoring agencies. Data is never touched: only the
status changes (an archived agency is served read-only, see tenants/middleware.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tenants.models import (
    Agency,
    AgencyStatus,
    LifecycleOperation,
    OperationKind,
    OperationStatus,
    identifier_check,
)
from tenants.services import events

MSG_NOT_ACTIVE = gettext_noop("Chỉ tạm ngừng được cơ quan đang hoạt động.")
MSG_NOT_SUSPENDED = gettext_noop("Cơ quan này không ở trạng thái tạm ngừng.")
MSG_PUBLIC = gettext_noop("Không thể thay đổi trạng thái của lược đồ chung cấp tỉnh.")
MSG_REASON_TOO_LONG = gettext_noop("Lý do dài quá 500 ký tự.")
MSG_NOT_ARCHIVABLE = gettext_noop("Chỉ lưu trữ được cơ quan đang hoạt động hoặc tạm ngừng.")
MSG_NOT_ARCHIVED = gettext_noop("Cơ quan này không ở trạng thái lưu trữ.")
MSG_MERGED = gettext_noop(
    "Cơ quan này đã được hợp nhất vào %(name)s; dữ liệu đã chuyển đi nên không khôi phục được."
)


@transaction.atomic
def agency_suspend(*, agency: Agency, by, reason: str = "") -> Agency:
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.is_public:
        raise ValidationError(_(MSG_PUBLIC), code="public")
    if agency.status != AgencyStatus.ACTIVE:
        raise ValidationError(_(MSG_NOT_ACTIVE), code="not_active")
    if len(reason) > 500:
        raise ValidationError({"reason": _(MSG_REASON_TOO_LONG)})
    agency.status = AgencyStatus.SUSPENDED
    agency.status_reason = reason.strip()
    agency.save(update_fields=["status", "status_reason", "updated_at"])
    events.record(
        agency=agency,
        action="suspended",
        actor=by,
        detail={"reason": reason},
        agency_trail=True,
    )
    return agency


@transaction.atomic
def agency_resume(*, agency: Agency, by) -> Agency:
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.status != AgencyStatus.SUSPENDED:
        raise ValidationError(_(MSG_NOT_SUSPENDED), code="not_suspended")
    agency.status = AgencyStatus.ACTIVE
    agency.status_reason = ""
    agency.save(update_fields=["status", "status_reason", "updated_at"])
    events.record(agency=agency, action="resumed", actor=by, agency_trail=True)
    return agency


def _operation(agency: Agency, by, action: str, reason: str = "") -> LifecycleOperation:
    now = timezone.now()
    return LifecycleOperation.objects.create(
        kind=OperationKind.ARCHIVE,
        agency=agency,
        status=OperationStatus.SUCCEEDED,
        params={"action": action, "reason": reason},
        report={"status": agency.status},
        step=_("Đã lưu trữ") if action == "archive" else _("Đã khôi phục"),
        progress=100,
        requested_by=by,
        started_at=now,
        finished_at=now,
    )


@transaction.atomic
def agency_archive(*, agency: Agency, by, reason: str = "") -> Agency:
    """Read-only from now on: sign-in and reading work, every change is refused."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.is_public:
        raise ValidationError(_(MSG_PUBLIC), code="public")
    if agency.status not in (AgencyStatus.ACTIVE, AgencyStatus.SUSPENDED):
        raise ValidationError(_(MSG_NOT_ARCHIVABLE), code="not_archivable")
    if len(reason) > 500:
        raise ValidationError({"reason": _(MSG_REASON_TOO_LONG)})
    agency.status = AgencyStatus.ARCHIVED
    agency.archived_at = timezone.now()
    agency.status_reason = reason.strip()
    agency.save(update_fields=["status", "archived_at", "status_reason", "updated_at"])
    operation = _operation(agency, by, "archive", reason.strip())
    events.record(
        agency=agency,
        action="archived",
        actor=by,
        detail={"reason": reason, "operation": str(operation.pk)},
        agency_trail=True,
    )
    return agency


@transaction.atomic
def agency_restore(*, agency: Agency, by) -> Agency:
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.status != AgencyStatus.ARCHIVED:
        raise ValidationError(_(MSG_NOT_ARCHIVED), code="not_archived")
    if agency.merged_into_id:
        raise ValidationError(_(MSG_MERGED) % {"name": agency.merged_into.name}, code="merged")
    agency.status = AgencyStatus.ACTIVE
    agency.archived_at = None
    agency.status_reason = ""
    agency.save(update_fields=["status", "archived_at", "status_reason", "updated_at"])
    operation = _operation(agency, by, "restore")
    events.record(
        agency=agency,
        action="restored",
        actor=by,
        detail={"operation": str(operation.pk)},
        agency_trail=True,
    )
    return agency


@transaction.atomic
def agency_identifier_set(*, agency: Agency, identifier: str, by) -> Agency:
    """The province sets or corrects an agency's national identifier (recorded with the old
    value in the agency's history)."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.is_public:
        raise ValidationError(_(MSG_PUBLIC), code="public")
    value = identifier_check(identifier, exclude_pk=agency.pk)
    if value == agency.identifier:
        return agency
    before, agency.identifier = agency.identifier, value
    agency.save(update_fields=["identifier", "updated_at"])
    events.record(
        agency=agency,
        action="identifier_changed",
        actor=by,
        detail={"before": before, "after": value},
        agency_trail=True,
    )
    return agency
