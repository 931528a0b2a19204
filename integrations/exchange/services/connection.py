"""The province's platform connection: read from any schema, changed on the console."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import get_public_schema_name, schema_context

from integrations.exchange.province.models import PlatformConnection
from integrations.services.keys import secret_cipher
from iso_platform import audit, outbound

MSG_FORBIDDEN = gettext_noop("Chỉ quản trị viên của tỉnh mới thay đổi được kết nối liên thông.")
MSG_REQUIRED = gettext_noop("Cần nhập địa chỉ và mã hệ thống để bật kết nối.")
MSG_SECRET_REQUIRED = gettext_noop("Cần nhập khoá bí mật của hệ thống để bật kết nối.")


@dataclass(frozen=True)
class Connection:
    url: str
    system_id: str
    secret: str


def connection_in_force() -> Connection | None:
    """The platform to send to, or None while it is not configured or switched off."""
    with schema_context(get_public_schema_name()):
        row = PlatformConnection.load()
    if not (row.enabled and row.url and row.system_id and row.secret_encrypted):
        return None
    try:
        secret = secret_cipher().decrypt(bytes(row.secret_encrypted)).decode()
    except InvalidToken:  # INTEGRATION_KEYS_SECRET changed: the secret must be typed again
        return None
    return Connection(url=row.url.rstrip("/"), system_id=row.system_id, secret=secret)


@transaction.atomic
def connection_update(
    *, actor, url: str, system_id: str, secret: str = "", enabled: bool, request=None
) -> PlatformConnection:
    """Saved in the public schema; an empty secret keeps the one stored."""
    if not getattr(actor, "is_province_admin", False):
        raise PermissionDenied(_(MSG_FORBIDDEN))
    url, system_id = (url or "").strip(), (system_id or "").strip()
    errors = {}
    if url:
        try:
            outbound.url_check(url)
        except outbound.OutboundRefused as exc:
            errors["url"] = exc.message
    with schema_context(get_public_schema_name()):
        row = PlatformConnection.load()
        if enabled and not (url and system_id):
            errors["url"] = errors.get("url") or _(MSG_REQUIRED)
        if enabled and not (secret or row.secret_encrypted):
            errors["secret"] = _(MSG_SECRET_REQUIRED)
        if errors:
            raise ValidationError(errors)
        row.url, row.system_id, row.enabled = url, system_id, enabled
        if secret:
            row.secret_encrypted = secret_cipher().encrypt(secret.encode())
        row.updated_at, row.updated_by = timezone.now(), actor.email
        row.save()
        audit.here_record(
            action="exchange_connection",
            actor=actor,
            subject_type="exchange_connection",
            subject_id=row.pk,
            subject_label=url or "—",
            changes={
                "url": url,
                "system_id": system_id,
                "enabled": enabled,
                "secret": bool(secret),
            },
            request=request,
        )
    return row
