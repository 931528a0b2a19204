"""The visitor's address, the same way for sign-in lockouts (axes) and rate limits.

Behind `TRUSTED_PROXY_COUNT` reverse proxies (the ingress, a load balancer) the address
the server sees is the last proxy's; the client is the entry that many places from the
right of X-Forwarded-For (each proxy appends the address it received from). Entries
further left are whatever the client sent and are never trusted.
"""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str:
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if count:
        chain = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(chain) >= count:
            return chain[-count]
    return remote
