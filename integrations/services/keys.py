"""Integration keys: creation (the secret is shown once), revocation, rotation with overlap,
and HMAC-SHA256 request signatures (docs/api/integration-events.md).

Version 2 (`X-Eiso-Signature: v2=<hex>`) signs
`"v2\n<METHOD>\n<path?query>\n<timestamp>\n" + body`, so a signed request is valid for
its own method and address only. Version 1 (`sha256=<hex>` over `"<timestamp>.<body>"`)
signed the body alone: a signed GET replayed on any other path. It is accepted until
INTEGRATION_SIGNATURE_V1_UNTIL, then refused with a message saying so. Timestamps may lie
up to INTEGRATION_SIGNATURE_WINDOW seconds in the past and INTEGRATION_SIGNATURE_FUTURE_SKEW
in the future.
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
    """Why a request is not accepted as coming from a vendor (401).

    `key_known` says the key id names a key of this agency, so that it can be recorded;
    an unknown id is the caller's free choice and is not (integrations.services.ingest).
    """

    def __init__(self, message: str, *, key_known: bool = False):
        super().__init__(message)
        self.key_known = key_known


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


def signing_string(*, method: str, path: str, timestamp: int | str, body: bytes) -> bytes:
    """What version 2 signs: method, path with its query, timestamp, then the body."""
    return f"v2\n{method.upper()}\n{path}\n{timestamp}\n".encode() + body


def sign(secret: str, timestamp: int | str, body: bytes, *, method: str, path: str) -> str:
    message = signing_string(method=method, path=path, timestamp=timestamp, body=body)
    return "v2=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_v1(secret: str, timestamp: int | str, body: bytes) -> str:
    """The first version (body only), accepted until INTEGRATION_SIGNATURE_V1_UNTIL."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(
    key_id: str, secret: str, body: bytes, *, method: str, path: str, now: float | None = None
) -> dict:
    """Headers a vendor sends (used by the simulator, the benchmark and the docs' example)."""
    timestamp = int(now if now is not None else time.time())
    return {
        "X-Eiso-Key": key_id,
        "X-Eiso-Timestamp": str(timestamp),
        "X-Eiso-Signature": sign(secret, timestamp, body, method=method, path=path),
    }


def v1_accepted(now: float | None = None) -> bool:
    moment = dt.datetime.fromtimestamp(now if now is not None else time.time(), tz=dt.UTC)
    return timezone.localdate(moment) <= settings.INTEGRATION_SIGNATURE_V1_UNTIL


def v1_sunset() -> dt.datetime:
    """The moment version 1 stops being accepted (the day after the last day, 00:00)."""
    last = settings.INTEGRATION_SIGNATURE_V1_UNTIL
    midnight = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    return timezone.make_aware(midnight)


def _version_of(signature: str) -> tuple[int, str]:
    scheme, _sep, value = signature.strip().partition("=")
    versions = {"v2": 2, "sha256": 1}
    if scheme not in versions or not value:
        raise SignatureError("X-Eiso-Signature phải có dạng v2=<hex> (xem tài liệu API)")
    return versions[scheme], signature.strip()


def _check_moment(timestamp: str, now: float) -> int:
    try:
        moment = int(timestamp)
    except ValueError:
        raise SignatureError("X-Eiso-Timestamp phải là số giây Unix") from None
    window = settings.INTEGRATION_SIGNATURE_WINDOW
    skew = settings.INTEGRATION_SIGNATURE_FUTURE_SKEW
    if now - moment > window:
        raise SignatureError(
            f"X-Eiso-Timestamp lệch quá {window} giây về quá khứ so với máy chủ "
            "(yêu cầu cũ bị phát lại, hoặc đồng hồ sai)"
        )
    if moment - now > skew:
        raise SignatureError(
            f"X-Eiso-Timestamp lệch quá {skew} giây về tương lai so với máy chủ "
            "(đồng hồ bên gửi chạy nhanh)"
        )
    return moment


def verify(
    *,
    key_id: str,
    timestamp: str,
    signature: str,
    body: bytes,
    method: str,
    path: str,
    now: float | None = None,
) -> tuple[ApiKey, int]:
    """The usable key that signed this request and the signature version, or SignatureError."""
    if not key_id or not timestamp or not signature:
        raise SignatureError("thiếu tiêu đề X-Eiso-Key, X-Eiso-Timestamp hoặc X-Eiso-Signature")
    now = now if now is not None else time.time()
    version, signature = _version_of(signature)
    if version == 1 and not v1_accepted(now):
        raise SignatureError(
            "chữ ký phiên bản 1 (sha256=…, chỉ ký thời điểm và thân) không còn được nhận từ "
            f"{v1_sunset():%d/%m/%Y}; hãy ký phiên bản 2 (v2=…, ký cả phương thức và đường "
            "dẫn) theo tài liệu API"
        )
    moment = _check_moment(timestamp, now)
    key = ApiKey.objects.filter(key_id=key_id).first()
    if key is None or not key.is_usable():
        raise SignatureError(
            "khoá không tồn tại, đã hết hạn hoặc đã bị thu hồi", key_known=key is not None
        )
    secret = secret_of(key)
    expected = (
        sign(secret, moment, body, method=method, path=path)
        if version == 2
        else sign_v1(secret, moment, body)
    )
    if not hmac.compare_digest(expected, signature):
        raise SignatureError("chữ ký không đúng", key_known=True)
    return key, version


def secret_cipher() -> Fernet:
    """The cipher of every secret the integrations keep (vendors' keys, webhook secrets)."""
    return _fernet()
