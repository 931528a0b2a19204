"""Packages this agency sends: an issued decision goes to the province's platform (a real
HTTP server process on 127.0.0.1, the simulator), retried while the platform is down, and
the status messages coming back move each delivery forward."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.exchange_platform import CLIENT_ID, CLIENT_SECRET, exchange_platform
from eiso.testing.pki import free_port
from integrations.exchange import edxml
from integrations.exchange.models import Delivery, DeliveryStatus, LogStatus, Recipient, Sending
from integrations.exchange.province.models import PlatformConnection
from integrations.exchange.services import connection, outbound
from integrations.exchange.services.inbound import message_receive
from iso_platform.outbox.models import OutboxMessage
from tenants.models import Agency
from tests.quality.conftest import Flow

A_ID, B_ID = "000.00.31.H01", "000.00.32.H01"


@pytest.fixture
def platform(tmp_path):
    with exchange_platform(tmp_path) as running:
        yield running


@pytest.fixture
def sender(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    Agency.objects.filter(pk=world.agency_a.pk).update(identifier=A_ID)
    with schema_context(world.agency_a.schema_name):
        document = Flow(world).issued()
        Recipient.objects.create(identifier=B_ID, name="Sở Beta")
        yield world, document


def connect(world, settings, url: str, *, token_url="", secret=CLIENT_SECRET) -> None:
    token_url = token_url or f"{url}/token"
    hosts = {u.split("//")[1].split("/")[0] for u in (url, token_url)}
    settings.OUTBOUND_ALLOWED_HOSTS = (*settings.OUTBOUND_ALLOWED_HOSTS, *hosts)
    with schema_context("public"):
        connection.connection_update(
            actor=world.province_admin,
            url=url,
            token_url=token_url,
            client_id=CLIENT_ID,
            client_secret=secret,
            enabled=True,
        )


def send(world, document):
    return outbound.package_send(
        actor=world.owner_a, document=document, what=outbound.ISSUE, recipients=[B_ID]
    )


def attempt(log, **later) -> str:
    """An attempt now, or as beat's retry would make it after the delay."""
    now = timezone.now() + timezone.timedelta(**later) if later else None
    return outbound.sending_attempt(message_id=log.pk, now=now)


def test_an_issued_decision_reaches_the_platform_and_statuses_update_delivery(
    sender, platform, settings
):
    world, document = sender
    connect(world, settings, platform.url)
    log = outbound.package_send(
        actor=world.owner_a, document=document, what=outbound.ISSUE, recipients=[B_ID]
    )
    assert "/QĐ-" in log.symbol and log.sender_code == A_ID
    # the kind from the one table: "Quyết định", no unconfirmed numeric code
    assert (log.type_name, log.type_code, log.document_type.abbreviation) == (
        "Quyết định",
        "",
        "QĐ",
    )
    assert outbound.sending_attempt(message_id=log.pk) == "sent"
    log.refresh_from_db()
    assert log.status == LogStatus.SENT
    (got,) = platform.report()["packages"]
    assert got["document_id"] == log.package_id and got["to"] == [B_ID]
    assert got["from"] == A_ID and got["attachments"] == ["quyet-dinh-ban-hanh.pdf"]
    assert Delivery.objects.get(message=log).status == DeliveryStatus.SENT
    assert outbound.statuses_poll() == 4
    delivery = Delivery.objects.get(message=log)
    assert delivery.status == DeliveryStatus.PROCESSED and delivery.status_note == "Đã xử lý xong"
    assert outbound.statuses_poll() == 0  # the cursor moved on


def test_a_package_waits_and_is_retried_while_the_platform_is_down(sender, settings):
    world, document = sender
    closed = f"http://127.0.0.1:{free_port()}"
    connect(world, settings, closed)
    log = outbound.package_send(
        actor=world.owner_a, document=document, what=outbound.ISSUE, recipients=[B_ID]
    )
    assert outbound.sending_attempt(message_id=log.pk) == "retry"
    sending = Sending.objects.get(message=log)
    assert sending.attempts == 1 and sending.done_at is None and sending.last_error
    with schema_context("public"):
        # The next attempt waits in the outbox until its time, surviving broker restarts.
        later = OutboxMessage.objects.filter(
            task=outbound.TASK, args=[log.pk], available_at__gt=timezone.now()
        )
        assert later.count() == 1
    log.refresh_from_db()
    assert log.status == LogStatus.QUEUED and log.package_file  # kept, never lost


