"""Packages this agency sends: an issued decision goes to the province's platform (a real
HTTP server process on 127.0.0.1, the simulator), retried while the platform is down, and
the status messages coming back move each delivery forward."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.pki import free_port, wait_for_port
from integrations.exchange import edxml, wire
from integrations.exchange.models import Delivery, DeliveryStatus, LogStatus, Recipient, Sending
from integrations.exchange.province.models import PlatformConnection
from integrations.exchange.services import connection, outbound
from integrations.exchange.services.inbound import message_receive
from iso_platform.outbox.models import OutboxMessage
from tenants.models import Agency
from tests.quality.conftest import Flow

A_ID, B_ID = "000.00.31.H01", "000.00.32.H01"
SYSTEM, SECRET = "lgsp-thu-nghiem", "bi-mat-cua-nen-tang"


@pytest.fixture
def platform(tmp_path):
    port = free_port()
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "integrations.exchange.simulator",
            f"--port={port}",
            f"--system-id={SYSTEM}",
            f"--secret-file={secret_file}",
        ],
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def received(url: str) -> list[dict]:
    headers = wire.headers(SYSTEM, SECRET, method="GET", path="/received", body=b"")
    request = urllib.request.Request(f"{url}/received", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - the test's own
        return json.loads(answer.read())["packages"]


@pytest.fixture
def sender(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    Agency.objects.filter(pk=world.agency_a.pk).update(identifier=A_ID)
    with schema_context(world.agency_a.schema_name):
        document = Flow(world).issued()
        Recipient.objects.create(identifier=B_ID, name="Sở Beta")
        yield world, document


def connect(world, settings, url: str) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = (*settings.OUTBOUND_ALLOWED_HOSTS, url.split("//")[1])
    with schema_context("public"):
        connection.connection_update(
            actor=world.province_admin, url=url, system_id=SYSTEM, secret=SECRET, enabled=True
        )


def test_an_issued_decision_reaches_the_platform_and_statuses_update_delivery(
    sender, platform, settings
):
    world, document = sender
    connect(world, settings, platform)
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
    (got,) = received(platform)
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
    form = {"url": "http://127.0.0.1:8765", "system_id": SYSTEM, "secret": SECRET, "enabled": "on"}
    analyst = client_for(settings.BASE_DOMAIN, world.analyst)
    assert analyst.post("/exchange/", form).status_code in (302, 403)
    assert not PlatformConnection.objects.exists()
    admin = client_for(settings.BASE_DOMAIN, world.province_admin)
    assert admin.post("/exchange/", form).status_code == 302
    row = PlatformConnection.objects.get()
    assert SECRET.encode() not in bytes(row.secret_encrypted)
    assert connection.connection_in_force().secret == SECRET
    page = admin.get("/exchange/").content.decode()
    assert SECRET not in page and "Đã lưu khoá bí mật" in page
