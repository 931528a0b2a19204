"""Outgoing events: subscriptions, publishing an announced event, and delivering it.

Publishing runs inside the transaction of the change (a receiver of `qms_event` or of
tenants' signals): the event, one delivery per subscription and the outbox messages commit
with it, or not at all. Delivering is a Celery task per delivery, queued through the outbox
after the commit, so a user's request never waits for a subscriber. One attempt per task:
claimed in one short transaction, sent outside any transaction (through the guarded client),
recorded in another. A failed attempt is queued again through the outbox with a delay
(`WEBHOOK_RETRY_SCHEDULE`); after the last one the delivery fails and the subscription is
switched off, with a notice to its administrators.

Per subject (a document, a nonconformity) deliveries to one subscription go in order: one
waits while an earlier one for the same subject is pending, and is queued when that one ends.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import get_public_schema_name

from integrations.services.keys import secret_cipher
from integrations.webhooks import catalogue, signing
from integrations.webhooks.models import Attempt, Delivery, DeliveryStatus, Event, Subscription
from iso_platform import audit, outbound
from iso_platform.accounts.models import Role, User
from iso_platform.current import current_agency
from iso_platform.outbox.services import task_enqueue
from quality.core.permissions import can
from quality.core.services import notify_once

logger = logging.getLogger(__name__)

TASK = "integrations.webhook_deliver"
RESPONSE_LIMIT = 64 * 1024  # what a subscriber may answer; the log keeps the start of it
CLAIM_MARGIN = 30  # seconds beyond the request's own limit before another worker may try
ROTATION_OVERLAP_HOURS = 24

MSG_NAME = gettext_noop("Hãy đặt tên cho đăng ký (hệ thống nhận).")
MSG_TYPES = gettext_noop("Hãy chọn ít nhất một loại sự kiện.")
MSG_UNKNOWN_TYPE = gettext_noop("Loại sự kiện không có trong danh mục: %(types)s.")
MSG_FORBIDDEN = gettext_noop("Chỉ quản trị viên mới quản lý được đăng ký nhận sự kiện.")
MSG_INACTIVE = gettext_noop("Đăng ký đang tắt: hãy bật lại trước khi gửi.")
MSG_DISABLED = gettext_noop(
    "Tự động tắt: gửi sự kiện %(uid)s không thành công sau %(n)s lần trong khoảng một ngày."
)
MSG_NOTICE_TITLE = gettext_noop("Đăng ký nhận sự kiện “%(name)s” đã bị tắt")
MSG_NOTICE_BODY = gettext_noop(
    "eISO không gửi được sự kiện tới %(url)s sau nhiều lần thử trong khoảng một ngày, nên đã "
    "tắt đăng ký này. Hãy kiểm tra hệ thống nhận, xem nhật ký gửi, rồi bật lại đăng ký: các "
    "sự kiện chưa gửi sẽ được gửi tiếp theo thứ tự."
)


def _is_province() -> bool:
    return connection.schema_name == get_public_schema_name()


def may_manage(user) -> bool:
    if _is_province():
        return bool(getattr(user, "is_province_admin", False))
    return can(user, "integrations.manage")


def _require(actor) -> None:
    if not may_manage(actor):
        raise PermissionDenied(_(MSG_FORBIDDEN))


def _cipher_secret(secret: str) -> bytes:
    return secret_cipher().encrypt(secret.encode())


def secrets_of(subscription: Subscription, now=None) -> list[str]:
    """The current secret, then the previous one while it still signs."""
    cipher = secret_cipher()
    found = [cipher.decrypt(bytes(subscription.secret_encrypted)).decode()]
    now = now or timezone.now()
    if subscription.previous_until and subscription.previous_until > now:
        found.append(cipher.decrypt(bytes(subscription.previous_secret_encrypted)).decode())
    return found


# --------------------------------------------------------------------------- subscriptions


def _clean(*, name: str, url: str, event_types) -> tuple[str, str, list[str]]:
    errors = {}
    if not (name or "").strip():
        errors["name"] = _(MSG_NAME)
    try:
        outbound.url_check(url)
    except outbound.OutboundRefused as exc:
        errors["url"] = exc.message
    allowed = catalogue.types_for(connection.schema_name)
    chosen = list(dict.fromkeys(event_types or []))
    unknown = [t for t in chosen if t not in allowed]
    if not chosen:
        errors["event_types"] = _(MSG_TYPES)
    elif unknown:
        errors["event_types"] = _(MSG_UNKNOWN_TYPE) % {"types": ", ".join(unknown)}
    if errors:
        raise ValidationError(errors)
    return name.strip(), url.strip(), chosen


def _audit(actor, action: str, subscription: Subscription, **changes) -> None:
    audit.here_record(
        action=action,
        actor=actor,
        subject_type="webhook_subscription",
        subject_id=subscription.pk,
        subject_label=subscription.name,
        changes=changes,
    )


@transaction.atomic
def subscription_create(*, actor, name: str, url: str, event_types) -> tuple[Subscription, str]:
    """The subscription and its secret, which is shown once and never again."""
    _require(actor)
    name, url, event_types = _clean(name=name, url=url, event_types=event_types)
    secret = signing.secret_new()
    subscription = Subscription.objects.create(
        name=name,
        url=url,
        event_types=event_types,
        secret_encrypted=_cipher_secret(secret),
        created_by=actor,
    )
    _audit(actor, "webhook_create", subscription, url=url, event_types=event_types)
    return subscription, secret


@transaction.atomic
def subscription_update(
    *, actor, subscription: Subscription, name: str, url: str, event_types, active: bool
) -> Subscription:
    """Switching a subscription back on sends what waited, in order."""
    _require(actor)
    name, url, event_types = _clean(name=name, url=url, event_types=event_types)
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    revived = active and not subscription.active
    subscription.name, subscription.url, subscription.event_types = name, url, event_types
    subscription.active = active
    if active:
        subscription.disabled_at, subscription.disabled_reason = None, ""
    subscription.save()
    _audit(actor, "webhook_update", subscription, url=url, event_types=event_types, active=active)
    if revived:
        for delivery in subscription.deliveries.filter(status=DeliveryStatus.PENDING):
            _enqueue(delivery)
    return subscription


@transaction.atomic
def subscription_delete(*, actor, subscription: Subscription) -> None:
    """The subscription goes with its delivery log; events already sent stay sent."""
    _require(actor)
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    _audit(
        actor,
        "webhook_delete",
        subscription,
        url=subscription.url,
        event_types=subscription.event_types,
        deliveries=subscription.deliveries.count(),
    )
    subscription.delete()


@transaction.atomic
def subscription_rotate(*, actor, subscription: Subscription) -> str:
    """A new secret; the old one still signs (a second signature) for a day."""
    _require(actor)
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    secret = signing.secret_new()
    subscription.previous_secret_encrypted = subscription.secret_encrypted
    subscription.previous_until = timezone.now() + dt.timedelta(hours=ROTATION_OVERLAP_HOURS)
    subscription.secret_encrypted = _cipher_secret(secret)
    subscription.save(
        update_fields=["previous_secret_encrypted", "previous_until", "secret_encrypted"]
    )
    _audit(actor, "webhook_rotate", subscription)
    return secret


@transaction.atomic
def subscription_test(*, actor, subscription: Subscription) -> Delivery:
    """A `webhook.test` event for this subscription alone."""
    _require(actor)
    if not subscription.active:
        raise ValidationError(_(MSG_INACTIVE))
    event = _event_create(
        type_=catalogue.TEST,
        subject=f"test:{uuid.uuid4().hex}",
        data={"message": "eISO webhook test", "subscription": subscription.name},
        occurred_at=timezone.now(),
    )
    delivery = Delivery.objects.create(
        subscription=subscription, event=event, subject=event.subject
    )
    _enqueue(delivery)
    _audit(actor, "webhook_test", subscription, event=event.uid)
    return delivery


@transaction.atomic
def delivery_redeliver(*, actor, delivery: Delivery) -> Delivery:
    """Send again, with a fresh series of attempts (the log keeps the earlier ones)."""
    _require(actor)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if not delivery.subscription.active:
        raise ValidationError(_(MSG_INACTIVE))
    delivery.status, delivery.attempts = DeliveryStatus.PENDING, 0
    delivery.next_attempt_at, delivery.finished_at, delivery.claimed_until = (
        timezone.now(),
        None,
        None,
    )
    delivery.save()
    _enqueue(delivery)
    _audit(actor, "webhook_redeliver", delivery.subscription, event=delivery.event.uid)
    return delivery


# --------------------------------------------------------------------------- publishing


def event_publish(
    *, type_: str, subject: str, data: dict, occurred_at, agency=None
) -> Event | None:
    """Store the event and queue it for every active subscription of this schema that chose
    its type (in the caller's transaction); nothing is stored when nobody listens."""
    subscriptions = list(Subscription.objects.filter(active=True, event_types__contains=[type_]))
    if not subscriptions:
        return None
    event = _event_create(
        type_=type_, subject=subject, data=data, occurred_at=occurred_at, agency=agency
    )
    deliveries = Delivery.objects.bulk_create(
        [Delivery(subscription=s, event=event, subject=subject) for s in subscriptions]
    )
    for delivery in deliveries:
        _enqueue(delivery)
    return event


def _event_create(*, type_: str, subject: str, data: dict, occurred_at, agency=None) -> Event:
    uid = "msg_" + uuid.uuid4().hex
    body = json.dumps(
        _payload(uid, type_, occurred_at, dict(data), agency or current_agency()),
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=False,
    )
    return Event.objects.create(
        uid=uid, type=type_, subject=subject, occurred_at=occurred_at, body=body
    )


def _local(moment) -> str:
    return timezone.localtime(moment).isoformat()


def _payload(uid: str, type_: str, occurred_at, data: dict, agency) -> dict:
    """The versioned body of docs/api/webhooks.md."""
    base = _base_url(agency)
    path = data.pop("url", None)
    return {
        "id": uid,
        "type": type_,
        "version": catalogue.VERSION,
        "timestamp": _local(occurred_at),
        "agency": {"code": agency.code, "name": agency.name, "url": base} if agency else None,
        "data": data,
        "links": {"html": f"{base}{path}"} if path else {},
    }


def _base_url(agency) -> str:
    """The agency's portal, or the console for the province's events."""
    if agency is None:
        port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
        return f"{settings.SITE_SCHEME}://{settings.BASE_DOMAIN}{port}"
    return agency.url.rstrip("/")


def _enqueue(delivery: Delivery, delay: float | None = None) -> None:
    task_enqueue(task=TASK, args=[delivery.pk], delay=delay)


# --------------------------------------------------------------------------- delivering


def delivery_attempt(*, delivery_id: int, now=None) -> str:
    """One attempt of one delivery: "sent", "retry", "failed", or why it was not tried now
    ("done", "off", "busy", "early", "waiting")."""
    now = now or timezone.now()
    claimed = _claim(delivery_id, now)
    if isinstance(claimed, str):
        return claimed
    delivery, secrets_ = claimed
    started = time.monotonic()
    status, error, excerpt = _send(delivery, secrets_)
    elapsed = int((time.monotonic() - started) * 1000)
    return _record(delivery.pk, status, error, excerpt, elapsed, timezone.now())


def _claim(delivery_id: int, now):
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription", "event")
            .filter(pk=delivery_id)
            .first()
        )
        why = _not_now(delivery, now)
        if why:
            return why
        delivery.claimed_until = now + dt.timedelta(
            seconds=settings.OUTBOUND_TIMEOUT_SECONDS + CLAIM_MARGIN
        )
        delivery.save(update_fields=["claimed_until"])
        return delivery, secrets_of(delivery.subscription, now)


