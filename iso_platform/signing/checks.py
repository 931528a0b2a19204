"""`manage.py check --deploy` refuses a production without the key that encrypts signing keys."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


def keys_secret(app_configs=None, **kwargs):
    if settings.SIGNING_KEYS_SECRET or settings.DEBUG:
        return []
    return [
        checks.Error(
            "SIGNING_KEYS_SECRET is not set: the agencies' PKCS#12 key files cannot be "
            "encrypted or opened.",
            hint="Set SIGNING_KEYS_SECRET or SIGNING_KEYS_SECRET_FILE to one or more Fernet "
            "keys, comma-separated (docs/configuration.md, docs/signatures.md).",
            id="signing.E001",
        )
    ]
