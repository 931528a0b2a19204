"""Security headers on every kind of page: CSP without inline scripts, frames refused,
referrer kept to the site, HSTS when served over HTTPS."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from django.test import Client

from tests.iso_platform.test_settings import PRODUCTION, ROOT


def _assert_headers(response):
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def _assert_no_inline_script(html: str):
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "inline event handler"
    assert "javascript:" not in html


@pytest.mark.parametrize("host", ["localhost", "alpha.localhost"])
def test_the_sign_in_page_has_the_headers_and_no_inline_script(world, host):
    response = Client(HTTP_HOST=host).get("/accounts/login/")
    _assert_headers(response)
    _assert_no_inline_script(response.content.decode())


def test_signed_in_pages_have_the_headers_and_no_inline_script(world, client_for):
    pages = [
        (client_for("localhost", world.province_admin), "/agencies/"),
        (client_for("localhost", world.province_admin), "/accounts/security/"),
        (client_for(world.agency_a, world.owner_a), "/"),
        (client_for(world.agency_a, world.owner_a), "/accounts/security/two-factor/"),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_headers(response)
        _assert_no_inline_script(response.content.decode())


def test_hsts_is_sent_over_https(world, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = Client(HTTP_HOST="localhost").get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in Client(HTTP_HOST="localhost").get("/accounts/login/")


def test_production_settings_turn_on_https_hsts_and_secure_cookies():
    script = (
        "import eiso.settings as s; "
        "print(s.HTTPS, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY, s.SESSION_IDLE_MINUTES)"
    )
    env = {"PATH": "/usr/bin:/bin", **PRODUCTION, "SESSION_IDLE_MINUTES": "20"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "31536000",
        "True",
        "True",
        "True",
        "DENY",
        "same-origin",
        "20",
    ]


def test_a_bad_idle_limit_stops_start_up():
    env = {"PATH": "/usr/bin:/bin", **PRODUCTION, "SESSION_IDLE_MINUTES": "half an hour"}
    result = subprocess.run(
        [sys.executable, "-c", "import eiso.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SESSION_IDLE_MINUTES='half an hour' is not a whole number" in result.stderr
