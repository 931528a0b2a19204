"""The province sees the exchange connection: "Kiểm tra kết nối" on the console against the
simulator (a real process on 127.0.0.1), and failed sending shown on the console page, the
health page and /metrics, with one e-mail when every request has failed for an hour."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.exchange_platform import CLIENT_ID, CLIENT_SECRET, exchange_platform
from eiso.testing.two_factor import session_mark_verified
from integrations.exchange.models import ExchangeMessage, Recipient
from integrations.exchange.province.models import AgencyBacklog, PlatformConnection, PlatformHealth
from integrations.exchange.services import outbound
from tenants.models import Agency, PlatformAuditEvent
from tests.integrations.test_exchange_outbound import A_ID, B_ID, attempt, connect, send
from tests.quality.conftest import Flow

METRICS_TOKEN = "metrics-token-for-the-exchange-test-01"


@pytest.fixture
def platform(tmp_path):
    with exchange_platform(tmp_path) as running:
        yield running


@pytest.fixture
def admin(world, client_for, settings):
    Agency.objects.filter(pk=world.agency_a.pk).update(identifier=A_ID)
    settings.EXCHANGE_CHECK_RATE = "1000/m"
    return client_for(settings.BASE_DOMAIN, world.province_admin)


def form(platform, settings, **changes) -> dict:
    settings.OUTBOUND_ALLOWED_HOSTS = (*settings.OUTBOUND_ALLOWED_HOSTS, platform.host)
    return {
        "url": platform.url,
        "token_url": platform.token_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "",
        **changes,
    }


def verdict(response) -> str:
    found = re.search(r'id="check-verdict"[^>]*>(.*?)<div', response.content.decode(), re.S)
    assert found, response.content.decode()[:2000]
    return found.group(1)


# --------------------------------------------------------------------------- Kiểm tra kết nối


def test_the_check_fetches_a_token_reads_once_and_saves_nothing(admin, platform, settings):
    response = admin.post("/exchange/check/", form(platform, settings))
    assert response.status_code == 200
    said = verdict(response)
    assert said.startswith("Kết nối tốt") and re.search(r"trong \d+ ms", said)
    assert 'class="alert alert-success' in response.content.decode()
    assert not PlatformConnection.objects.exists()  # typed, tried, not saved
    report = platform.report()
    assert report["eiso_tokens"] == 1 and report["refused"] == 0 and report["packages"] == []
    event = PlatformAuditEvent.objects.filter(action="exchange_connection_check").latest("at")
    assert event.changes["outcome"] == "ok" and event.changes["token_url"] == platform.token_url
    assert CLIENT_SECRET not in json.dumps(event.changes)


def test_an_empty_secret_is_checked_with_the_stored_one(world, admin, platform, settings):
    connect(world, settings, platform.url)
    response = admin.post("/exchange/check/", form(platform, settings, client_secret=""))
    assert verdict(response).startswith("Kết nối tốt")


def test_a_wrong_secret_is_named_invalid_client(admin, platform, settings):
    response = admin.post("/exchange/check/", form(platform, settings, client_secret="sai"))
    said = verdict(response)
    assert "invalid_client" in said and "khoá bí mật không đúng" in said
    assert 'class="alert alert-danger' in response.content.decode()
    event = PlatformAuditEvent.objects.filter(action="exchange_connection_check").latest("at")
    assert event.changes["outcome"] == "failed" and event.changes["http_status"] == 401


def test_a_stopped_platform_is_unreachable(admin, platform, settings):
    values = form(platform, settings)
    platform.stop()
    said = verdict(admin.post("/exchange/check/", values))
    assert said.startswith("Kiểm tra không thành công: Không lấy được mã truy cập")
    assert "không kết nối được" in said


def test_an_address_the_outbound_policy_refuses_is_named_refused(admin, platform, settings):
    values = form(platform, settings, token_url="http://10.20.0.5/token")
    said = verdict(admin.post("/exchange/check/", values))
    assert said.startswith("Bộ lọc kết nối ra ngoài từ chối http://10.20.0.5/token")
    assert "mạng nội bộ" in said
    assert platform.report()["eiso_tokens"] == 0


def test_a_token_the_platform_does_not_accept_is_named(admin, platform, tmp_path, settings):
    # A token from another platform (the second simulator) is a stranger to the first.
    (tmp_path / "other").mkdir()
    with exchange_platform(tmp_path / "other") as other:
        settings.OUTBOUND_ALLOWED_HOSTS = (*settings.OUTBOUND_ALLOWED_HOSTS, other.host)
        values = form(platform, settings, token_url=other.token_url)
        said = verdict(admin.post("/exchange/check/", values))
    assert "không nhận mã truy cập vừa được cấp (HTTP 401)" in said
    assert platform.report()["refused"] == 1


class _Broken(BaseHTTPRequestHandler):
    """Issues tokens, then fails every other request with 503."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._json(200, {"access_token": "t", "token_type": "Bearer", "expires_in": 60})

    def do_GET(self):
        self._json(503, {"error": "maintenance"})

    def _json(self, code, payload):
        body = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        return


