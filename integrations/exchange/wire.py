"""How eISO and the province's platform authenticate each other's requests: HMAC-SHA256 over
method, path, timestamp and body, the construction of the integration API's version 2
(integrations/services/keys.py), kept here without Django so that the platform simulator
(a plain process) signs and checks the same way."""

from __future__ import annotations

import hashlib
import hmac
import time


def signature(secret: str, *, method: str, path: str, timestamp: int | str, body: bytes) -> str:
    message = f"v2\n{method.upper()}\n{path}\n{timestamp}\n".encode() + body
    return "v2=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(system_id: str, secret: str, *, method: str, path: str, body: bytes) -> dict:
    stamp = int(time.time())
    return {
        "X-Eiso-Key": system_id,
        "X-Eiso-Timestamp": str(stamp),
        "X-Eiso-Signature": signature(secret, method=method, path=path, timestamp=stamp, body=body),
    }


def valid(
    secret: str, got: dict, *, method: str, path: str, body: bytes, window: int = 300
) -> bool:
    stamp = got.get("X-Eiso-Timestamp", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > window:
        return False
    expected = signature(secret, method=method, path=path, timestamp=stamp, body=body)
    return hmac.compare_digest(expected, got.get("X-Eiso-Signature", ""))
