"""Keys of the province's data platform: created and revoked by the provincial administrator."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from insights.models import DataKey
from iso_platform import audit

SCOPES = {
    "statistics:read": gettext_lazy("Đọc số liệu thống kê toàn tỉnh (tổng hợp, theo tháng)"),
    "status:read": gettext_lazy("Đọc bảng tình trạng các cơ quan"),
}
PREFIX = "epd_"

MSG_NAME = gettext_lazy("Hãy đặt tên cho khoá (hệ thống sử dụng).")
MSG_SCOPES = gettext_lazy("Hãy chọn ít nhất một phạm vi hợp lệ.")
MSG_FORBIDDEN = gettext_lazy("Chỉ quản trị viên cấp tỉnh được quản lý khoá API dữ liệu.")
MSG_REVOKED = gettext_lazy("Khoá này đã bị thu hồi.")


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _require(actor) -> None:
    if not getattr(actor, "is_province_admin", False):
        raise PermissionDenied(str(MSG_FORBIDDEN))


@transaction.atomic
def data_key_create(*, actor, name: str, scopes) -> tuple[DataKey, str]:
    """The key and its value, shown once."""
    _require(actor)
    errors = {}
    if not (name or "").strip():
        errors["name"] = str(MSG_NAME)
    chosen = list(dict.fromkeys(scopes or []))
    if not chosen or any(s not in SCOPES for s in chosen):
        errors["scopes"] = str(MSG_SCOPES)
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(6)
    raw = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = DataKey.objects.create(
        name=name.strip(), prefix=prefix, digest=digest_of(raw), scopes=chosen, created_by=actor
    )
    audit.platform_record(
        action="data_key_create",
        actor=actor,
        subject_type="data_key",
        subject_id=key.pk,
        subject_label=str(key),
        changes={"scopes": chosen},
    )
    return key, raw


@transaction.atomic
def data_key_revoke(*, actor, key: DataKey) -> DataKey:
    _require(actor)
    key = DataKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        raise ValidationError(str(MSG_REVOKED))
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit.platform_record(
        action="data_key_revoke",
        actor=actor,
        subject_type="data_key",
        subject_id=key.pk,
        subject_label=str(key),
    )
    return key


def data_key_find(raw: str) -> DataKey | None:
    """The usable key this value names, or None."""
    if not raw.startswith(PREFIX) or raw.count("_") < 2:
        return None
    prefix = raw[len(PREFIX) :].split("_", 1)[0]
    key = DataKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.digest, digest_of(raw)):
        return None
    return key
