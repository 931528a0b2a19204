"""The outgoing-events journey in Chromium: an agency's administrator subscribes the province's
system (a real receiver on loopback) on the integrations page, the leader issues a document
with the approval button, and what reaches the receiver verifies with `standardwebhooks`, an
independent implementation of the Standard Webhooks specification."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django_tenants.utils import schema_context
from standardwebhooks import Webhook

from eiso.testing.browser import chromium, live_server
from eiso.testing.receiver import webhook_receiver
from eiso.testing.workers import purge_queued_tasks
from eiso.testing.world import PASSWORD
from integrations.webhooks import services
from integrations.webhooks.models import Delivery
from iso_platform.accounts.models import Role, User
from quality.documents.services import documents as svc
from tenants.models import AgencyKind
from tenants.services.provisioning import AgencySpec, agency_provision


def _session(agency, user) -> dict:
    client = Client(HTTP_HOST=agency.host)
    with schema_context(agency.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return {
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "domain": agency.host,
        "path": "/",
    }


def _page(browser, cookie):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([cookie])
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, errors


@pytest.mark.slow
def test_a_subscribed_system_receives_the_issued_document_signed(committed, settings):
    # An agency of its own: the committed world's agencies stay as other tests expect them.
    agency = agency_provision(
        spec=AgencySpec(
            code="webhook-journey",
            name="Sở Thử Sự Kiện",
            kind=AgencyKind.PROVINCIAL_DEPARTMENT,
            admin_email="thuky@webhook.test",
            admin_name="Thư Ký Sự Kiện",
        ),
        admin_password=PASSWORD,
    ).agency
    with schema_context(agency.schema_name):
        secretary = User.objects.get(email="thuky@webhook.test")
        staff = User.objects.create_user(
            "chuyenvien@webhook.test", PASSWORD, full_name="Chuyên Viên", role=Role.STAFF
        )
        leader = User.objects.create_user(
            "giamdoc@webhook.test", PASSWORD, full_name="Giám Đốc Sở", role=Role.AGENCY_LEADER
        )
        document = svc.document_create(
            actor=staff,
            doc_type="system_procedure",
            code="QT.SK.01",
            title="Quy trình tiếp nhận hồ sơ",
            body="Mục đích: tiếp nhận hồ sơ đúng hạn.",
        )
        revision = document.latest_revision
        svc.revision_submit(actor=staff, revision=revision)
        svc.revision_review(actor=secretary, revision=revision)

    with webhook_receiver() as receiver:
        settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{receiver.server_port}"]
        try:
            with live_server() as port, chromium() as browser:
                origin = f"http://{agency.host}:{port}"
                admin, admin_errors = _page(browser, _session(agency, secretary))
                admin.goto(f"{origin}/integrations/webhooks/")
                admin.fill("#id_name", "Hệ thống một cửa của tỉnh")
                admin.fill("#id_url", receiver.url)
                admin.check("input[name='event_types'][value='document.issued']")
                admin.get_by_role("button", name="Thêm đăng ký").click()
                secret = admin.locator("#webhook-secret [data-secret]").inner_text().strip()
                assert secret.startswith("whsec_")

                approver, approver_errors = _page(browser, _session(agency, leader))
                approver.goto(f"{origin}/documents/{document.pk}/")
                with approver.expect_navigation():
                    approver.get_by_role("button", name="Phê duyệt và ban hành").click()
                approver.wait_for_load_state("networkidle")
                assert approver.get_by_role("button", name="Phê duyệt và ban hành").count() == 0
                assert not admin_errors and not approver_errors, admin_errors + approver_errors

            # What a worker does with the message the approval queued after its commit.
            with schema_context(agency.schema_name):
                pending = list(Delivery.objects.filter(status="pending"))
                assert len(pending) == 1
                services.delivery_attempt(delivery_id=pending[0].pk)
                assert Delivery.objects.get(pk=pending[0].pk).status == "succeeded"
        finally:
            purge_queued_tasks()

    [request] = receiver.received
    payload = Webhook(secret).verify(request["body"], request["headers"])
    assert payload == json.loads(request["body"])
    assert payload["type"] == "document.issued"
    assert payload["agency"]["code"] == "webhook-journey"
    assert payload["data"]["document"]["code"] == "QT.SK.01"
    with pytest.raises(Exception):  # noqa: B017 - the library's own verification error
        Webhook(secret).verify(request["body"] + b" ", request["headers"])
