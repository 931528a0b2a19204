"""The inbox: every payload kept, accepted events stored once, rejected ones with the reason.

Ingesting only validates and stores (one INSERT for a whole batch); applying the events to
applications happens right after, in a Celery task per agency (debounced), from the inbox.
Nothing accepted is lost: the 2xx answer is sent after the inbox row is committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.models import ApiKey, InboxEvent, InboxStatus, RejectedRequest
from quality.procedures.events import Event, EventError, validate
from quality.procedures.models import Procedure

logger = logging.getLogger(__name__)
APPLY_DEBOUNCE_KEY = "integrations:apply-scheduled"


@dataclass
class Outcome:
    event_id: str
    status: str  # accepted | duplicate | conflict | rejected
    error: str = ""


def storable(obj) -> bool:
    """Whether PostgreSQL's jsonb takes it: no NaN or infinity, no NUL character."""
    try:
        text = json.dumps(obj, allow_nan=False)
    except ValueError:
        return False
    return "\\u0000" not in text


def text_of(value) -> str:
    """Text a text column takes (PostgreSQL refuses NUL characters)."""
    return str(value).replace("\x00", "")


def digest_of(obj) -> str:
    canonical = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def events_ingest(*, items: list, key: ApiKey | None, source: str = "push") -> list[Outcome]:
    """Validate and store events; return one outcome per item, in order."""
    now = timezone.now()
    parsed: list[tuple[int, object, Event | None, str]] = []
    for index, item in enumerate(items):
        try:
            parsed.append((index, item, validate(item), ""))
        except EventError as exc:
            parsed.append((index, item, None, str(exc)))
    known = _known_procedures(
        {
            ev.data["procedure_code"]
            for _i, _o, ev, _e in parsed
            if ev is not None and ev.type == "application.received"
        }
    )
    checked = []
    for index, item, event, error in parsed:
        if (
            event is not None
            and event.type == "application.received"
            and (event.data["procedure_code"] not in known)
        ):
            event, error = (
                None,
                (
                    f"data.procedure_code: thủ tục “{event.data['procedure_code']}”"
                    " không có trong danh mục của cơ quan"
                ),
            )
        checked.append((index, item, event, error))
    with transaction.atomic():
        outcomes = _store(checked, key, source, now)
    if any(o.status == "accepted" for o in outcomes):
        transaction.on_commit(schedule_apply)
    return outcomes


def _known_procedures(codes: set[str]) -> set[str]:
    if not codes:
        return set()
    return set(
        Procedure.objects.filter(code__in=codes, is_active=True).values_list("code", flat=True)
    )


def _store(checked, key, source, now) -> list[Outcome]:
    good = [(i, item, ev) for i, item, ev, _err in checked if ev is not None]
    digests = {i: digest_of(item) for i, item, _ev in good}
    inserted = _insert_accepted(good, digests, key, source, now)
    duplicates = _existing_digests(
        [ev.event_id for _i, _item, ev in good if ev.event_id not in inserted]
    )
    outcomes: dict[int, Outcome] = {}
    for index, _item, event in good:
        if event.event_id in inserted and inserted[event.event_id] == index:
            outcomes[index] = Outcome(event.event_id, "accepted")
        elif duplicates.get(event.event_id) == digests[index] or (
            event.event_id in inserted and digests[inserted[event.event_id]] == digests[index]
        ):
            outcomes[index] = Outcome(event.event_id, "duplicate")
        else:
            outcomes[index] = Outcome(
                event.event_id, "conflict", "event_id này đã được nhận với nội dung khác"
            )
    rejected = [(i, item, err) for i, item, ev, err in checked if ev is None]
    InboxEvent.objects.bulk_create(
        [
            InboxEvent(
                event_id=_safe_id(item),
                key=key,
                source=source,
                type=_safe_type(item),
                application_code=_safe_app(item),
                payload=item if _as_json(item) else None,
                raw="" if _as_json(item) else raw_text(item),
                digest=digest_of(item) if isinstance(item, (dict, list)) else "",
                received_at=now,
                status=InboxStatus.REJECTED,
                error=text_of(err),
            )
            for _i, item, err in rejected
        ]
    )
    for index, item, err in rejected:
        outcomes[index] = Outcome(_safe_id(item), "rejected", err)
    return [outcomes[i] for i in sorted(outcomes)]


def _insert_accepted(good, digests, key, source, now) -> dict[str, int]:
    """One INSERT ... ON CONFLICT DO NOTHING for the batch; {event_id: item index} inserted."""
    first_index: dict[str, int] = {}
    rows = []
    for index, item, event in good:
        if event.event_id in first_index:
            continue  # the same id twice in one batch: the first copy counts
        first_index[event.event_id] = index
        rows.append(
            (
                event.event_id,
                key.pk if key else None,
                source,
                event.type,
                event.application_id,
                event.occurred_at,
                json.dumps(item, ensure_ascii=False),
                digests[index],
                now,
                InboxStatus.ACCEPTED,
            )
        )
    if not rows:
        return {}
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, '', '')"] * len(rows))
    params = [value for row in rows for value in row]
    with connection.cursor() as cur:
        cur.execute(
            # Only placeholders are interpolated; every value is a bound parameter.
            "INSERT INTO integrations_inboxevent (event_id, key_id, source, type, "  # noqa: S608
            "application_code, occurred_at, payload, digest, received_at, status, error, raw) "
            f"VALUES {values} ON CONFLICT (event_id) WHERE status <> 'rejected' DO NOTHING "
            "RETURNING event_id",
            params,
        )
        inserted = {row[0] for row in cur.fetchall()}
    return {event_id: first_index[event_id] for event_id in inserted}


