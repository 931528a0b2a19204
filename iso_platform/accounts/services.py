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

from iso_platform.accounts.invitations import IssuedInvitation, invitation_issue
from iso_platform.accounts.models import AGENCY_ROLES, PROVINCE_ROLES, ApiToken, Role, User

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
    email = (email or "").strip().lower()
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
    if "email" not in errors and User.objects.filter(email__iexact=email).exists():
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
def api_token_create(*, user: User, name: str, ttl_days: int | None = None) -> tuple[ApiToken, str]:
    raw = ApiToken.PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=ttl_days) if ttl_days else None
    token = ApiToken.objects.create(
        user=user, name=name, digest=ApiToken.digest_of(raw), hint=raw[:10], expires_at=expires
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


__all__ = ["Role", "user_create", "invitation_for", "api_token_create", "api_token_revoke"]
