"""The vendors' API: HMAC-signed, idempotent, refusing precisely, keeping every payload."""

import time

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from eiso.testing.procedures import body, event, make_procedure
from integrations.models import InboxEvent, RejectedRequest
from integrations.services.keys import api_key_create, api_key_revoke, api_key_rotate, sign
from quality.procedures.models import Application

RECEIVED = dict(procedure_code="1.000001", channel="portal")


@pytest.fixture
def vendor(world, eager, django_capture_on_commit_callbacks):
    with schema_context("ag_alpha"):
        make_procedure(world.owner_a)
        key, secret = api_key_create(actor=world.owner_a, name="Hệ thống một cửa")
    return key, secret


def post(path, payload, key_id, secret, when=None, host="alpha.localhost", raw=None):
    data = raw if raw is not None else body(payload)
    stamp = int(when if when is not None else time.time())
    return Client(HTTP_HOST=host).post(
        path,
        data=data,
        content_type="application/json",
        HTTP_X_EISO_KEY=key_id,
        HTTP_X_EISO_TIMESTAMP=str(stamp),
        HTTP_X_EISO_SIGNATURE=sign(secret, stamp, data, method="POST", path=path),
    )


def test_a_signed_event_is_accepted_and_applied(vendor, django_capture_on_commit_callbacks):
    key, secret = vendor
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            "/api/v1/integrations/events",
            event("e1", "received", "2026-03-09 09:15", **RECEIVED),
            key.key_id,
            secret,
        )
    assert response.status_code == 202 and response.json()["status"] == "accepted"
    with schema_context("ag_alpha"):
        assert Application.objects.get(code="HS-001").channel == "portal"
        assert InboxEvent.objects.get(event_id="e1").status == "applied"


def test_a_retry_changes_nothing(vendor):
    key, secret = vendor
    payload = event("e1", "received", "2026-03-09 09:15", **RECEIVED)
    post("/api/v1/integrations/events", payload, key.key_id, secret)
    again = post("/api/v1/integrations/events", payload, key.key_id, secret)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    with schema_context("ag_alpha"):
        assert InboxEvent.objects.filter(event_id="e1").count() == 1


def test_a_bad_signature_is_401_logged_and_kept_out_of_the_inbox(vendor):
    key, _secret = vendor
    payload = event("e1", "received", "2026-03-09 09:15", **RECEIVED)
    response = post("/api/v1/integrations/events", payload, key.key_id, "wrong-secret")
    assert response.status_code == 401
    assert "chữ ký không đúng" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("HMAC-SHA256")
    with schema_context("ag_alpha"):
        assert not InboxEvent.objects.exists()
        assert RejectedRequest.objects.get().reason == "chữ ký không đúng"


def test_a_replay_outside_the_window_is_refused(vendor):
    key, secret = vendor
    payload = event("e1", "received", "2026-03-09 09:15", **RECEIVED)
    response = post(
        "/api/v1/integrations/events", payload, key.key_id, secret, when=time.time() - 3600
    )
    assert response.status_code == 401 and "lệch quá" in response.json()["detail"]


def test_a_tampered_body_is_refused(vendor):
    key, secret = vendor
    good = body(event("e1", "received", "2026-03-09 09:15", **RECEIVED))
    stamp = int(time.time())
    response = Client(HTTP_HOST="alpha.localhost").post(
        "/api/v1/integrations/events",
        data=good.replace(b"portal", b"desk"),
        content_type="application/json",
        HTTP_X_EISO_KEY=key.key_id,
        HTTP_X_EISO_TIMESTAMP=str(stamp),
        HTTP_X_EISO_SIGNATURE=sign(
            secret, stamp, good, method="POST", path="/api/v1/integrations/events"
        ),
    )
    assert response.status_code == 401


def test_a_key_of_agency_a_is_refused_on_agency_b(vendor):
    key, secret = vendor
    response = post(
        "/api/v1/integrations/events",
        event("e1", "received", "2026-03-09 09:15", **RECEIVED),
        key.key_id,
        secret,
        host="beta.localhost",
    )
    assert response.status_code == 401
    with schema_context("ag_beta"):
        assert not InboxEvent.objects.exists()


