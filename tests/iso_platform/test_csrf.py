"""Cross-site request forgery: each host trusts form posts from itself only.

The checks run as in production (`enforce_csrf_checks=True`, a real token from the form): the
only thing that differs between the accepted and the refused posts is where they come from.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
AGENCY_A, AGENCY_B, CONSOLE = "alpha.localhost", "beta.localhost", "localhost"


def _with_token(host: str, *, secure: bool = False) -> tuple[Client, str]:
    client = Client(HTTP_HOST=host, enforce_csrf_checks=True)
    page = client.get("/accounts/login/", secure=secure)
    assert page.status_code == 200
    return client, TOKEN_RE.search(page.content.decode()).group(1)


def _sign_in(host, email, password, *, secure=False, **headers):
    client, token = _with_token(host, secure=secure)
    data = {"username": email, "password": password, "csrfmiddlewaretoken": token}
    return client.post("/accounts/login/", data, secure=secure, **headers)


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        (AGENCY_A, "http://beta.localhost"),  # another agency
        (AGENCY_A, "http://localhost"),  # the console
        (AGENCY_A, "http://evil.alpha.localhost"),  # a name below the agency's own
        (AGENCY_A, "http://alpha.localhost:8000"),  # the same name on another port
        (AGENCY_A, "https://alpha.localhost"),  # the same name, another scheme
        (CONSOLE, "http://alpha.localhost"),  # an agency posting into the console
        (CONSOLE, "null"),
    ],
)
def test_a_post_from_another_origin_is_refused(world, password, host, origin):
    who = world.owner_a if host == AGENCY_A else world.province_admin
    response = _sign_in(host, who.email, password, HTTP_ORIGIN=origin)
    assert response.status_code == 403
    assert "tải lại trang" in response.content.decode()


@pytest.mark.parametrize(("host", "person"), [(AGENCY_A, "owner_a"), (CONSOLE, "province_admin")])
def test_a_post_from_the_same_origin_goes_through(world, password, host, person):
    response = _sign_in(host, getattr(world, person).email, password, HTTP_ORIGIN=f"http://{host}")
    assert response.status_code == 302


def test_over_https_a_referer_from_another_agency_is_refused(world, password):
    refused = _sign_in(
        AGENCY_A,
        world.owner_a.email,
        password,
        secure=True,
        HTTP_REFERER="https://beta.localhost/accounts/login/",
    )
    assert refused.status_code == 403
    same = _sign_in(
        AGENCY_A,
        world.owner_a.email,
        password,
        secure=True,
        HTTP_REFERER="https://alpha.localhost/accounts/login/",
    )
    assert same.status_code == 302


def test_the_api_with_a_session_refuses_another_agencys_origin(world, client_for):
    """DRF's session authentication runs the same origin check."""
    client = client_for(world.agency_a, world.owner_a)
    client.handler.enforce_csrf_checks = True
    page = client.get("/accounts/security/")
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else None
    assert page.status_code == 200 and token
    body = {"code": "QT.CSRF.01", "title": "Thử", "doc_type": "system_procedure"}
    refused = client.post(
        "/api/v1/documents/",
        body,
        content_type="application/json",
        HTTP_ORIGIN="http://beta.localhost",
        HTTP_X_CSRFTOKEN=token,
    )
    assert refused.status_code == 403
    accepted = client.post(
        "/api/v1/documents/",
        body,
        content_type="application/json",
        HTTP_ORIGIN="http://alpha.localhost",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.status_code == 201, accepted.content
