"""Host-based routing: bare domain, agency subdomains, unknown hosts, suspended agencies."""

import pytest
from django.test import Client

from tenants.models import AgencyStatus


def test_bare_domain_serves_the_province_console(world):
    response = Client(HTTP_HOST="localhost").get("/accounts/login/")
    assert response.status_code == 200
    assert "Bảng điều khiển cấp tỉnh" in response.content.decode()


def test_agency_subdomain_serves_that_agencys_portal(world):
    response = Client(HTTP_HOST="alpha.localhost").get("/accounts/login/")
    assert response.status_code == 200
    assert "Sở Alpha" in response.content.decode()
    assert "Sở Beta" not in response.content.decode()


def test_port_in_host_header_is_ignored_for_routing(world):
    response = Client(HTTP_HOST="alpha.localhost:8000").get("/accounts/login/")
    assert response.status_code == 200
    assert "Sở Alpha" in response.content.decode()


def test_unknown_subdomain_gets_a_vietnamese_404_page(world):
    response = Client(HTTP_HOST="khongco.localhost").get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Không tìm thấy cơ quan" in body
    assert "khongco.localhost" in body


def test_unknown_subdomain_on_the_api_gets_json_404(world):
    response = Client(HTTP_HOST="khongco.localhost").get("/api/v1/me/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_host_outside_base_domain_is_refused(world):
    response = Client(HTTP_HOST="evil.example.com").get("/")
    assert response.status_code in (400, 404)


def test_suspended_agency_shows_a_page_saying_so(world, client_for):
    agency = world.agency_a
    agency.status, agency.status_reason = AgencyStatus.SUSPENDED, "Chưa gia hạn"
    agency.save()
    response = client_for(agency, world.owner_a).get("/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "tạm ngừng" in body
    assert "Chưa gia hạn" in body
    assert "Dữ liệu của cơ quan được giữ nguyên" in body


def test_suspended_agency_api_answers_403_json(world, client_for):
    world.agency_a.status = AgencyStatus.SUSPENDED
    world.agency_a.save()
    response = client_for(world.agency_a, world.owner_a).get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["agency_status"] == "suspended"


@pytest.mark.parametrize(
    "host",
    ["localhost", "alpha.localhost", "khongco.localhost", "10.0.0.7", "evil.example.com", ""],
)
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_answer_whatever_the_host(world, host, path):
    response = Client(HTTP_HOST=host).get(path) if host else Client().get(path)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_reports_each_dependency(world):
    body = Client(HTTP_HOST="10.0.0.7").get("/readyz").json()
    assert body["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_says_unavailable_when_redis_is_unreachable(world, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unavailable"


def test_every_response_carries_a_request_id(world):
    response = Client(HTTP_HOST="alpha.localhost").get("/accounts/login/")
    assert len(response["X-Request-ID"]) >= 8
    kept = Client(HTTP_HOST="alpha.localhost").get(
        "/accounts/login/", HTTP_X_REQUEST_ID="abc12345-proxy"
    )
    assert kept["X-Request-ID"] == "abc12345-proxy"


def test_security_headers_are_set(world):
    response = Client(HTTP_HOST="localhost").get("/accounts/login/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