def test_revoked_keys_stop_at_once_and_rotated_keys_overlap(vendor, world):
    key, secret = vendor
    with schema_context("ag_alpha"):
        new, new_secret = api_key_rotate(actor=world.owner_a, key=key, overlap_days=7)
    payload = event("e1", "received", "2026-03-09 09:15", **RECEIVED)
    assert post("/api/v1/integrations/events", payload, key.key_id, secret).status_code == 202
    assert (
        post(
            "/api/v1/integrations/events",
            event("e2", "completed", "2026-03-10 09:00"),
            new.key_id,
            new_secret,
        ).status_code
        == 202
    )
    with schema_context("ag_alpha"):
        api_key_revoke(actor=world.owner_a, key=key)
    assert (
        post(
            "/api/v1/integrations/events",
            event("e3", "returned", "2026-03-10 10:00"),
            key.key_id,
            secret,
        ).status_code
        == 401
    )


def test_a_malformed_event_is_400_with_the_reason_and_kept(vendor):
    key, secret = vendor
    response = post(
        "/api/v1/integrations/events",
        {
            "event_id": "e9",
            "type": "application.received",
            "occurred_at": "2026-03-09T09:00:00",
            "data": {"application_id": "A"},
        },
        key.key_id,
        secret,
    )
    assert response.status_code == 400
    assert (
        response.json()["error"] == "data.procedure_code: bắt buộc với sự kiện application.received"
    )
    not_json = post("/api/v1/integrations/events", None, key.key_id, secret, raw=b"{oops")
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]
    with schema_context("ag_alpha"):
        assert InboxEvent.objects.filter(status="rejected").count() == 2
        assert InboxEvent.objects.get(raw="{oops").key_id == key.pk


def test_the_batch_endpoint_reports_each_event(vendor, django_capture_on_commit_callbacks):
    key, secret = vendor
    events = [
        event(f"b{i}", "received", "2026-03-09 09:15", app=f"HS-{i}", **RECEIVED) for i in range(50)
    ]
    events.append(events[0])  # duplicated inside the batch
    events.append({"event_id": "bad", "type": "nope"})
    with django_capture_on_commit_callbacks(execute=True):
        response = post("/api/v1/integrations/events/batch", {"events": events}, key.key_id, secret)
    result = response.json()
    assert response.status_code == 200
    assert (result["accepted"], result["duplicate"], result["rejected"]) == (50, 1, 1)
    assert result["results"][-1]["error"].startswith("type:")
    with schema_context("ag_alpha"):
        assert Application.objects.count() == 50


def test_the_batch_envelope_is_checked(vendor, settings):
    key, secret = vendor
    assert (
        post("/api/v1/integrations/events/batch", {"events": []}, key.key_id, secret).status_code
        == 400
    )
    settings.INTEGRATION_BATCH_MAX = 2
    too_many = [event(f"x{i}", "returned", "2026-03-09 09:15") for i in range(3)]
    assert (
        post(
            "/api/v1/integrations/events/batch", {"events": too_many}, key.key_id, secret
        ).status_code
        == 400
    )


def test_event_status_can_be_asked(vendor):
    key, secret = vendor
    post(
        "/api/v1/integrations/events",
        event("e1", "completed", "2026-03-09 09:15"),
        key.key_id,
        secret,
    )
    stamp = int(time.time())
    response = Client(HTTP_HOST="alpha.localhost").get(
        "/api/v1/integrations/events/e1",
        HTTP_X_EISO_KEY=key.key_id,
        HTTP_X_EISO_TIMESTAMP=str(stamp),
        HTTP_X_EISO_SIGNATURE=sign(
            secret, stamp, b"", method="GET", path="/api/v1/integrations/events/e1"
        ),
    )
    assert response.status_code == 200 and response.json()["status"] in ("accepted", "waiting")


def test_a_signed_in_person_cannot_post_events(vendor, client_for, world):
    client = client_for(world.agency_a, world.owner_a)
    response = client.post(
        "/api/v1/integrations/events",
        body(event("e1", "received", "2026-03-09 09:15", **RECEIVED)),
        content_type="application/json",
    )
    assert response.status_code == 401
