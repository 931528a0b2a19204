"""Pull connectors: for vendors who expose a feed instead of pushing events.

A feed answers `GET <url>?since=<cursor>` with `{"events": [...], "next": "<cursor>"}`.
Events go through the same inbox as pushed ones (validation, idempotency, apply).

The feed's address is chosen by the agency, so every request goes through the guarded
client `iso_platform.outbound` (public addresses only unless the operator allows a host, no
redirects, time and size caps, one message for every failure). A run asked for from the
page is a Celery task; the page follows its progress.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.parse

from cryptography.fernet import InvalidToken
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from integrations.models import PullConnector, PullRunStatus
from integrations.services.ingest import events_ingest
from integrations.services.keys import _fernet
from iso_platform import outbound
from quality.core.permissions import can
from quality.core.services import audit_record

logger = logging.getLogger(__name__)
MAX_PAGES = 50
# A run not finished after this long lost its worker: another may start.
STALE_AFTER = dt.timedelta(minutes=15)

MSG_ALREADY_RUNNING = gettext_noop("Nguồn này đang được kéo dữ liệu; hãy chờ lượt hiện tại xong.")
MSG_AUTH_HEADER = gettext_noop(
    "Tiêu đề Authorization chỉ được gồm một dòng chữ (không xuống dòng, không ký tự điều khiển)."
)
MSG_AUTH_UNREADABLE = gettext_noop(
    "Không giải mã được tiêu đề Authorization đã lưu; hãy nhập lại tiêu đề này."
)


def connector_save(
    *, actor, name: str, url: str, authorization: str = "", connector: PullConnector | None = None
) -> PullConnector:
    if not can(actor, "integrations.manage"):
        raise PermissionDenied("integrations.manage")
    url = (url or "").strip()
    try:
        outbound.url_check(url)  # resolves the name: kept out of the transaction below
    except outbound.OutboundRefused as exc:
        raise ValidationError({"url": exc.message}) from None
    if authorization and not authorization.isprintable():
        raise ValidationError({"authorization": _(MSG_AUTH_HEADER)})
    return _connector_store(
        actor=actor, name=name, url=url, authorization=authorization, connector=connector
    )


@transaction.atomic
def _connector_store(*, actor, name, url, authorization, connector) -> PullConnector:
    connector = connector or PullConnector()
    connector.name, connector.url = name.strip(), url
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


@transaction.atomic
def connector_run_request(*, actor, connector: PullConnector) -> PullConnector:
    """Queue one run of the connector (a Celery task, after commit); the page shows progress."""
    if not can(actor, "integrations.manage"):
        raise PermissionDenied("integrations.manage")
    connector = PullConnector.objects.select_for_update().get(pk=connector.pk)
    now = timezone.now()
    if (
        connector.is_running
        and connector.run_started_at
        and now - connector.run_started_at < STALE_AFTER
    ):
        raise ValidationError(_(MSG_ALREADY_RUNNING))
    connector.run_status, connector.run_started_at, connector.run_pages = (
        PullRunStatus.QUEUED,
        now,
        0,
    )
    connector.last_count = 0
    connector.save(update_fields=["run_status", "run_started_at", "run_pages", "last_count"])
    audit_record(actor=actor, action="connector_run", subject=connector, changes={})
    connector_id = connector.pk
    transaction.on_commit(lambda: _queue_run(connector_id))
    return connector


def _queue_run(connector_id: int) -> None:
    # integrations.tasks imports this module: imported here, at call time.
    from integrations.tasks import connector_pull_task

    connector_pull_task.delay(connector_id)


def connectors_pull() -> int:
    """Pull every enabled connector of this agency; return the number of events accepted."""
    total = 0
    for connector in PullConnector.objects.filter(enabled=True):
        total += connector_pull(connector=connector)
    return total


def _claim(connector: PullConnector) -> bool:
    """Mark the connector running unless another run is (one run at a time moves the cursor)."""
    now = timezone.now()
    busy = Q(run_status=PullRunStatus.RUNNING, run_started_at__gte=now - STALE_AFTER)
    claimed = (
        PullConnector.objects.filter(pk=connector.pk)
        .exclude(busy)
        .update(run_status=PullRunStatus.RUNNING, run_started_at=now, run_pages=0, last_count=0)
    )
    return claimed == 1


def connector_pull(*, connector: PullConnector) -> int:
    if not _claim(connector):
        return 0
    connector.refresh_from_db()
    accepted, error = 0, ""
    try:
        for page in range(1, MAX_PAGES + 1):
            body = _fetch(connector)
            events = body["events"]
            outcomes = events_ingest(items=events, key=None, source=f"pull:{connector.pk}")
            accepted += sum(o.status == "accepted" for o in outcomes)
            next_cursor = body.get("next")
            moved = bool(events) and next_cursor and str(next_cursor)[:200] != connector.cursor
            if moved:
                connector.cursor = str(next_cursor)[:200]
            connector.run_pages, connector.last_count = page, accepted
            connector.save(update_fields=["cursor", "run_pages", "last_count"])
            if not moved:
                break
    except outbound.OutboundError as exc:
        logger.warning("pull connector %s failed: %s", connector.pk, exc.detail or exc.message)
        error = exc.message
    except InvalidToken:
        error = _(MSG_AUTH_UNREADABLE)
    connector.last_error, connector.last_count = error, accepted
    connector.last_run_at = timezone.now()
    connector.run_status = PullRunStatus.FAILED if error else PullRunStatus.SUCCEEDED
    connector.save(update_fields=["last_error", "last_run_at", "last_count", "run_status"])
    return accepted


def _fetch(connector: PullConnector) -> dict:
    query = urllib.parse.urlencode({"since": connector.cursor}) if connector.cursor else ""
    url = connector.url + (("&" if "?" in connector.url else "?") + query if query else "")
    headers = {"Accept": "application/json"}
    if connector.auth_header:
        headers["Authorization"] = _fernet().decrypt(bytes(connector.auth_header)).decode()
    response = outbound.fetch(url, headers=headers)
    if not 200 <= response.status < 300:
        raise outbound.OutboundError(_(outbound.MSG_FAILED), f"HTTP {response.status}")
    try:
        body = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise outbound.OutboundError(_(outbound.MSG_FAILED), f"not JSON: {exc}") from None
    # Same message as a closed port: what answers on an address must not be readable here.
    if not isinstance(body, dict) or not isinstance(body.get("events", []), list):
        raise outbound.OutboundError(_(outbound.MSG_FAILED), "not {'events': [...]}")
    body.setdefault("events", [])
    return body
