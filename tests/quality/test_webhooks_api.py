"""`/api/v1/webhooks/`: the agency's subscriptions over REST, with the pages' services (the
outbound policy, the event catalogue, the audit rows) and only for its administrators. A real
subscriber on loopback receives what the API queues, verified with `standardwebhooks`."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from standardwebhooks import Webhook

from eiso.testing.receiver import webhook_receiver
from integrations.webhooks import services
from integrations.webhooks.models import Attempt, Delivery, Subscription
from iso_platform.accounts.services import api_token_create
from quality.core.models import AuditEvent

LIST = "/api/v1/webhooks/subscriptions/"


@pytest.fixture
def hook(settings):
    """A receiver the outbound policy allows (loopback is refused unless the operator names it)."""
    server = webhook_receiver(())
    receiver = server.__enter__()
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{receiver.server_port}"]
    try:
        yield receiver
    finally:
        server.__exit__(None, None, None)
        connection.set_schema_to_public()


def token_client(agency, user) -> Client:
    with schema_context(agency.schema_name):
        token = api_token_create(user=user, name="webhooks")[1]
    return Client(HTTP_HOST=agency.host, HTTP_AUTHORIZATION=f"Bearer {token}")


def send(client, method, url, body=None):
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(url, data, content_type="application/json")


def trail(world, action) -> list[dict]:
    with schema_context(world.agency_a.schema_name):
        return list(AuditEvent.objects.filter(action=action).values("changes", "actor_id"))


def test_an_administrator_manages_a_subscription_through_the_api(
    world, eager, hook, django_capture_on_commit_callbacks
):
    admin = token_client(world.agency_a, world.owner_a)
    created = send(
        admin,
        "post",
        LIST,
        {"name": "Cổng tỉnh", "url": hook.url, "event_types": ["document.issued"]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    secret, pk = body["secret"], body["id"]
    assert secret.startswith("whsec_") and body["event_types"] == ["document.issued"]
    assert [row["changes"]["url"] for row in trail(world, "webhook_create")] == [hook.url]
    # the secret is in that answer only: never in a read, never in the audit trail
    listed = admin.get(LIST)
    assert listed.json()["count"] == 1 and secret not in listed.content.decode()
    assert secret not in admin.get(f"{LIST}{pk}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        queued = send(admin, "post", f"{LIST}{pk}/test/")
    assert queued.status_code == 202 and queued.json()["event_type"] == "webhook.test"
    first = Webhook(secret).verify(hook.received[0]["body"], hook.received[0]["headers"])
    assert first["type"] == "webhook.test"

    rotated = send(admin, "post", f"{LIST}{pk}/rotate-secret/")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != secret
    assert rotated.json()["previous_secret_valid_until"]
    assert len(trail(world, "webhook_rotate")) == 1

    deliveries = admin.get(f"{LIST}{pk}/deliveries/")
    assert deliveries.status_code == 200
    (delivery,) = deliveries.json()["results"]
    assert delivery["status"] == "succeeded" and delivery["attempt_log"][0]["http_status"] == 204
    with django_capture_on_commit_callbacks(execute=True):
        again = send(admin, "post", f"{LIST}{pk}/deliveries/{delivery['id']}/redeliver/")
    assert again.status_code == 202
    assert len(hook.received) == 2
    resent = hook.received[1]
    assert resent["headers"]["webhook-id"] == hook.received[0]["headers"]["webhook-id"]
    assert Webhook(new).verify(resent["body"], resent["headers"])["id"] == first["id"]
    assert [r["changes"]["event"] for r in trail(world, "webhook_redeliver")] == [first["id"]]

    patched = send(admin, "patch", f"{LIST}{pk}/", {"name": "Cổng dịch vụ công", "active": False})
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["active"]) == ("Cổng dịch vụ công", False)
    assert patched.json()["url"] == hook.url  # what the PATCH did not name is kept
    assert trail(world, "webhook_update")[0]["changes"]["active"] is False

    gone = send(admin, "delete", f"{LIST}{pk}/")
    assert gone.status_code == 204
    with schema_context(world.agency_a.schema_name):
        assert not Subscription.objects.exists() and not Attempt.objects.exists()
    (deleted,) = trail(world, "webhook_delete")
    assert deleted["changes"]["deliveries"] == 1 and deleted["actor_id"] == world.owner_a.pk


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"name": "Nội bộ", "url": "http://10.0.0.5/hooks", "event_types": ["document.issued"]},
            "url",
            "mạng nội bộ",
        ),
        (
            {"name": "X", "url": "HOOK", "event_types": ["document.eaten"]},
            "event_types",
            "Loại sự kiện không có trong danh mục: document.eaten.",
        ),
        ({"name": "X", "url": "HOOK", "event_types": []}, "event_types", "ít nhất một"),
        ({"name": " ", "url": "HOOK", "event_types": ["document.issued"]}, "name", "tên"),
        ({"name": "X", "url": "HOOK", "event_types": "document.issued"}, "event_types", ""),
        ({"name": "X", "url": "HOOK"}, "event_types", ""),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(
    world, hook, body, field, message
):
    admin = token_client(world.agency_a, world.owner_a)
    body = {k: (hook.url if v == "HOOK" else v) for k, v in body.items()}
    answer = send(admin, "post", LIST, body)
    assert answer.status_code == 400, answer.content
    assert message in " ".join(answer.json()[field])
    with schema_context(world.agency_a.schema_name):
        assert not Subscription.objects.exists()
        assert not AuditEvent.objects.filter(action="webhook_create").exists()


def test_a_bad_change_is_refused_and_the_subscription_is_unchanged(world, hook):
    with schema_context(world.agency_a.schema_name):
        subscription, _secret = services.subscription_create(
            actor=world.owner_a, name="Cổng tỉnh", url=hook.url, event_types=["document.issued"]
        )
    admin = token_client(world.agency_a, world.owner_a)
    url = f"{LIST}{subscription.pk}/"
    refused = send(admin, "patch", url, {"url": "http://127.0.0.1:1/", "active": False})
    assert refused.status_code == 400 and "url" in refused.json()
    not_a_flag = send(admin, "patch", url, {"active": "có lẽ"})
    assert not_a_flag.status_code == 400 and "active" in not_a_flag.json()
    with schema_context(world.agency_a.schema_name):
        subscription.refresh_from_db()
        assert (subscription.url, subscription.active) == (hook.url, True)


def test_only_administrators_may_use_it(world, hook):
    with schema_context(world.agency_a.schema_name):
        subscription, _secret = services.subscription_create(
            actor=world.owner_a, name="Cổng tỉnh", url=hook.url, event_types=["document.issued"]
        )
    member = token_client(world.agency_a, world.member_a)
    body = {"name": "X", "url": hook.url, "event_types": ["document.issued"]}
    assert member.get(LIST).status_code == 403
    assert send(member, "post", LIST, body).status_code == 403
    assert member.get(f"{LIST}{subscription.pk}/").status_code == 403
    assert send(member, "post", f"{LIST}{subscription.pk}/rotate-secret/").status_code == 403
    assert send(member, "delete", f"{LIST}{subscription.pk}/").status_code == 403
    with schema_context(world.agency_a.schema_name):
        assert Subscription.objects.count() == 1
        assert (
            not AuditEvent.objects.filter(action__startswith="webhook_")
            .exclude(action="webhook_create")
            .exists()
        )


def test_another_agency_cannot_list_read_or_change_a_subscription(
    world, hook, django_capture_on_commit_callbacks
):
    with schema_context(world.agency_a.schema_name):
        subscription, _secret = services.subscription_create(
            actor=world.owner_a, name="Cổng tỉnh A", url=hook.url, event_types=["document.issued"]
        )
        with django_capture_on_commit_callbacks(execute=False):
            delivery = services.subscription_test(actor=world.owner_a, subscription=subscription)
    pk = subscription.pk
    own = f"{LIST}{pk}/"
    calls = [
        ("get", own, None),
        ("patch", own, {"name": "Của B", "active": False}),
        ("delete", own, None),
        ("post", f"{own}rotate-secret/", None),
        ("post", f"{own}test/", None),
        ("get", f"{own}deliveries/", None),
        ("post", f"{own}deliveries/{delivery.pk}/redeliver/", None),
    ]
    # B's administrator on B's own host: A's ids are not found, B's list is B's
    on_b = token_client(world.agency_b, world.user_b)
    assert on_b.get(LIST).json()["count"] == 0
    for method, url, body in calls:
        answer = send(on_b, method, url, body)
        assert answer.status_code == 404, (method, url, answer.status_code)
        assert "Cổng tỉnh A" not in answer.content.decode()
    # B's token and B's session mean nothing on A's host
    with schema_context(world.agency_b.schema_name):
        b_token = api_token_create(user=world.user_b, name="b")[1]
    b_on_a = Client(HTTP_HOST=world.agency_a.host, HTTP_AUTHORIZATION=f"Bearer {b_token}")
    session_on_a = Client(HTTP_HOST=world.agency_a.host)
    with schema_context(world.agency_b.schema_name):
        b_session = Client(HTTP_HOST=world.agency_b.host)
        b_session.force_login(world.user_b, backend="django.contrib.auth.backends.ModelBackend")
    session_on_a.cookies = b_session.cookies
    for client in (b_on_a, session_on_a):
        assert client.get(LIST).status_code in (401, 403)
        for method, url, body in calls:
            answer = send(client, method, url, body)
            assert answer.status_code in (401, 403), (method, url, answer.status_code)
            assert "Cổng tỉnh A" not in answer.content.decode()
    with schema_context(world.agency_a.schema_name):
        subscription.refresh_from_db()
        assert (subscription.name, subscription.active) == ("Cổng tỉnh A", True)
        assert Delivery.objects.get().attempts == 0
        actions = AuditEvent.objects.filter(action__startswith="webhook_")
        assert set(actions.values_list("action", flat=True)) == {
            "webhook_create",
            "webhook_test",
        }
    assert hook.received == []


def test_the_delivery_log_costs_the_same_queries_however_long(
    world, hook, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with schema_context(world.agency_a.schema_name):
        subscription, _secret = services.subscription_create(
            actor=world.owner_a, name="Cổng tỉnh", url=hook.url, event_types=["document.issued"]
        )
        with django_capture_on_commit_callbacks(execute=False):
            for _ in range(12):
                services.subscription_test(actor=world.owner_a, subscription=subscription)
        for delivery in Delivery.objects.all():
            Attempt.objects.create(delivery=delivery, http_status=500, error="")
    admin = token_client(world.agency_a, world.owner_a)
    admin.get(LIST)  # the token's first use writes its last_used_at
    with django_assert_max_num_queries(12):
        answer = admin.get(f"{LIST}{subscription.pk}/deliveries/")
    assert answer.status_code == 200 and answer.json()["count"] == 12
    assert all(len(d["attempt_log"]) == 1 for d in answer.json()["results"])
