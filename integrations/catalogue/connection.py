"""The province platform's catalogue service: read from any schema, changed on the console,
and asked for the agency's procedures (every request through iso_platform.outbound)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from cryptography.fernet import InvalidToken
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import get_public_schema_name, schema_context

from integrations.catalogue import source
from integrations.catalogue.province.models import CatalogueConnection
from integrations.services.keys import secret_cipher
from iso_platform import audit, outbound, untrusted

MSG_FORBIDDEN = gettext_noop(
    "Chỉ quản trị viên của tỉnh mới thay đổi được kết nối danh mục thủ tục hành chính."
)
MSG_URL_REQUIRED = gettext_noop("Cần nhập địa chỉ dịch vụ để bật kết nối.")
MSG_KEY_REQUIRED = gettext_noop("Cần nhập khoá truy cập (API key) để bật kết nối.")
MSG_NOT_CONFIGURED = gettext_noop(
    "Tỉnh chưa cấu hình dịch vụ danh mục thủ tục hành chính trên nền tảng; "
    "hãy tải lên tệp danh mục."
)
MSG_STATUS = gettext_noop("Nền tảng của tỉnh trả lời lỗi (HTTP %(status)s).")


@dataclass(frozen=True)
class Connection:
    url: str
    key: str


def connection_in_force() -> Connection | None:
    """The catalogue service to ask, or None while it is not configured or switched off."""
    with schema_context(get_public_schema_name()):
        row = CatalogueConnection.load()
    if not (row.enabled and row.url and row.key_encrypted):
        return None
    try:
        key = secret_cipher().decrypt(bytes(row.key_encrypted)).decode()
    except InvalidToken:  # INTEGRATION_KEYS_SECRET changed: the key must be typed again
        return None
    return Connection(url=row.url, key=key)


@transaction.atomic
def connection_update(
    *, actor, url: str, key: str = "", enabled: bool, request=None
) -> CatalogueConnection:
    """Saved in the public schema; an empty key keeps the one stored."""
    if not getattr(actor, "is_province_admin", False):
        raise PermissionDenied(_(MSG_FORBIDDEN))
    url = (url or "").strip()
    errors = {}
    if url:
        try:
            outbound.url_check(url)
        except outbound.OutboundRefused as exc:
            errors["url"] = exc.message
    with schema_context(get_public_schema_name()):
        row = CatalogueConnection.load()
        if enabled and not url:
            errors["url"] = errors.get("url") or _(MSG_URL_REQUIRED)
        if enabled and not (key or row.key_encrypted):
            errors["key"] = _(MSG_KEY_REQUIRED)
        if errors:
            raise ValidationError(errors)
        row.url, row.enabled = url, enabled
        if key:
            row.key_encrypted = secret_cipher().encrypt(key.encode())
        row.updated_at, row.updated_by = timezone.now(), actor.email
        row.save()
        audit.here_record(
            action="catalogue_connection",
            actor=actor,
            subject_type="catalogue_connection",
            subject_id=row.pk,
            subject_label=url or "—",
            changes={"url": url, "enabled": enabled, "key": bool(key)},
            request=request,
        )
    return row


def catalogue_fetch(connection: Connection, *, identifier: str = "") -> source.Catalogue:
    """`GET <url>?co_quan=<the agency's identifier>` with the key as a bearer token; the
    answer is a catalogue document (source.FORMAT), read within the same limits as a file."""
    url = connection.url
    if identifier:
        url += ("&" if "?" in url else "?") + urlencode({"co_quan": identifier})
    headers = {"Authorization": f"Bearer {connection.key}", "Accept": "application/json"}
    try:
        answer = outbound.fetch(url, headers=headers, max_bytes=untrusted.TABLE.max_bytes)
    except outbound.OutboundError as exc:
        raise ValidationError(exc.message) from None
    if answer.status != 200:
        raise ValidationError(_(MSG_STATUS) % {"status": answer.status})
    try:
        return source.catalogue_read("platform.json", answer.body)
    except untrusted.Refused as exc:
        raise ValidationError(exc.messages) from exc
