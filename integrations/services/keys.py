"""Integration keys: creation (the secret is shown once), revocation, rotation with overlap,
and HMAC-SHA256 request signatures.

Signature: hex HMAC-SHA256 with the secret over `"<timestamp>.<raw body>"`, sent as
`X-Eiso-Signature: sha256=<hex>` with `X-Eiso-Key: <key id>` and
`X-Eiso-Timestamp: <unix seconds>`. Requests outside the time window are refused.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import time

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from integrations.models import ApiKey
from quality.core.permissions import can
from quality.core.services import audit_record

MSG_NAME_REQUIRED = gettext_noop("Cần đặt tên cho khoá (ví dụ: tên hệ thống một cửa).")
MSG_ALREADY_REVOKED = gettext_noop("Khoá này đã bị thu hồi.")
MSG_OVERLAP_RANGE = gettext_noop("Thời gian dùng song song phải từ 0 đến 30 ngày.")


class SignatureError(Exception):
    """Why a request is not accepted as coming from a vendor (401)."""


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"eiso-integration-keys:" + settings.INTEGRATION_KEYS_SECRET.encode())
    return Fernet(base64.urlsafe_b64encode(digest.digest()))


def _require(actor) -> None:
    if not can(actor, "integrations.manage"):
        raise PermissionDenied("integrations.manage")


@transaction.atomic
def api_key_create(*, actor, name: str) -> tuple[ApiKey, str]:
    """Return the key and its secret; the secret is never shown again."""
    _require(actor)
    if not (name or "").strip():
        raise ValidationError({"name": _(MSG_NAME_REQUIRED)})
    secret = "eisk_" + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        key_id="ik_" + secrets.token_hex(8),
        name=name.strip(),
        secret_encrypted=_fernet().encrypt(secret.encode()),
        fingerprint=hashlib.sha256(secret.encode()).hexdigest(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="key_create",
        subject=key,
        changes={"key_id": key.key_id, "name": key.name},
    )
    return key, secret


@transaction.atomic
def api_key_revoke(*, actor, key: ApiKey) -> ApiKey:
    _require(actor)
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        raise ValidationError(_(MSG_ALREADY_REVOKED))
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="key_revoke", subject=key, changes={"key_id": key.key_id})
    return key


@transaction.atomic
def api_key_rotate(*, actor, key: ApiKey, overlap_days: int = 7) -> tuple[ApiKey, str]:
    """A new key; the old one keeps working for `overlap_days` so the vendor can switch."""
    _require(actor)
    if not 0 <= overlap_days <= 30:
        raise ValidationError({"overlap_days": _(MSG_OVERLAP_RANGE)})
    old = ApiKey.objects.select_for_update().get(pk=key.pk)
    if old.revoked_at is not None:
        raise ValidationError(_(MSG_ALREADY_REVOKED))
    new, secret = api_key_create(actor=actor, name=old.name)
    old.expires_at = timezone.now() + dt.timedelta(days=overlap_days)
    old.replaced_by = new
    old.save(update_fields=["expires_at", "replaced_by"])
    audit_record(
        actor=actor,
        action="key_rotate",
        subject=old,
        changes={"old": old.key_id, "new": new.key_id, "overlap_days": overlap_days},
    )
    return new, secret


def secret_of(key: ApiKey) -> str:
    try:
        return _fernet().decrypt(bytes(key.secret_encrypted)).decode()
    except InvalidToken as exc:  # INTEGRATION_KEYS_SECRET changed: the key must be re-issued
        raise SignatureError("khoá không giải mã được trên máy chủ; hãy tạo khoá mới") from exc


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(key_id: str, secret: str, body: bytes, now: float | None = None) -> dict:
    """Headers a vendor sends (used by the simulator, the benchmark and the docs' example)."""
    timestamp = int(now if now is not None else time.time())
    return {
        "X-Eiso-Key": key_id,
        "X-Eiso-Timestamp": str(timestamp),
        "X-Eiso-Signature": sign(secret, timestamp, body),
    }


def verify(
    *, key_id: str, timestamp: str, signature: str, body: bytes, now: float | None = None
) -> ApiKey:
    """The usable key that signed this body, or SignatureError with the reason."""
    if not key_id or not timestamp or not signature:
        raise SignatureError("thiếu tiêu đề X-Eiso-Key, X-Eiso-Timestamp hoặc X-Eiso-Signature")
    try:
        moment = int(timestamp)
    except ValueError:
        raise SignatureError("X-Eiso-Timestamp phải là số giây Unix") from None
    window = settings.INTEGRATION_SIGNATURE_WINDOW
    if abs((now if now is not None else time.time()) - moment) > window:
        raise SignatureError(
            f"X-Eiso-Timestamp lệch quá {window} giây so với máy chủ "
            "(yêu cầu cũ bị phát lại, hoặc đồng hồ sai)"
        )
    key = ApiKey.objects.filter(key_id=key_id).first()
    if key is None or not key.is_usable():
        raise SignatureError("khoá không tồn tại, đã hết hạn hoặc đã bị thu hồi")
    expected = sign(secret_of(key), moment, body)
    if not hmac.compare_digest(expected, signature.strip()):
        raise SignatureError("chữ ký không đúng")
    return key
