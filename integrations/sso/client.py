"""Authlib's OpenID Connect client, with every request through eISO's guarded HTTP client.

Authlib's Django client does the protocol: state and nonce kept in the session (and spent
once), PKCE (S256), the token exchange with the client secret, the ID token's signature
against the provider's keys (JWKS, fetched again when a new key id appears) and its claims
(issuer, audience, expiry, nonce, azp, at_hash). Its HTTP goes through `requests`, so a
transport adapter mounted on its session hands each request to `iso_platform.outbound.fetch`
instead: the same address policy (internal providers only when the operator names them in
OUTBOUND_ALLOWED_HOSTS), no redirects, a deadline and a size limit.

The discovery document (with the keys, once fetched) is kept in the cache for
SSO_METADATA_CACHE_SECONDS, so a sign-in costs the token request, and the user info request
when the provider has that endpoint.
"""

from __future__ import annotations

import hashlib

import requests
from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.core.cache import cache
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from iso_platform import outbound

NAME = "eiso_sso"
# Clock difference tolerated between eISO and the provider when checking `exp` and `iat`.
LEEWAY_SECONDS = 60


class ProviderUnreachable(requests.ConnectionError):
    """The guarded client refused or failed; `detail` is for the log and the audit trail."""

    def __init__(self, error: outbound.OutboundError):
        super().__init__(error.message)
        self.detail = error.detail or error.message


class OutboundAdapter(BaseAdapter):
    """A `requests` transport that sends through `iso_platform.outbound.fetch`."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        body = request.body.encode() if isinstance(request.body, str) else request.body
        try:
            answer = outbound.fetch(
                request.url, method=request.method, headers=dict(request.headers), body=body
            )
        except outbound.OutboundError as exc:
            raise ProviderUnreachable(exc) from None
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.body
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self):
        pass


class GuardedOAuth2Session(OAuth2Session):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trust_env = False  # no proxy from the environment: the policy decides
        adapter = OutboundAdapter()
        self.mount("https://", adapter)
        self.mount("http://", adapter)


class ProvinceOidcApp(DjangoOAuth2App):
    client_cls = GuardedOAuth2Session


def _cache_key(config) -> str:
    return "sso:metadata:" + hashlib.sha256(config.discovery_url.encode()).hexdigest()[:32]


def oidc_app(config) -> ProvinceOidcApp:
    """The client for `config`; metadata from the cache when there is some."""
    cached = cache.get(_cache_key(config)) or {}
    return ProvinceOidcApp(
        DjangoIntegration(NAME),
        name=NAME,
        client_id=config.client_id,
        client_secret=config.client_secret,
        server_metadata_url=config.discovery_url,
        client_kwargs={"scope": config.scopes, "code_challenge_method": "S256"},
        **cached,
    )


class WrongIssuer(ValueError):
    pass


def metadata_load(app: ProvinceOidcApp, config) -> dict:
    """The discovery document, checked to name the configured issuer (OpenID Connect
    Discovery 4.3: otherwise a document could point at another provider's keys)."""
    metadata = app.load_server_metadata()
    if metadata.get("issuer", "").rstrip("/") != config.issuer.rstrip("/"):
        raise WrongIssuer(f"discovery names issuer {metadata.get('issuer')!r}")
    return metadata


def metadata_keep(app: ProvinceOidcApp, config) -> None:
    """Cache what the app loaded (the document, and the keys if it fetched them)."""
    if app.server_metadata.get("_loaded_at"):
        cache.set(
            _cache_key(config), dict(app.server_metadata), settings.SSO_METADATA_CACHE_SECONDS
        )


def metadata_forget(config) -> None:
    if config is not None:
        cache.delete(_cache_key(config))