def _not_now(delivery: Delivery | None, now) -> str:
    if delivery is None:
        return "busy"  # locked by another worker (or deleted with its subscription)
    if delivery.status != DeliveryStatus.PENDING:
        return "done"
    if not delivery.subscription.active:
        return "off"
    if delivery.claimed_until and delivery.claimed_until > now:
        return "busy"
    if delivery.next_attempt_at > now + dt.timedelta(seconds=1):
        return "early"
    earlier = Delivery.objects.filter(
        subscription_id=delivery.subscription_id,
        subject=delivery.subject,
        status=DeliveryStatus.PENDING,
        pk__lt=delivery.pk,
    )
    return "waiting" if earlier.exists() else ""


def _send(delivery: Delivery, secrets_: list[str]) -> tuple[int | None, str, str]:
    event = delivery.event
    headers = signing.headers(secrets_, event.uid, int(time.time()), event.body)
    try:
        answer = outbound.fetch(
            delivery.subscription.url,
            method="POST",
            headers=headers,
            body=event.body.encode(),
            max_bytes=RESPONSE_LIMIT,
        )
    except outbound.OutboundError as exc:
        # The generic message only: the log is shown to the agency (outbound.py says why).
        logger.info(
            "webhook %s to subscription %s: %s", event.uid, delivery.subscription_id, exc.detail
        )
        return None, exc.message, ""
    return answer.status, "", answer.body[:500].decode("utf-8", "replace")


