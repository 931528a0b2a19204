"""Standard Webhooks signatures (https://www.standardwebhooks.com/), written here and checked in
the tests by the `standardwebhooks` package: a receiver can use any of its libraries.

    webhook-id: msg_...            (the same on every retry: the receiver's idempotency key)
    webhook-timestamp: 1767225600  (seconds since the epoch, of this attempt)
    webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" with the secret's bytes>

The secret is `whsec_` + base64 of 32 random bytes; while a rotated secret is still valid
both signatures are sent, separated by a space, as the specification allows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def secret_new() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets_),
    }
