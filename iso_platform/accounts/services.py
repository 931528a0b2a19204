"""Writes for accounts: creating people, invitations and API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform.accounts.identifiers import normalise_email
from iso_platform.accounts.invitations import IssuedInvitation, invitation_issue
from iso_platform.accounts.models import AGENCY_ROLES, PROVINCE_ROLES, ApiToken, Role, User
from iso_platform.audit import here_record, in_public, platform_record

MSG_EMAIL_TAKEN = gettext_noop("Địa chỉ thư điện tử này đã có tài khoản.")
MSG_EMAIL_INVALID = gettext_noop("Địa chỉ thư điện tử không hợp lệ.")
MSG_NAME_REQUIRED = gettext_noop("Cần nhập họ và tên.")
MSG_ROLE_NOT_HERE = gettext_noop("Vai trò này không dùng được ở đây.")


def user_create(
    *,
    email: str,
    full_name: str,
    role: str,
    in_public: bool,
    password: str | None = None,
    is_agency_admin: bool = False,
) -> User:
    """Create a person in the current schema; province roles only in the public schema."""
    email = normalise_email(email)
    errors = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _(MSG_EMAIL_INVALID)
    if not (full_name or "").strip():
        errors["full_name"] = _(MSG_NAME_REQUIRED)
    allowed = PROVINCE_ROLES if in_public else AGENCY_ROLES
    if role not in allowed:
        errors["role"] = _(MSG_ROLE_NOT_HERE)
    if "email" not in errors and User.objects.filter(email=email).exists():
        errors["email"] = _(MSG_EMAIL_TAKEN)
    if errors:
        raise ValidationError(errors)
    return User.objects.create_user(
        email, password, full_name=full_name.strip(), role=role, is_agency_admin=is_agency_admin
    )


# What `invitation_for` returns: the stored invitation and its token (`.path()`, `.token`).
Invitation = IssuedInvitation


def invitation_for(user: User, *, invited_by: str = "") -> IssuedInvitation:
    """A one-time link to set a password (accounts.Invitation, only the token's digest kept);
    it dies once the password is set, when revoked or resent, or after INVITATION_TTL_SECONDS.
    The caller e-mails it: `send_invitation(user.pk, issued.token)` after commit."""
    return invitation_issue(user, invited_by=invited_by)


@transaction.atomic
def api_token_create(
    *, user: User, name: str, ttl_days: int | None = None, actor=None
) -> tuple[ApiToken, str]:
    """`actor`: who made it (None: the person themselves, or the command line)."""
    raw = ApiToken.PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=ttl_days) if ttl_days else None
    token = ApiToken.objects.create(
        user=user, name=name, digest=ApiToken.digest_of(raw), hint=raw[:10], expires_at=expires
    )
    _token_audit("token_create", token, actor, {"name": name, "expires_at": expires})
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor=None) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _token_audit("token_revoke", token, actor, {"name": token.name})


def _token_audit(action: str, token: ApiToken, actor, changes: dict) -> None:
    """The trail of the schema holding the token (never the token, only its hint)."""

    here_record(
        action=action,
        subject_type="apitoken",
        subject_id=token.pk,
        subject_label=f"{token.user.email}: {token}",
        actor=actor,
        changes={**changes, "hint": token.hint, "user": token.user.email},
    )


MSG_NOT_PROVINCE_ADMIN = gettext_noop("Chỉ quản trị viên cấp tỉnh được đổi vai trò.")


@transaction.atomic
def province_user_role_set(*, actor, user: User, role: str) -> User:
    """Change a provincial person's role (public schema), with its platform audit row."""
    from django.core.exceptions import PermissionDenied

    if not (in_public() and getattr(actor, "is_province_admin", False)):
        raise PermissionDenied(_(MSG_NOT_PROVINCE_ADMIN))
    if role not in PROVINCE_ROLES:
        raise ValidationError({"role": _(MSG_ROLE_NOT_HERE)}, code="role")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role != role:
        before, user.role = user.role, role
        user.save(update_fields=["role"])
        platform_record(
            action="role_change",
            subject_type="user",
            subject_id=user.pk,
            subject_label=user.email,
            actor=actor,
            changes={"role": [before, role]},
        )
    return user


__all__ = [
    "Role",
    "user_create",
    "invitation_for",
    "api_token_create",
    "api_token_revoke",
    "province_user_role_set",
]
