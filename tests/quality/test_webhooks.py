"""Outgoing events: a real subscriber on loopback receives what eISO sends, signed so that the
`standardwebhooks` package (an independent implementation) verifies it."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from standardwebhooks import Webhook

from eiso.testing.receiver import webhook_receiver
from integrations.webhooks import services
from integrations.webhooks.models import Attempt, Delivery, Subscription
from iso_platform.outbox.models import OutboxMessage
from iso_platform.outbox.services import outbox_relay
from quality.core.models import Notification
from quality.improvement.services import nc_bulk_close, nc_create
from tenants.services.events import record


@pytest.fixture
def subscriber(settings):
    """A receiver the outbound policy allows (loopback is refused unless the operator names it)."""

    def make(answers=()):
        server = webhook_receiver(answers)
        hook = server.__enter__()
        opened.append(server)
        settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{s.server_port}" for s in hooks + [hook]]
        hooks.append(hook)
        return hook

    opened, hooks = [], []
    yield make
    for server in opened:
        server.__exit__(None, None, None)


def subscribe(actor, url, types=("document.issued",)):
    return services.subscription_create(
        actor=actor, name="Hệ thống tỉnh", url=url, event_types=types
    )


def time_passes():
    """Every waiting retry is due now."""
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    OutboxMessage.objects.update(available_at=timezone.now())


def relay(capture):
    with capture(execute=True):
        outbox_relay()


def verified(secret, request) -> dict:
    return Webhook(secret).verify(request["body"], request["headers"])


def test_an_issued_document_reaches_the_subscriber_signed_to_the_standard(
    flow, subscriber, django_capture_on_commit_callbacks
):
    hook = subscriber()
    _subscription, secret = subscribe(flow.w.owner_a, hook.url)
    with django_capture_on_commit_callbacks(execute=True):
        document = flow.issued(code="QT.WH.01")
    assert len(hook.received) == 1
    payload = verified(secret, hook.received[0])
    assert payload["type"] == "document.issued" and payload["version"] == 1
    assert payload["agency"]["code"] == "alpha"
    assert payload["data"]["document"] == {
        "id": document.pk,
        "code": "QT.WH.01",
        "title": document.title,
        "doc_type": document.doc_type,
    }
    assert payload["timestamp"].endswith("+07:00")
    assert payload["links"]["html"].endswith(f"/documents/{document.pk}/")
    assert hook.received[0]["headers"]["webhook-id"] == payload["id"]
    assert Delivery.objects.get().status == "succeeded"


def test_the_request_only_queues_the_delivery(flow, subscriber):
    hook = subscriber()
    subscribe(flow.w.owner_a, hook.url)
    flow.issued(code="QT.WH.02")  # not committed: nothing may have left yet
    assert hook.received == []
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert OutboxMessage.objects.filter(args=[delivery.pk]).exists()


def test_a_500_is_retried_later_and_then_delivered(
    flow, subscriber, django_capture_on_commit_callbacks
):
    hook = subscriber(answers=[(500, 0)])
    _subscription, secret = subscribe(flow.w.owner_a, hook.url)
    with django_capture_on_commit_callbacks(execute=True):
        flow.issued(code="QT.WH.03")
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_http_status) == ("pending", 1, 500)
    waiting = OutboxMessage.objects.get(args=[delivery.pk])
    assert waiting.available_at > timezone.now()  # the backoff: not before the first delay
    relay(django_capture_on_commit_callbacks)
    assert len(hook.received) == 1  # not due yet
    time_passes()
    relay(django_capture_on_commit_callbacks)
    assert len(hook.received) == 2
    verified(secret, hook.received[1])
    assert hook.received[0]["headers"]["webhook-id"] == hook.received[1]["headers"]["webhook-id"]
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert list(Attempt.objects.order_by("at").values_list("http_status", flat=True)) == [500, 204]


def test_a_subscriber_that_does_not_answer_in_time_is_recorded_and_retried(
    flow, subscriber, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOUND_TIMEOUT_SECONDS = 1
    hook = subscriber(answers=[(200, 3)])
    subscribe(flow.w.owner_a, hook.url)
    with django_capture_on_commit_callbacks(execute=True):
        flow.issued(code="QT.WH.04")
    first = Attempt.objects.get()
    assert first.http_status is None and first.error
    assert 900 <= first.duration_ms < 3000
    time_passes()
    relay(django_capture_on_commit_callbacks)
    assert Delivery.objects.get().status == "succeeded"


def test_persistent_failure_switches_the_subscription_off_and_tells_the_administrator(
    flow, subscriber, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = (1, 1)
    hook = subscriber(answers=[(500, 0)] * 3)
    subscription, _secret = subscribe(flow.w.owner_a, hook.url)
    with django_capture_on_commit_callbacks(execute=True):
        flow.issued(code="QT.WH.05")
    for _round in range(2):
        time_passes()
        relay(django_capture_on_commit_callbacks)
    assert len(hook.received) == 3
    subscription.refresh_from_db()
    assert not subscription.active and "3 lần" in subscription.disabled_reason
    assert Delivery.objects.get().status == "failed"
    notice = Notification.objects.get(user=flow.w.owner_a, key__startswith="webhook:")
    assert "đã bị tắt" in notice.title
    assert any(flow.w.owner_a.email in m.to for m in mail.outbox)
    # Switched off: later events are not queued for it; switched back on, they go again.
    with django_capture_on_commit_callbacks(execute=True):
        flow.issued(code="QT.WH.06")
    assert len(hook.received) == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.subscription_update(
            actor=flow.w.owner_a,
            subscription=subscription,
            name=subscription.name,
            url=subscription.url,
            event_types=subscription.event_types,
            active=True,
        )
    with django_capture_on_commit_callbacks(execute=True):
        flow.issued(code="QT.WH.07")
    assert json.loads(hook.received[-1]["body"])["data"]["document"]["code"] == "QT.WH.07"


def test_a_nonconformitys_events_arrive_in_order(
    flow, subscriber, django_capture_on_commit_callbacks
):
    hook = subscriber(answers=[(500, 0)])
    subscribe(flow.w.owner_a, hook.url, types=("nonconformity.opened", "nonconformity.closed"))
    with django_capture_on_commit_callbacks(execute=True):
        nc = nc_create(actor=flow.w.owner_a, source="internal", title="Sai mẫu biểu")
    with django_capture_on_commit_callbacks(execute=True):
        nc_bulk_close(actor=flow.w.owner_a, ids=[nc.pk], reason="Trùng lặp")
    # "closed" waits while "opened" is pending for the same subject.
    assert [json.loads(r["body"])["type"] for r in hook.received] == ["nonconformity.opened"]
    time_passes()
    relay(django_capture_on_commit_callbacks)
    assert [json.loads(r["body"])["type"] for r in hook.received] == [
        "nonconformity.opened",
        "nonconformity.opened",
        "nonconformity.closed",
    ]


def test_an_agencys_event_never_reaches_another_agencys_subscription(
    flow, subscriber, django_capture_on_commit_callbacks
):
    ours, theirs = subscriber(), subscriber()
    subscribe(flow.w.owner_a, ours.url)
    with schema_context(flow.w.agency_b.schema_name):
        subscribe(flow.w.user_b, theirs.url)
    connection.set_tenant(flow.w.agency_a)
    with django_capture_on_commit_callbacks(execute=True):
        flow.issued(code="QT.WH.07")
    assert len(ours.received) == 1 and theirs.received == []
    with schema_context(flow.w.agency_b.schema_name):
        assert not Delivery.objects.exists()


def test_redelivery_sends_the_same_event_again(
    flow, subscriber, django_capture_on_commit_callbacks
):
    hook = subscriber()
    _subscription, secret = subscribe(flow.w.owner_a, hook.url)
    with django_capture_on_commit_callbacks(execute=True):
        flow.issued(code="QT.WH.08")
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_redeliver(actor=flow.w.owner_a, delivery=Delivery.objects.get())
    assert len(hook.received) == 2
    assert verified(secret, hook.received[1])["id"] == verified(secret, hook.received[0])["id"]
    assert Attempt.objects.count() == 2


def test_after_a_rotation_both_secrets_verify_for_a_day(
    flow, subscriber, django_capture_on_commit_callbacks
):
    hook = subscriber()
    subscription, old = subscribe(flow.w.owner_a, hook.url)
    new = services.subscription_rotate(actor=flow.w.owner_a, subscription=subscription)
    with django_capture_on_commit_callbacks(execute=True):
        services.subscription_test(actor=flow.w.owner_a, subscription=subscription)
    assert verified(new, hook.received[0])["type"] == "webhook.test"
    assert verified(old, hook.received[0])["type"] == "webhook.test"


def test_a_member_cannot_manage_subscriptions(flow):
    with pytest.raises(Exception) as refused:
        subscribe(flow.w.member_a, "https://example.org/hooks")
    assert "quản trị" in str(refused.value)
    assert not Subscription.objects.exists()


# --------------------------------------------------------------------------- pages


def test_an_internal_address_is_refused_with_a_vietnamese_form_error(world, client_for, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    admin = client_for(world.agency_a, world.owner_a)
    response = admin.post(
        "/integrations/webhooks/",
        {"name": "Nội bộ", "url": "http://10.0.0.5/hooks", "event_types": ["document.issued"]},
    )
    assert response.status_code == 400
    assert "mạng nội bộ" in " ".join(response.context["form"].errors["url"])
    with schema_context(world.agency_a.schema_name):
        assert not Subscription.objects.exists()


def test_the_secret_is_shown_once_when_the_subscription_is_added(world, client_for, subscriber):
    hook = subscriber()
    admin = client_for(world.agency_a, world.owner_a)
    response = admin.post(
        "/integrations/webhooks/",
        {"name": "Cổng tỉnh", "url": hook.url, "event_types": ["document.issued"]},
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("whsec_") and secret in response.content.decode()
    with schema_context(world.agency_a.schema_name):
        subscription = Subscription.objects.get()
        assert secret.encode() not in bytes(subscription.secret_encrypted)
    page = admin.get(f"/integrations/webhooks/{subscription.pk}/")
    assert page.status_code == 200 and secret not in page.content.decode()


def test_another_agencys_administrator_cannot_see_or_change_a_subscription(
    world, client_for, subscriber
):
    hook = subscriber()
    with schema_context(world.agency_a.schema_name):
        subscription, _secret = subscribe(world.owner_a, hook.url)
    other = client_for(world.agency_b, world.user_b)
    for path in ("", "rotate/", "test/"):
        url = f"/integrations/webhooks/{subscription.pk}/{path}"
        assert (other.get(url) if not path else other.post(url)).status_code == 404
    # B's session means nothing on A's host; A's member is not an administrator.
    stranger = client_for(world.agency_a)
    stranger.cookies = other.cookies
    assert stranger.get(f"/integrations/webhooks/{subscription.pk}/").status_code == 302
    member = client_for(world.agency_a, world.member_a)
    assert member.get(f"/integrations/webhooks/{subscription.pk}/").status_code == 403
    assert member.post(f"/integrations/webhooks/{subscription.pk}/rotate/").status_code == 403
    assert hook.received == []


# --------------------------------------------------------------------------- the province


def test_an_archived_agency_is_announced_to_the_provinces_subscribers_only(
    world, eager, subscriber, client_for, django_capture_on_commit_callbacks
):
    province_hook, agency_hook = subscriber(), subscriber()
    _subscription, secret = subscribe(world.province_admin, province_hook.url, ("agency.archived",))
    with schema_context(world.agency_a.schema_name):
        subscribe(world.owner_a, agency_hook.url, ("document.issued",))
    with django_capture_on_commit_callbacks(execute=True):
        record(agency=world.agency_b, action="archived", detail={"reason": "sáp nhập"})
    payload = verified(secret, province_hook.received[0])
    assert payload["type"] == "agency.archived" and payload["data"]["agency"]["code"] == "beta"
    assert payload["agency"] is None and agency_hook.received == []
    console = client_for(world.public.host, world.province_admin)
    assert console.get("/webhooks/").status_code == 200
    assert client_for(world.public.host, world.analyst).get("/webhooks/").status_code == 403


def test_the_province_chooses_only_province_events(world):
    with pytest.raises(Exception) as refused:
        subscribe(world.province_admin, "https://example.org/hooks", ("document.issued",))
    assert "không có trong danh mục" in str(refused.value)
