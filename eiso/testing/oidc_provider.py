"""A real OpenID Connect provider for the single sign-on tests.

django-oidc-provider (a long-standing Django implementation of OpenID Connect: discovery,
authorization code with PKCE, signed ID tokens, JWKS, user info, RP-initiated sign-out) runs
as a separate Django project (`eiso/testing/oidc_provider_site/`) under gunicorn on
127.0.0.1, with its own SQLite database in a temporary directory. Session-scoped and
xdist-safe: each worker starts its own on a free port, in its own directory.

The people and clients are created by `seed` (the tests may add more while it runs); claims
beyond the standard ones (the agency, `acr`, `amr`) are in `claims.json`, read at each token.
Clients whose id ends in `-wrong-aud` or `-expired` are the provider configured to misbehave
(oidc_provider_site/hooks.py), so the refusals are tested against real signed tokens.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

PASSWORD = "mat-khau-tinh-1"  # noqa: S105 - test data
CLIENT_ID = "eiso"
CLIENT_SECRET = "eiso-client-secret"  # noqa: S105 - test data
SETTINGS = "eiso.testing.oidc_provider_site.settings"
EISO_HOSTS = ("localhost", "alpha.localhost", "beta.localhost")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    url: str
    directory: Path
    process: subprocess.Popen
    claims: dict = field(default_factory=dict)
    eiso_origins: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return urlsplit(self.url).port

    def _env(self) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "OIDC_TEST_DIR": str(self.directory),
            "OIDC_TEST_SITE_URL": self.url,
        }

    def person_add(self, email: str, *, name: str = "", **claims) -> str:
        """A person at the provider (username = e-mail) with extra ID token claims."""
        self.claims[email] = claims
        (self.directory / "claims.json").write_text(json.dumps(self.claims), encoding="utf-8")
        self._seed(users=[{"username": email, "email": email, "name": name, "password": PASSWORD}])
        return email

    def claims_set(self, email: str, **claims) -> None:
        self.claims[email] = claims
        (self.directory / "claims.json").write_text(json.dumps(self.claims), encoding="utf-8")

    def eiso_origin_add(self, origin: str) -> None:
        """Register an eISO origin (`http://alpha.localhost:8123`) with every client."""
        self.eiso_origins.append(origin)
        self.clients_seed()

    def clients_seed(self) -> None:
        origins = [f"http://{host}" for host in EISO_HOSTS] + self.eiso_origins
        redirects = [f"{o}/accounts/sso/callback/" for o in origins]
        after = [f"{o}/accounts/login/" for o in origins]
        clients = [
            {
                "client_id": f"{CLIENT_ID}{suffix}",
                "secret": CLIENT_SECRET,
                "redirect_uris": redirects,
                "post_logout_redirect_uris": after,
            }
            for suffix in ("", "-wrong-aud", "-expired")
        ]
        self._seed(clients=clients)

    def _seed(self, **data) -> None:
        path = self.directory / f"seed-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        command = [sys.executable, "-m", "eiso.testing.oidc_provider_site.seed", str(path)]
        subprocess.run(command, env=self._env(), check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def provider_start(directory: Path) -> Provider:
    port = _free_port()
    provider = Provider(url=f"http://127.0.0.1:{port}", directory=directory, process=None)
    provider.clients_seed()  # migrates and makes the signing key first
    command = [
        sys.executable, "-m", "gunicorn", "eiso.testing.oidc_provider_site.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
        "--log-level", "warning",
    ]  # fmt: skip
    log = (directory / "provider.log").open("wb")
    provider.process = subprocess.Popen(command, env=provider._env(), stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if provider.process.poll() is not None:
            raise RuntimeError(
                f"the test provider exited: {(directory / 'provider.log').read_text()}"
            )
        try:
            if requests.get(f"{provider.url}/.well-known/openid-configuration", timeout=2).ok:
                return provider
        except requests.ConnectionError:
            time.sleep(0.2)
    provider.stop()
    raise RuntimeError("the test provider did not answer within 30 s")


@pytest.fixture(scope="session")
def oidc_provider():
    with tempfile.TemporaryDirectory(prefix="eiso-oidc-") as directory:
        provider = provider_start(Path(directory))
        try:
            yield provider
        finally:
            provider.stop()


def provider_sign_in(authorize_url: str, *, username: str, password: str = PASSWORD) -> str:
    """Go through the provider's pages as a browser would (its real redirects and login form)
    and return the address it finally sends the browser to (eISO's callback)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorize_url))
    session = requests.Session()
    url, method, data = authorize_url, "GET", None
    for _ in range(10):
        response = session.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            location = urljoin(url, response.headers["Location"])
            if not location.startswith(origin):
                return location
            url, method, data = location, "GET", None
        elif response.status_code == 200 and 'name="password"' in response.text:
            data = {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": session.cookies["provider_csrf"],
                "next": _next_of(url),
            }
            method = "POST"
        else:
            raise AssertionError(f"provider answered {response.status_code}: {response.text[:500]}")
    raise AssertionError("too many redirects at the provider")


def provider_get(url: str) -> requests.Response:
    return requests.get(url, allow_redirects=False, timeout=10)


def _next_of(url: str) -> str:
    from urllib.parse import parse_qs

    return parse_qs(urlsplit(url).query).get("next", ["/"])[0]
