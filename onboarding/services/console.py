"""The province console's view of onboarding (public schema).

The progress page reads only public rows: `AgencyOnboarding` (the mirror of each agency's
checklist) and the `admin_invitation` events of the operations log (the first
administrator's invitation). Resending or revoking that invitation are the only functions
here that enter an agency's schema, one agency at a time, named as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django_tenants.utils import tenant_context

from iso_platform.accounts import invitations
from quality.core.team import services as team
from tenants.models import Agency, AgencyEvent, AgencyStatus

MSG_NOT_ACTIVE = gettext_noop("Cơ quan đang không hoạt động; hãy cho hoạt động trở lại trước.")
MSG_NO_ADMIN = gettext_noop("Cơ quan chưa có quản trị viên nào.")

ADMIN_STATES = {
    "pending": gettext_lazy("Đang chờ"),
    "expired": gettext_lazy("Hết hạn"),
    "revoked": gettext_lazy("Đã thu hồi"),
    "accepted": gettext_lazy("Đã đặt mật khẩu"),
}


@dataclass
class AdminInvitation:
    state: str  # pending, expired, revoked, accepted
    email: str
    at: datetime
    expires_at: datetime | None

    @property
    def label(self):
        return ADMIN_STATES.get(self.state, self.state)

    @property
    def can_resend(self) -> bool:
        return self.state in ("pending", "expired", "revoked")

    @property
    def can_revoke(self) -> bool:
        return self.state == "pending"


def admin_invitations(agency_ids, now=None) -> dict[int, AdminInvitation]:
    """The first administrator's invitation of each agency, from the public log (one query)."""
    now = now or timezone.now()
    latest = (
        AgencyEvent.objects.filter(action=invitations.ADMIN_EVENT, agency_id__in=list(agency_ids))
        .order_by("agency_id", "-at", "-id")
        .distinct("agency_id")
    )
    result = {}
    for event in latest:
        detail = event.detail or {}
        expires = detail.get("expires_at")
        expires_at = datetime.fromisoformat(expires) if expires else None
        state = {"sent": "pending", "accepted": "accepted", "revoked": "revoked"}.get(
            detail.get("state"), "pending"
        )
        if state == "pending" and expires_at is not None and expires_at <= now:
            state = "expired"
        result[event.agency_id] = AdminInvitation(
            state, detail.get("email", ""), event.at, expires_at
        )
    return result


def _check(agency: Agency, actor) -> None:
    if not getattr(actor, "is_province_admin", False):
        raise PermissionDenied("province_admin")
    if agency.is_public or agency.status != AgencyStatus.ACTIVE:
        raise ValidationError(_(MSG_NOT_ACTIVE))


def agency_admin_invitation_resend(*, agency: Agency, actor) -> str:
    """Enter `agency`'s schema and e-mail its first administrator a new link (the earlier
    ones die). Returns the address written to."""
    _check(agency, actor)
    with tenant_context(agency), transaction.atomic():
        admin = invitations.first_admin()
        if admin is None:
            raise ValidationError(_(MSG_NO_ADMIN))
        team._resend(admin, by=actor.email, actor=_province_label(actor))
        return admin.email


def agency_admin_invitation_revoke(*, agency: Agency, actor) -> str:
    """Enter `agency`'s schema and revoke its first administrator's open links."""
    _check(agency, actor)
    with tenant_context(agency), transaction.atomic():
        admin = invitations.first_admin()
        if admin is None:
            raise ValidationError(_(MSG_NO_ADMIN))
        team._revoke(admin, by=actor.email, actor=_province_label(actor))
        return admin.email


def _province_label(actor) -> str:
    """The agency's audit trail names the province's administrator (a user of the public
    schema, so by label: the trail's user column points at the agency's own people)."""
    return _("%(name)s <%(email)s> (quản trị cấp tỉnh)") % {
        "name": actor.full_name,
        "email": actor.email,
    }
