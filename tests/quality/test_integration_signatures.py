"""Signed vendor requests: what version 2 binds, the end of version 1, the clock's limits,
and a refused-request log that floods cannot grow."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.http import http_date
from django_tenants.utils import schema_context

from eiso.testing.procedures import body, event, make_procedure
from integrations.models import InboxEvent, RejectedRequest
from integrations.services import ingest
from integrations.services.keys import api_key_create, sign, sign_v1, signing_string

RECEIVED = dict(procedure_code="1.000001", channel="portal")
EVENTS = "/api/v1/integrations/events"


@pytest.fixture
def vendor(world, eager):
    with schema_context("ag_alpha"):
        # Refusals are counted per minute: rows that committed tests left in this minute
        # would be added to (rolled back at the end of the test).
        RejectedRequest.objects.all().delete()
        make_procedure(world.owner_a)
        key, secret = api_key_create(actor=world.owner_a, name="Hệ thống một cửa")
    return key.key_id, secret


def send(method, path, data, key_id, signature, stamp, addr="203.0.113.5"):
    client = Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR=addr)
    headers = dict(
        HTTP_X_EISO_KEY=key_id, HTTP_X_EISO_TIMESTAMP=str(stamp), HTTP_X_EISO_SIGNATURE=signature
    )
    if method == "GET":
        return client.get(path, **headers)
    return client.post(path, data=data, content_type="application/json", **headers)


def test_the_signing_string_is_method_path_timestamp_and_body():
    assert (
        signing_string(method="post", path="/api/v1/x?a=1", timestamp=1767225600, body=b"{}")
        == b"v2\nPOST\n/api/v1/x?a=1\n1767225600\n{}"
    )


def test_a_signed_get_does_not_replay_on_another_path(vendor):
    key_id, secret = vendor
    stamp = int(time.time())
    send("POST", EVENTS, body(event("e1", "completed", "2026-03-09 09:15")), key_id, "", stamp)
    signed = sign(secret, stamp, b"", method="GET", path=f"{EVENTS}/e1")
    assert send("GET", f"{EVENTS}/e1", b"", key_id, signed, stamp).status_code in (200, 404)
    for path in (f"{EVENTS}/e2", f"{EVENTS}/e1?x=1"):
        replayed = send("GET", path, b"", key_id, signed, stamp)
        assert replayed.status_code == 401, path
        assert replayed.json()["detail"] == "chữ ký không đúng"


def test_a_signed_post_does_not_replay_on_the_batch_endpoint(vendor):
    key_id, secret = vendor
    stamp = int(time.time())
    data = body({"events": [event("e1", "received", "2026-03-09 09:15", **RECEIVED)]})
    for_single = sign(secret, stamp, data, method="POST", path=EVENTS)
    assert send("POST", f"{EVENTS}/batch", data, key_id, for_single, stamp).status_code == 401
    for_batch = sign(secret, stamp, data, method="POST", path=f"{EVENTS}/batch")
    assert send("POST", f"{EVENTS}/batch", data, key_id, for_batch, stamp).status_code == 200


@pytest.mark.parametrize(
    ("offset", "status"),
    [(-290, 202), (20, 202), (45, 401), (299, 401), (-400, 401)],
)
def test_timestamps_may_be_old_within_the_window_and_barely_ahead(vendor, offset, status):
    key_id, secret = vendor
    stamp = int(time.time()) + offset
    data = body(event(f"t{offset}", "received", "2026-03-09 09:15", **RECEIVED))
    signed = sign(secret, stamp, data, method="POST", path=EVENTS)
    response = send("POST", EVENTS, data, key_id, signed, stamp)
    assert response.status_code == status, response.content
    if offset > 0 and status == 401:
        assert "30 giây về tương lai" in response.json()["detail"]


def test_version_1_works_until_its_last_day_and_announces_its_end(vendor, settings):
    key_id, secret = vendor
    settings.INTEGRATION_SIGNATURE_V1_UNTIL = timezone.localdate() + dt.timedelta(days=30)
    stamp = int(time.time())
    data = body(event("v1", "received", "2026-03-09 09:15", **RECEIVED))
    response = send("POST", EVENTS, data, key_id, sign_v1(secret, stamp, data), stamp)
    assert response.status_code == 202
    sunset = settings.INTEGRATION_SIGNATURE_V1_UNTIL + dt.timedelta(days=1)
    midnight_in_vietnam = timezone.make_aware(dt.datetime.combine(sunset, dt.time()))
    assert response["Deprecation"] == "true"
    assert response["Sunset"] == http_date(midnight_in_vietnam.timestamp())
    assert response["Sunset"].endswith("17:00:00 GMT")
    v2 = send(
        "POST", EVENTS, data, key_id, sign(secret, stamp, data, method="POST", path=EVENTS), stamp
    )
    assert v2.status_code == 200 and not v2.has_header("Sunset")


def test_version_1_is_refused_after_its_last_day_with_a_clear_message(vendor, settings):
    key_id, secret = vendor
    settings.INTEGRATION_SIGNATURE_V1_UNTIL = timezone.localdate() - dt.timedelta(days=1)
    stamp = int(time.time())
    data = body(event("v1", "received", "2026-03-09 09:15", **RECEIVED))
    response = send("POST", EVENTS, data, key_id, sign_v1(secret, stamp, data), stamp)
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert "phiên bản 1" in detail and "v2=" in detail
    assert timezone.localdate().strftime("%d/%m/%Y") in detail
    with schema_context("ag_alpha"):
        assert not InboxEvent.objects.exists()


@pytest.fixture
def one_minute(monkeypatch):
    """Every request of the test in the same minute: a flood sent across a minute's end
    (a loaded machine) would rightly make a second row."""
    fixed = timezone.now().replace(second=30, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    return fixed


def test_a_flood_of_unknown_keys_is_one_counted_row(vendor, one_minute):
    stamp = int(one_minute.timestamp())
    for _ in range(120):
        send("POST", EVENTS, b"{}", "ik_" + secrets.token_hex(8), "v2=00", stamp)
    with schema_context("ag_alpha"):
        rows = list(RejectedRequest.objects.all())
    assert len(rows) == 1
    assert (rows[0].count, rows[0].key_id, rows[0].remote_addr) == (120, "", "203.0.113.5")


def test_a_known_key_is_recorded_and_ipv6_counts_per_network(vendor, one_minute):
    key_id, _secret = vendor
    stamp = int(one_minute.timestamp())
    for n in range(30):
        send("POST", EVENTS, b"{}", key_id, "v2=00", stamp, addr=f"2001:db8:5:6::{n:x}")
    with schema_context("ag_alpha"):
        row = RejectedRequest.objects.get()
    assert (row.count, row.key_id, row.remote_addr) == (30, key_id, "2001:db8:5:6::/64")
    assert row.reason == "chữ ký không đúng"


def test_rows_of_a_minute_are_capped_whatever_the_addresses(vendor, monkeypatch):
    monkeypatch.setattr(ingest, "REJECTED_ROWS_PER_MINUTE", 10)
    stamp = int(time.time())
    for n in range(40):
        send("POST", EVENTS, b"{}", "ik_x", "v2=00", stamp, addr=f"198.51.100.{n}")
    with schema_context("ag_alpha"):
        rows = RejectedRequest.objects.all()
        minutes = {row.minute for row in rows}
        overflow = [row for row in rows if row.remote_addr == "*"]
        per_minute = max(rows.filter(minute=m).count() for m in minutes)
        assert sum(row.count for row in rows) == 40
    assert per_minute <= 11 and overflow  # ten, then one row that counts the rest


def test_old_and_surplus_counters_are_pruned(world, monkeypatch):
    monkeypatch.setattr(ingest, "REJECTED_KEEP_ROWS", 5)
    now = timezone.now().replace(second=0, microsecond=0)
    with schema_context("ag_alpha"):
        RejectedRequest.objects.bulk_create(
            [
                RejectedRequest(
                    minute=now - dt.timedelta(minutes=n), reason="x", remote_addr=str(n)
                )
                for n in range(8)
            ]
            + [RejectedRequest(minute=now - dt.timedelta(days=40), reason="cũ")]
        )
        assert ingest.rejected_requests_prune(now=now) == 4
        kept = sorted(int(r) for r in RejectedRequest.objects.values_list("remote_addr", flat=True))
    assert kept == [0, 1, 2, 3, 4]


def test_the_worked_example_of_the_vendors_guide_is_what_the_server_computes():
    guide = (Path(__file__).resolve().parents[2] / "docs/api/integration-events.md").read_text()
    secret, stamp = "eisk_example-secret-do-not-use", 1772417700
    data = (
        b'{"event_id":"igate-1","type":"application.returned",'
        b'"occurred_at":"2026-03-02T09:15:00+07:00","data":{"application_id":"H12.23-260302-0001"}}'
    )
    assert data.decode() in guide
    assert sign(secret, stamp, data, method="POST", path=EVENTS) in guide
    assert sign(secret, stamp, b"", method="GET", path=f"{EVENTS}/igate-1") in guide