def test_status_messages_never_move_a_delivery_backwards(sender):
    world, document = sender
    log = outbound.package_send(
        actor=world.owner_a, document=document, what=outbound.ISSUE, recipients=[B_ID]
    )

    def status(code):
        message = edxml.StatusMessage(
            document_id=log.package_id,
            original_sender=A_ID,
            sender=edxml.Party(B_ID, "Sở Beta"),
            status_code=code,
        )
        return message_receive(data=edxml.write_status(message), channel="api")

    assert status("04").status == LogStatus.APPLIED
    status("01")
    assert Delivery.objects.get(message=log).status == DeliveryStatus.ASSIGNED


def test_a_status_for_a_package_never_sent_is_refused(sender):
    message = edxml.StatusMessage(
        document_id="không có", original_sender=A_ID, sender=edxml.Party(B_ID), status_code="03"
    )
    log = message_receive(data=edxml.write_status(message), channel="api")
    assert log.status == LogStatus.REFUSED and "không gửi tới" in log.reason


def test_only_recipients_on_the_agencys_list_can_be_chosen(sender):
    world, document = sender
    with pytest.raises(ValidationError) as refused:
        outbound.package_send(
            actor=world.owner_a,
            document=document,
            what=outbound.ISSUE,
            recipients=["000.00.99.H99"],
        )
    assert "nơi nhận" in str(refused.value)


def test_the_console_keeps_the_platform_secret_encrypted_and_only_for_administrators(
    world, client_for, settings
):
    settings.OUTBOUND_ALLOWED_HOSTS = (*settings.OUTBOUND_ALLOWED_HOSTS, "127.0.0.1:8765")
    form = {
        "url": "http://127.0.0.1:8765",
        "token_url": "http://127.0.0.1:8765/token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "edxml  packages",
        "enabled": "on",
    }
    analyst = client_for(settings.BASE_DOMAIN, world.analyst)
    assert analyst.post("/exchange/", form).status_code in (302, 403)
    assert not PlatformConnection.objects.exists()
    admin = client_for(settings.BASE_DOMAIN, world.province_admin)
    assert admin.post("/exchange/", form).status_code == 302
    row = PlatformConnection.objects.get()
    assert CLIENT_SECRET.encode() not in bytes(row.client_secret_encrypted)
    in_force = connection.connection_in_force()
    assert in_force.client_secret == CLIENT_SECRET and in_force.scope == "edxml packages"
    assert in_force.token_url == "http://127.0.0.1:8765/token"
    assert CLIENT_SECRET not in repr(in_force)
    page = admin.get("/exchange/").content.decode()
    assert CLIENT_SECRET not in page and "Đã lưu khoá bí mật" in page
    # An empty secret keeps the stored one.
    assert admin.post("/exchange/", {**form, "client_secret": ""}).status_code == 302
    assert connection.connection_in_force().client_secret == CLIENT_SECRET
    # A token URL inside the province's network, not allowed by the operator: a form error.
    refused = admin.post("/exchange/", {**form, "token_url": "http://10.20.0.5/token"})
    assert refused.status_code == 400 and "mạng nội bộ" in refused.content.decode()
    assert PlatformConnection.objects.get().token_url == "http://127.0.0.1:8765/token"


# --------------------------------------------------------------------------- OAuth2


def test_one_token_is_fetched_and_reused_across_sends_and_polls(sender, platform, settings):
    world, document = sender
    connect(world, settings, platform.url)
    first, second = send(world, document), send(world, document)
    assert attempt(first) == "sent" and attempt(second) == "sent"
    assert outbound.statuses_poll() == 8
    report = platform.report()
    assert [p["document_id"] for p in report["packages"]] == [first.package_id, second.package_id]
    assert report["eiso_tokens"] == 1 and report["refused"] == 0
    assert {p["token"] for p in report["packages"]} == {1}


def test_an_expired_token_is_replaced_once_and_the_send_succeeds(sender, tmp_path, settings):
    world, document = sender
    with exchange_platform(tmp_path, token_lifetime=2) as platform:
        connect(world, settings, platform.url)
        assert attempt(send(world, document)) == "sent"
        time.sleep(2.5)  # the token's life, as the platform announced it in expires_in
        log = send(world, document)
        assert attempt(log) == "sent"
        report = platform.report()
    assert report["eiso_tokens"] == 2 and report["refused"] == 0  # never sent the dead one
    assert [p["token"] for p in report["packages"]] == [1, 2]
    log.refresh_from_db()
    assert log.status == LogStatus.SENT