def _record(delivery_id: int, status, error: str, excerpt: str, elapsed: int, now) -> str:
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("subscription", "event")
            .get(pk=delivery_id)
        )
        Attempt.objects.create(
            delivery=delivery,
            at=now,
            http_status=status,
            duration_ms=elapsed,
            error=error[:500],
            response_excerpt=excerpt,
        )
        delivery.attempts += 1
        delivery.claimed_until, delivery.last_http_status = None, status
        if status is not None and 200 <= status < 300:
            outcome = _finish(delivery, DeliveryStatus.SUCCEEDED, now)
        elif delivery.attempts <= len(schedule):
            delay = schedule[delivery.attempts - 1]
            delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
            delivery.save()
            _enqueue(delivery, delay=delay)
            outcome = "retry"
        else:
            outcome = _finish(delivery, DeliveryStatus.FAILED, now)
            _disable(delivery, now)
    return outcome


def _finish(delivery: Delivery, status: str, now) -> str:
    delivery.status, delivery.finished_at = status, now
    delivery.save()
    following = (
        Delivery.objects.filter(
            subscription_id=delivery.subscription_id,
            subject=delivery.subject,
            status=DeliveryStatus.PENDING,
            pk__gt=delivery.pk,
        )
        .order_by("pk")
        .first()
    )
    if following is not None:
        _enqueue(following)
    return "sent" if status == DeliveryStatus.SUCCEEDED else "failed"


