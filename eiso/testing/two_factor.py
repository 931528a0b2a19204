"""Test helpers for two-factor sign-in.

`session_mark_verified(client)` is what a passed code step leaves in the session, for tests
that sign a provincial administrator in with `force_login` (the `client_for` fixture does it):
without it the console sends them to enrol. It is not a switch in settings: a test of the
enforcement itself just does not call it.
"""

from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

# Stands for a device in the session; the middleware only checks that the key is there.
TEST_DEVICE_ID = "otp_totp.totpdevice/test-session"


def session_mark_verified(client, *, schema: str = "public") -> None:
    with schema_context(schema):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TEST_DEVICE_ID
        session.save()


def totp_device(user, *, schema: str = "public") -> TOTPDevice:
    """A confirmed authenticator for `user`, as after enrolment."""
    with schema_context(schema):
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the person's app shows now (or `steps_ahead` periods of 30 s later: a code,
    once used, is refused until the next period)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