def test_a_token_the_platform_no_longer_knows_is_dropped_and_one_new_one_fetched(
    sender, platform, settings
):
    world, document = sender
    connect(world, settings, platform.url)
    assert attempt(send(world, document)) == "sent"
    platform.restart()  # it forgot the token eISO still holds: as if revoked
    log = send(world, document)
    assert attempt(log) == "sent"
    report = platform.report()
    assert report["refused"] == 1 and report["eiso_tokens"] == 1
    assert [p["document_id"] for p in report["packages"]] == [log.package_id]
    assert outbound.statuses_poll() == 4  # the new token, from the cache


def test_a_wrong_client_secret_keeps_the_package_queued_with_the_reason_shown(
    sender, platform, settings, client_for
):
    world, document = sender
    connect(world, settings, platform.url, secret="khong-dung")
    log = send(world, document)
    assert attempt(log) == "retry"
    log.refresh_from_db()
    assert log.status == LogStatus.QUEUED and log.package_file
    assert "invalid_client" in log.reason and "khoá bí mật không đúng" in log.reason
    sending = Sending.objects.get(message=log)
    assert sending.last_http_status == 401 and sending.done_at is None
    page = client_for(world.agency_a, world.owner_a).get("/integrations/exchange/")
    assert "khoá bí mật không đúng" in page.content.decode()
    assert platform.report()["packages"] == []
    # The administrator corrects the secret: the retry delivers the package kept.
    connect(world, settings, platform.url, secret=CLIENT_SECRET)
    assert attempt(log, seconds=sending.attempts * 3600) == "sent"
    log.refresh_from_db()
    assert log.status == LogStatus.SENT and log.reason == ""
    assert [p["document_id"] for p in platform.report()["packages"]] == [log.package_id]


def test_a_malformed_or_unreachable_token_endpoint_is_a_clear_error(sender, platform, settings):
    world, document = sender
    # The platform's own address answers 404 with JSON, not a token.
    connect(world, settings, platform.url, token_url=f"{platform.url}/khong-co")
    log = send(world, document)
    assert attempt(log) == "retry"
    log.refresh_from_db()
    assert "HTTP 404" in log.reason and "mã truy cập" in log.reason
    closed = f"http://127.0.0.1:{free_port()}/token"
    connect(world, settings, platform.url, token_url=closed)
    assert attempt(log, hours=1) == "retry"
    log.refresh_from_db()
    assert log.reason.startswith("Không lấy được mã truy cập") and log.status == LogStatus.QUEUED


def test_the_token_request_goes_through_the_guarded_client(sender, platform, settings):
    world, document = sender
    # Its port allowed: what refuses the token URL is the address check (loopback).
    settings.OUTBOUND_ALLOWED_PORTS = (platform.port,)
    blocked = f"http://localhost:{platform.port}/token"
    with schema_context("public"), pytest.raises(ValidationError) as refused:
        connection.connection_update(
            actor=world.province_admin,
            url="",
            token_url=blocked,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            enabled=False,
        )
    assert "nội bộ" in refused.value.message_dict["token_url"][0]
    # Allowed when saved, no longer when sent (the operator took the host off the list).
    connect(world, settings, platform.url, token_url=blocked)
    settings.OUTBOUND_ALLOWED_HOSTS = (platform.host,)
    log = send(world, document)
    assert attempt(log) == "retry"
    log.refresh_from_db()
    assert log.reason.startswith("Không lấy được mã truy cập") and "nội bộ" in log.reason
    report = platform.report()
    assert report["eiso_tokens"] == 0 and report["packages"] == []


class _NotOAuth(BaseHTTPRequestHandler):
    """A token URL pointing at something else: 200, but a web page."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html>dang nhap</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        return


def test_a_token_answer_that_is_not_oauth2_json_is_named_malformed(sender, platform, settings):
    world, document = sender
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotOAuth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = f"http://127.0.0.1:{server.server_address[1]}/token"
        connect(world, settings, platform.url, token_url=page)
        log = send(world, document)
        assert attempt(log) == "retry"
    finally:
        server.shutdown()
        server.server_close()
    log.refresh_from_db()
    assert "không đúng chuẩn OAuth2" in log.reason and log.status == LogStatus.QUEUED
