"""Suspending and resuming agencies. Data is never touched: only the status changes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tenants.models import Agency, AgencyStatus
from tenants.services import events

MSG_NOT_ACTIVE = gettext_noop("Chỉ tạm ngừng được cơ quan đang hoạt động.")
MSG_NOT_SUSPENDED = gettext_noop("Cơ quan này không ở trạng thái tạm ngừng.")
MSG_PUBLIC = gettext_noop("Không thể thay đổi trạng thái của lược đồ chung cấp tỉnh.")
MSG_REASON_TOO_LONG = gettext_noop("Lý do dài quá 500 ký tự.")


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
    events.record(agency=agency, action="suspended", actor=by, detail={"reason": reason})
    return agency


@transaction.atomic
def agency_resume(*, agency: Agency, by) -> Agency:
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.status != AgencyStatus.SUSPENDED:
        raise ValidationError(_(MSG_NOT_SUSPENDED), code="not_suspended")
    agency.status = AgencyStatus.ACTIVE
    agency.status_reason = ""
    agency.save(update_fields=["status", "status_reason", "updated_at"])
    events.record(agency=agency, action="resumed", actor=by)
    return agency