def _disable(delivery: Delivery, now) -> None:
    subscription = Subscription.objects.select_for_update().get(pk=delivery.subscription_id)
    if not subscription.active:
        return
    subscription.active, subscription.disabled_at = False, now
    subscription.disabled_reason = _(MSG_DISABLED) % {
        "uid": delivery.event.uid,
        "n": delivery.attempts,
    }
    subscription.save(update_fields=["active", "disabled_at", "disabled_reason"])
    audit.here_record(
        action="webhook_disable",
        subject_type="webhook_subscription",
        subject_id=subscription.pk,
        subject_label=subscription.name,
        changes={"reason": subscription.disabled_reason},
    )
    _notice(subscription)


def _notice(subscription: Subscription) -> None:
    """The subscriber's administrators: a notice in the agency portal, and an e-mail."""
    title = _(MSG_NOTICE_TITLE) % {"name": subscription.name}
    body = _(MSG_NOTICE_BODY) % {"url": subscription.url}
    if _is_province():
        people = User.objects.filter(role=Role.PROVINCE_ADMIN, is_active=True)
        page = "/webhooks/"
    else:
        people = User.objects.filter(is_active=True, is_agency_admin=True)
        page = "/integrations/webhooks/"
        key = f"webhook:{subscription.pk}:disabled:{subscription.disabled_at:%Y%m%d%H%M%S}"
        for person in people:
            notify_once(user=person, key=key, title=title, body=body, url=page)
    emails = [p.email for p in people if p.email]
    base = _base_url(current_agency())
    transaction.on_commit(lambda: _mail(title, f"{body}\n\n{base}{page}\n", emails))


def _mail(subject: str, message: str, emails: list[str]) -> None:
    try:
        send_mail(f"[eISO] {subject}", message, None, emails)
    except OSError:
        logger.exception("the notice of a disabled webhook subscription was not e-mailed")


def pending_requeue(now=None) -> int:
    """Safety net (beat): deliveries whose message was lost with a worker."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(
        status=DeliveryStatus.PENDING,
        subscription__active=True,
        next_attempt_at__lt=now - dt.timedelta(minutes=5),
    ).exclude(claimed_until__gt=now)
    count = 0
    for delivery in stale[:500]:
        _enqueue(delivery)
        count += 1
    return count