def _existing_digests(event_ids: list[str]) -> dict[str, str]:
    if not event_ids:
        return {}
    return dict(
        InboxEvent.objects.filter(event_id__in=event_ids)
        .exclude(status=InboxStatus.REJECTED)
        .values_list("event_id", "digest")
    )


def _as_json(item) -> bool:
    return isinstance(item, (dict, list)) and storable(item)


def raw_text(item) -> str:
    """A rejected item (or body) jsonb would refuse (NaN, NUL), kept as text for the inbox."""
    text = json.dumps(item, ensure_ascii=False) if isinstance(item, (dict, list)) else str(item)
    return text_of(text[:100_000])


def _safe_id(item) -> str:
    value = item.get("event_id") if isinstance(item, dict) else None
    return text_of(value[:100]) if isinstance(value, str) else ""


def _safe_type(item) -> str:
    value = item.get("type") if isinstance(item, dict) else None
    return text_of(value[:40]) if isinstance(value, str) else ""


def _safe_app(item) -> str:
    data = item.get("data") if isinstance(item, dict) else None
    value = data.get("application_id") if isinstance(data, dict) else None
    return text_of(value[:100]) if isinstance(value, str) else ""


REJECTED_ROWS_PER_MINUTE = 50
REJECTED_KEEP_DAYS = 30
REJECTED_KEEP_ROWS = 10_000
OVERFLOW_REASON = (
    "quá nhiều yêu cầu bị từ chối trong phút này; các yêu cầu còn lại được cộng vào đây"
)
# The conflict target names the columns, not the constraint: a schema cloned for a new
# agency may carry the rule as a unique index of another name.
_UPSERT = """
INSERT INTO integrations_rejectedrequest
    (at, minute, last_at, count, key_id, reason, remote_addr, body_sha256, body_size)
VALUES (%s, %s, %s, 1, %s, %s, %s, %s, %s)
ON CONFLICT (minute, key_id, remote_addr, reason) DO UPDATE SET
    count = integrations_rejectedrequest.count + 1,
    last_at = EXCLUDED.last_at,
    body_sha256 = EXCLUDED.body_sha256,
    body_size = EXCLUDED.body_size
RETURNING count
"""


def network_of(address: str) -> str:
    """The address an attacker cannot vary for free: IPv6 counts per /64 (one subscriber)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return text_of(address[:64])
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def request_reject(
    *, key_id: str, reason: str, remote_addr: str, body: bytes, key_known: bool = False
) -> None:
    """Count a request refused before its events could be trusted.

    Unauthenticated callers choose the key id and, within their network, the address: only
    a key of this agency is recorded, addresses count per network, and past
    REJECTED_ROWS_PER_MINUTE rows in a minute the rest is added to one overflow row. Rows
    are therefore bounded per minute whatever the flood, and pruned daily.
    """
    now = timezone.now()
    minute = now.replace(second=0, microsecond=0)
    row = [
        text_of(key_id[:40]) if key_known else "",
        text_of(reason[:300]),
        network_of(remote_addr or ""),
    ]
    with transaction.atomic():
        if not _bump(minute, row, now, body):
            if _rows_in(minute) >= REJECTED_ROWS_PER_MINUTE:
                row = ["", OVERFLOW_REASON, "*"]
            if _upsert(minute, row, now, body) == 1:
                logger.warning(
                    "integration request refused: %s (key %s, from %s)",
                    reason,
                    key_id[:40] or "-",
                    remote_addr,
                )


def _bump(minute, row, now, body) -> bool:
    key_id, reason, address = row
    return bool(
        RejectedRequest.objects.filter(
            minute=minute, key_id=key_id, reason=reason, remote_addr=address
        ).update(
            count=F("count") + 1,
            last_at=now,
            body_sha256=hashlib.sha256(body).hexdigest(),
            body_size=len(body),
        )
    )


def _rows_in(minute) -> int:
    return RejectedRequest.objects.filter(minute=minute)[:REJECTED_ROWS_PER_MINUTE].count()


def _upsert(minute, row, now, body) -> int:
    key_id, reason, address = row
    digest = hashlib.sha256(body).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [now, minute, now, key_id, reason, address, digest, len(body)])
        return cursor.fetchone()[0]


def rejected_requests_prune(now=None) -> int:
    """Drop counters older than REJECTED_KEEP_DAYS, and all but the newest REJECTED_KEEP_ROWS."""
    now = now or timezone.now()
    old = RejectedRequest.objects.filter(minute__lt=now - dt.timedelta(days=REJECTED_KEEP_DAYS))
    deleted = old.delete()[0]
    newest = RejectedRequest.objects.order_by("-minute", "-id")
    beyond = list(newest[REJECTED_KEEP_ROWS : REJECTED_KEEP_ROWS + 1])
    if beyond:
        cut = beyond[0]
        deleted += RejectedRequest.objects.filter(
            Q(minute__lt=cut.minute) | Q(minute=cut.minute, id__lte=cut.id)
        ).delete()[0]
    return deleted


def schedule_apply() -> None:
    """Queue one apply task for this agency unless one is already queued (debounce)."""
    # A cycle otherwise: integrations.tasks imports this module.
    from integrations.tasks import inbox_apply

    try:
        if cache.add(APPLY_DEBOUNCE_KEY, 1, timeout=10):
            inbox_apply.apply_async(countdown=0.2)
    except Exception:  # broker or cache down: beat applies pending events every minute
        logger.exception("could not queue inbox application")
