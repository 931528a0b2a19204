"""The province's platform connection: read from any schema, changed on the console."""

from __future__ import annotations

from dataclasses import dataclass, field

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
MSG_REQUIRED = gettext_noop("Cần nhập địa chỉ nền tảng để bật kết nối.")
MSG_TOKEN_REQUIRED = gettext_noop(
    "Cần nhập địa chỉ cấp mã truy cập (token URL) và mã ứng dụng (client id) để bật kết nối."
)
MSG_SECRET_REQUIRED = gettext_noop("Cần nhập khoá bí mật của ứng dụng để bật kết nối.")


@dataclass(frozen=True)
class Connection:
    url: str
    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str = ""


def connection_in_force() -> Connection | None:
    """The platform to send to, or None while it is not configured or switched off."""
    with schema_context(get_public_schema_name()):
        row = PlatformConnection.load()
    configured = row.url and row.token_url and row.client_id and row.client_secret_encrypted
    if not (row.enabled and configured):
        return None
    try:
        secret = secret_cipher().decrypt(bytes(row.client_secret_encrypted)).decode()
    except InvalidToken:  # INTEGRATION_KEYS_SECRET changed: the secret must be typed again
        return None
    return Connection(
        url=row.url.rstrip("/"),
        token_url=row.token_url,
        client_id=row.client_id,
        client_secret=secret,
        scope=row.scope,
    )


def _address_errors(**urls: str) -> dict:
    errors = {}
    for name, url in urls.items():
        if url:
            try:
                outbound.url_check(url)
            except outbound.OutboundRefused as exc:
                errors[name] = exc.message
    return errors


@transaction.atomic
def connection_update(
    *,
    actor,
    url: str,
    token_url: str,
    client_id: str,
    client_secret: str = "",
    scope: str = "",
    enabled: bool,
    request=None,
) -> PlatformConnection:
    """Saved in the public schema; an empty secret keeps the one stored. Both addresses pass
    the guarded client's policy now, and again on every request."""
    if not getattr(actor, "is_province_admin", False):
        raise PermissionDenied(_(MSG_FORBIDDEN))
    url, token_url = (url or "").strip(), (token_url or "").strip()
    client_id, scope = (client_id or "").strip(), " ".join((scope or "").split())
    errors = _address_errors(url=url, token_url=token_url)
    with schema_context(get_public_schema_name()):
        row = PlatformConnection.load()
        if enabled and not url:
            errors.setdefault("url", _(MSG_REQUIRED))
        if enabled and not (token_url and client_id):
            errors.setdefault("token_url" if not token_url else "client_id", _(MSG_TOKEN_REQUIRED))
        if enabled and not (client_secret or row.client_secret_encrypted):
            errors["client_secret"] = _(MSG_SECRET_REQUIRED)
        if errors:
            raise ValidationError(errors)
        row.url, row.token_url, row.client_id = url, token_url, client_id
        row.scope, row.enabled = scope, enabled
        if client_secret:
            row.client_secret_encrypted = secret_cipher().encrypt(client_secret.encode())
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
                "token_url": token_url,
                "client_id": client_id,
                "scope": scope,
                "enabled": enabled,
                "client_secret": bool(client_secret),
            },
            request=request,
        )
    return row
