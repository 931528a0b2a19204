"""Two-factor sign-in: enrolment, verification and recovery codes (django-otp).

A person has at most one confirmed TOTP device (an authenticator app on their phone) and one
static device holding ten one-time recovery codes. Enrolment makes an unconfirmed TOTP device;
the first correct code confirms it and issues the recovery codes, shown once. Devices live in
the schema of the host, like the person: the console's in the public schema, an agency's staff
in the agency's schema.

A session that passed the code step (or enrolled) carries django-otp's `otp_device_id`; the
middleware only looks at that key, so a verified request costs no query.

Wrong codes are slowed down by the device itself (django-otp throttling: 1, 2, 4 ... seconds
after successive failures) and, at sign-in, also count as failed sign-ins for django-axes.
"""

from __future__ import annotations

import re
from base64 import b32encode
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_noop
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from iso_platform.accounts.signals import SecurityAction, security_event_send

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
STATIC_DEVICE_NAME = "recovery"
TOTP_CODE_RE = re.compile(r"^\d{6}$")

MSG_CODE_WRONG = gettext_noop("Mã xác thực không đúng hoặc đã hết hạn.")
MSG_CODE_THROTTLED = gettext_noop(
    "Đã nhập sai mã nhiều lần liên tiếp. Vui lòng đợi vài giây rồi nhập mã mới."
)
MSG_REQUIRED = gettext_noop(
    "Quản trị viên cấp tỉnh bắt buộc dùng xác thực hai bước: không tắt được. "
    "Nếu đổi điện thoại, hãy dùng mã dự phòng để đăng nhập rồi đăng ký lại."
)
MSG_ALREADY_ENABLED = gettext_noop("Xác thực hai bước đã được bật cho tài khoản này.")


def normalize_code(code: str) -> str:
    """Spaces and dashes dropped, lower case: "123 456" and "ABCD-EFGH" are accepted."""
    return re.sub(r"[\s-]", "", code or "").lower()


def two_factor_required(user) -> bool:
    """Provincial administrators must use a second factor."""
    return bool(getattr(user, "is_province_admin", False))


def two_factor_enabled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# Set when the province's identity provider says the person passed a second factor there
# (its `acr`/`amr`, integrations/sso): the session then counts as verified without a code.
PROVIDER_VERIFIED_KEY = "eiso_two_factor_by_provider"


def session_is_verified(session) -> bool:
    return bool(session.get(DEVICE_ID_SESSION_KEY) or session.get(PROVIDER_VERIFIED_KEY))


def session_mark_verified_by_provider(session, *, evidence: str) -> None:
    """`evidence` names what the provider said (for example "amr=otp")."""
    session[PROVIDER_VERIFIED_KEY] = evidence


def totp_device_pending(*, user) -> TOTPDevice:
    """The unconfirmed device being enrolled: kept across page loads so the QR code stays."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def totp_config_url(device: TOTPDevice, *, host: str) -> str:
    """The otpauth:// address in the QR code; the issuer names the host, so that a person with
    accounts on the console and on an agency tells the two apart in their authenticator."""
    issuer = f"{settings.OTP_TOTP_ISSUER} {host.split(':')[0]}"
    params = {
        "secret": totp_secret(device),
        "algorithm": "SHA1",
        "digits": device.digits,
        "period": device.step,
        "issuer": issuer,
    }
    query = urlencode(params, quote_via=quote)
    return f"otpauth://totp/{quote(issuer)}:{quote(device.user.email)}?{query}"


def totp_secret(device: TOTPDevice) -> str:
    """The key in base32, for typing into the app when the camera is not an option."""
    return b32encode(device.bin_key).decode()


def qr_data_uri(text: str) -> str:
    """An SVG data: URI for an <img>: no inline script or style (CSP allows data: images)."""
    return segno.make(text, error="m").svg_data_uri(scale=5, border=2)


def two_factor_verify(*, user, code: str, request=None):
    """The device that accepts `code`, or ValidationError (MSG_CODE_WRONG, MSG_CODE_THROTTLED).

    Six digits are tried on the authenticator, anything else as a recovery code (which is
    spent): a recovery code typed in must not count as a wrong authenticator code, or the next
    real one would be throttled.
    """
    code = normalize_code(code)
    model = TOTPDevice if TOTP_CODE_RE.match(code) else StaticDevice
    with transaction.atomic():  # select_for_update: two requests cannot spend one code
        devices = list(model.objects.devices_for_user(user, confirmed=True).select_for_update())
        # Asked before trying: a failed try below starts a new wait, which is no reason to
        # tell the person to wait.
        throttled = any(not device.verify_is_allowed()[0] for device in devices)
        for device in devices:
            if device.verify_token(code):
                if model is StaticDevice:
                    security_event_send(
                        user=user, action=SecurityAction.RECOVERY_CODE_USED, request=request
                    )
                return device
    raise ValidationError(
        MSG_CODE_THROTTLED if throttled else MSG_CODE_WRONG,
        code="throttled" if throttled else "wrong",
    )


def two_factor_enable(*, user, code: str, request=None) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending device with a correct code; returns it and the recovery codes,
    which the page shows once.

    ValidationError if 2FA is already on or the code is wrong.
    """
    if two_factor_enabled(user):
        raise ValidationError(MSG_ALREADY_ENABLED, code="enabled")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).last()
        accepted = device is not None and device.verify_token(normalize_code(code))
    if not accepted:  # the device's throttling counter is committed, not rolled back
        raise ValidationError(MSG_CODE_WRONG, code="wrong")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_issue(user=user)
        security_event_send(user=user, action=SecurityAction.TWO_FACTOR_ENABLED, request=request)
    return device, codes


def two_factor_disable(*, user, code: str, request=None) -> None:
    """Remove every device, after a current code; refused for provincial administrators."""
    if two_factor_required(user):
        raise ValidationError(MSG_REQUIRED, code="required")
    two_factor_verify(user=user, code=code, request=request)
    with transaction.atomic():
        _devices_delete(user)
        security_event_send(user=user, action=SecurityAction.TWO_FACTOR_DISABLED, request=request)


def recovery_codes_regenerate(*, user, code: str, request=None) -> list[str]:
    """New recovery codes after a current code; the old ones stop working."""
    two_factor_verify(user=user, code=code, request=request)
    with transaction.atomic():
        codes = _recovery_codes_issue(user=user)
        security_event_send(
            user=user, action=SecurityAction.RECOVERY_CODES_REGENERATED, request=request
        )
    return codes


def two_factor_reset(*, user) -> int:
    """An operator's reset (lost phone and codes): the person enrols again at next sign-in."""
    with transaction.atomic():
        removed = _devices_delete(user)
        security_event_send(user=user, action=SecurityAction.TWO_FACTOR_RESET)
    return removed


def _recovery_codes_issue(*, user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=STATIC_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _devices_delete(user) -> int:
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    return removed
