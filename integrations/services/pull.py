"""Pull connectors: for vendors who expose a feed instead of pushing events.

A feed answers `GET <url>?since=<cursor>` with `{"events": [...], "next": "<cursor>"}`.
Events go through the same inbox as pushed ones (validation, idempotency, apply).
"""

from __future__ import annotations

import json
import logging
import urllib.parse
import urllib.request

from cryptography.fernet import InvalidToken
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.models import PullConnector
from integrations.services.ingest import events_ingest
from integrations.services.keys import _fernet
from quality.core.permissions import can
from quality.core.services import audit_record

logger = logging.getLogger(__name__)
TIMEOUT = 20
MAX_PAGES = 50


@transaction.atomic
def connector_save(
    *, actor, name: str, url: str, authorization: str = "", connector: PullConnector | None = None
) -> PullConnector:
    if not can(actor, "integrations.manage"):
        raise PermissionDenied("integrations.manage")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValidationError({"url": "Địa chỉ phải bắt đầu bằng http:// hoặc https://"})
    connector = connector or PullConnector()
    connector.name, connector.url = name.strip(), url.strip()
    if authorization:
        connector.auth_header = _fernet().encrypt(authorization.encode())
    connector.full_clean(exclude=["auth_header"])
    connector.save()
    audit_record(
        actor=actor,
        action="connector_save",
        subject=connector,
        changes={"name": connector.name, "url": connector.url},
    )
    return connector


def connectors_pull() -> int:
    """Pull every enabled connector of this agency; return the number of events accepted."""
    total = 0
    for connector in PullConnector.objects.filter(enabled=True):
        total += connector_pull(connector=connector)
    return total


def connector_pull(*, connector: PullConnector) -> int:
    accepted = 0
    try:
        for _page in range(MAX_PAGES):
            body = _fetch(connector)
            events = body.get("events") or []
            outcomes = events_ingest(items=events, key=None, source=f"pull:{connector.pk}")
            accepted += sum(o.status == "accepted" for o in outcomes)
            next_cursor = body.get("next")
            if not events or not next_cursor or next_cursor == connector.cursor:
                break
            connector.cursor = str(next_cursor)[:200]
            connector.save(update_fields=["cursor"])
        connector.last_error = ""
    except (OSError, ValueError, InvalidToken) as exc:
        logger.warning("pull connector %s failed: %s", connector.pk, exc)
        connector.last_error = str(exc)[:1000]
    connector.last_run_at, connector.last_count = timezone.now(), accepted
    connector.save(update_fields=["last_error", "last_run_at", "last_count"])
    return accepted


def _fetch(connector: PullConnector) -> dict:
    query = urllib.parse.urlencode({"since": connector.cursor}) if connector.cursor else ""
    url = connector.url + (("&" if "?" in connector.url else "?") + query if query else "")
    # connector_save() only lets http(s) URLs in.
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    if connector.auth_header:
        request.add_header(
            "Authorization", _fernet().decrypt(bytes(connector.auth_header)).decode()
        )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - http(s) only
        body = json.loads(response.read().decode("utf-8"))
    if not isinstance(body, dict):
        raise ValueError("the feed must answer a JSON object with an 'events' list")
    return body
