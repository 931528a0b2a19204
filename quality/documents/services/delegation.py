"""Approval delegation: the leader's right to approve, given to someone else (and taken back)."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction

from iso_platform.accounts.models import User
from quality.core.permissions import can
from quality.core.services import audit_record

APPROVE = ("quality_documents", "approve_revision")


def approve_permission() -> Permission:
    return Permission.objects.get(content_type__app_label=APPROVE[0], codename=APPROVE[1])


@transaction.atomic
def approval_delegate_set(*, actor, user, granted: bool) -> None:
    if not can(actor, "settings.manage"):
        raise PermissionDenied("settings.manage")
    permission = approve_permission()
    if granted:
        user.user_permissions.add(permission)
    else:
        user.user_permissions.remove(permission)
    audit_record(
        actor=actor,
        action="delegate_approval" if granted else "revoke_approval",
        subject=user,
        subject_type="user",
        changes={"user": user.email},
    )


def approval_delegates():

    return User.objects.filter(user_permissions=approve_permission(), is_active=True)