def test_a_platform_answering_5xx_is_named_down(admin, settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        host = url.split("//")[1]
        settings.OUTBOUND_ALLOWED_HOSTS = (*settings.OUTBOUND_ALLOWED_HOSTS, host)
        values = {"url": url, "token_url": f"{url}/token", "client_id": "x", "client_secret": "y"}
        said = verdict(admin.post("/exchange/check/", values))
    finally:
        server.shutdown()
        server.server_close()
    assert "đang gặp sự cố (HTTP 503)" in said


def test_only_province_administrators_check_and_only_with_the_csrf_token(
    world, admin, platform, settings, client_for
):
    values = form(platform, settings)
    analyst = client_for(settings.BASE_DOMAIN, world.analyst)
    assert analyst.post("/exchange/check/", values).status_code in (302, 403)
    agency = client_for(world.agency_a, world.owner_a)
    assert agency.post("/exchange/check/", values).status_code == 404
    assert admin.get("/exchange/check/").status_code == 405
    strict = Client(HTTP_HOST=settings.BASE_DOMAIN, enforce_csrf_checks=True)
    strict.force_login(world.province_admin, backend="django.contrib.auth.backends.ModelBackend")
    session_mark_verified(strict, schema="public")
    assert strict.post("/exchange/check/", values).status_code == 403
    assert platform.report()["eiso_tokens"] == 0
    assert not PlatformAuditEvent.objects.filter(action="exchange_connection_check").exists()


def test_checks_are_rate_limited_per_administrator(admin, platform, settings):
    settings.EXCHANGE_CHECK_RATE = "2/10m"
    values = form(platform, settings)
    answers = [admin.post("/exchange/check/", values) for _ in range(3)]
    assert answers[-1].status_code == 429
    assert "quá nhiều lần" in answers[-1].content.decode()
    tried = sum(1 for a in answers if a.status_code == 200)
    assert platform.report()["eiso_tokens"] == tried <= 2


# --------------------------------------------------------------------------- the province sees


@pytest.fixture
def sender(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    Agency.objects.filter(pk=world.agency_a.pk).update(identifier=A_ID)
    with schema_context(world.agency_a.schema_name):
        document = Flow(world).issued()
        Recipient.objects.create(identifier=B_ID, name="Sở Beta")
    return world, document


def _in_agency(world, action):
    with schema_context(world.agency_a.schema_name):
        return action()


def _metrics(settings) -> str:
    settings.METRICS_TOKEN = METRICS_TOKEN
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").content.decode()


def _failing_for_two_hours(world, logs):
    """The time machine: the packages were queued, and the failures began, two hours ago."""
    earlier = timezone.now() - timezone.timedelta(hours=2)
    _in_agency(
        world,
        lambda: ExchangeMessage.objects.filter(pk__in=[x.pk for x in logs]).update(at=earlier),
    )
    PlatformHealth.objects.filter(pk=1).update(failing_since=earlier, last_failure_at=earlier)


def test_a_failing_connection_shows_on_the_console_the_health_page_and_metrics(
    sender, platform, settings, client_for
):
    world, document = sender
    connect(world, settings, platform.url, secret="khong-dung")
    logs = _in_agency(world, lambda: [send(world, document), send(world, document)])
    assert _in_agency(world, lambda: [attempt(x) for x in logs]) == ["retry", "retry"]
    _failing_for_two_hours(world, logs)
    assert _in_agency(world, lambda: attempt(logs[0], hours=3)) == "retry"

    backlog = AgencyBacklog.objects.get(agency=world.agency_a)
    assert backlog.waiting == 2 and "invalid_client" in backlog.last_error
    admin = client_for(settings.BASE_DOMAIN, world.province_admin)
    page = admin.get("/exchange/").content.decode()
    assert 'id="connection-failing"' in page and "invalid_client" in page
    assert 'formaction="/exchange/check/"' in page  # "Kiểm tra kết nối" beside "Lưu"
    table = re.search(r'id="exchange-backlog">(.*?)</table>', page, re.S).group(1)
    assert world.agency_a.name in table and '<td class="text-end">2</td>' in table
    health = admin.get("/health/").content.decode()
    connection = re.search(r'id="failed-exchange_connection">(.*?)</ul>', health, re.S).group(1)
    assert "khoá bí mật không đúng" in connection and "HTTP 401" in connection
    waiting = re.search(r'id="failed-exchange_waiting">(.*?)</ul>', health, re.S).group(1)
    assert world.agency_a.name in waiting and "2 gói tin" in waiting
    metrics = _metrics(settings)
    assert "eiso_exchange_packages_waiting 2.0" in metrics
    assert "eiso_exchange_connection_failing 1.0" in metrics

    # The administrator corrects the secret: the next attempts deliver, the trouble is gone.
    connect(world, settings, platform.url)
    assert _in_agency(world, lambda: [attempt(x, hours=6) for x in logs]) == ["sent", "sent"]
    assert AgencyBacklog.objects.get(agency=world.agency_a).waiting == 0
    page = admin.get("/exchange/").content.decode()
    assert 'id="connection-ok"' in page and 'id="exchange-backlog"' not in page
    health = admin.get("/health/").content.decode()
    assert world.agency_a.name not in re.search(
        r'id="failed-exchange_waiting">(.*?)</ul>', health, re.S
    ).group(1)
    metrics = _metrics(settings)
    assert "eiso_exchange_packages_waiting 0.0" in metrics
    assert "eiso_exchange_connection_failing 0.0" in metrics


def test_an_hour_of_failures_sends_one_notice_not_one_per_attempt(sender, platform, settings):
    world, document = sender
    connect(world, settings, platform.url, secret="khong-dung")
    log = _in_agency(world, lambda: send(world, document))
    _in_agency(world, lambda: attempt(log))
    assert mail.outbox == []  # one failure is not yet a notice
    _failing_for_two_hours(world, [log])
    for hours in (2, 4, 6):
        _in_agency(world, lambda h=hours: attempt(log, hours=h))
        PlatformHealth.objects.filter(pk=1).update(last_failure_at=None)  # every one written
    _in_agency(world, outbound.statuses_poll)
    (notice,) = mail.outbox
    assert notice.to == [world.province_admin.email]
    assert "nền tảng của tỉnh không nhận yêu cầu" in notice.subject
    assert "invalid_client" in notice.body and "1 gói tin đang chờ ở 1 cơ quan" in notice.body
    assert "/exchange/" in notice.body
    assert PlatformHealth.objects.get().notified_at is not None

    # Recovery ends the run; a new run, an hour long, gets its own notice.
    connect(world, settings, platform.url)
    _in_agency(world, outbound.statuses_poll)
    health = PlatformHealth.objects.get()
    assert health.failing_since is None and health.notified_at is None
    connect(world, settings, platform.url, secret="khong-dung")
    _in_agency(world, outbound.statuses_poll)
    _failing_for_two_hours(world, [log])
    _in_agency(world, outbound.statuses_poll)
    assert len(mail.outbox) == 2


def test_agencies_and_analysts_do_not_see_the_province_page(world, client_for, settings):
    agency = client_for(world.agency_a, world.owner_a)
    assert agency.get("/exchange/").status_code == 404
    analyst = client_for(settings.BASE_DOMAIN, world.analyst)
    assert analyst.get("/exchange/").status_code in (302, 403)


def test_a_package_the_platform_refuses_waits_without_marking_the_connection_failing(
    sender, platform, settings
):
    world, document = sender
    connect(world, settings, platform.url)
    log = _in_agency(world, lambda: send(world, document))

    def spoil():  # a package the platform cannot read: its own fault, not the connection's
        with log.package_file.open("wb") as handle:
            handle.write(b"<khong-phai-edxml/>")
        return attempt(log)

    assert _in_agency(world, spoil) == "retry"
    assert PlatformHealth.load().failing_since is None
    backlog = AgencyBacklog.objects.get(agency=world.agency_a)
    assert backlog.waiting == 1 and backlog.last_error.startswith("HTTP 400")
