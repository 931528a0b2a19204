"""The provider's configuration in force: the environment's if SSO_ISSUER is set (automated
deployments; the console then shows it read-only), else the console's row, else none."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django_tenants.utils import schema_context

from integrations.sso.models import ProviderSettings

ENV = "env"
CONSOLE = "console"


@dataclass(frozen=True)
class ProviderConfig:
    source: str  # ENV or CONSOLE
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    email_claim: str
    agency_claim: str
    name_claim: str
    roles_claim: str
    mfa_acr_values: frozenset[str]
    mfa_amr_values: frozenset[str]

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def words(text: str) -> frozenset[str]:
    """ "mfa, otp hwk" -> {"mfa", "otp", "hwk"}: commas or spaces between values."""
    return frozenset(w for w in (text or "").replace(",", " ").split() if w)


def env_managed() -> bool:
    return bool(settings.SSO_ISSUER)


def provider_config() -> ProviderConfig | None:
    if env_managed():
        return ProviderConfig(
            source=ENV,
            issuer=settings.SSO_ISSUER,
            client_id=settings.SSO_CLIENT_ID,
            client_secret=settings.SSO_CLIENT_SECRET,
            scopes=settings.SSO_SCOPES,
            email_claim=settings.SSO_EMAIL_CLAIM,
            agency_claim=settings.SSO_AGENCY_CLAIM,
            name_claim=settings.SSO_NAME_CLAIM,
            roles_claim=settings.SSO_ROLES_CLAIM,
            mfa_acr_values=words(settings.SSO_MFA_ACR_VALUES),
            mfa_amr_values=words(settings.SSO_MFA_AMR_VALUES),
        )
    # The row is the province's: read from the public schema whatever host asks (each agency
    # schema has an empty table of the same name).
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        row = ProviderSettings.objects.filter(pk=1, enabled=True).first()
    if row is None or not (row.issuer and row.client_id and row.client_secret_encrypted):
        return None
    secret = secret_decrypt(row.client_secret_encrypted)
    if secret is None:  # SSO_SECRET_KEY changed since it was typed: unusable until re-entered
        return None
    return ProviderConfig(
        source=CONSOLE,
        issuer=row.issuer,
        client_id=row.client_id,
        client_secret=secret,
        scopes=row.scopes,
        email_claim=row.email_claim,
        agency_claim=row.agency_claim,
        name_claim=row.name_claim,
        roles_claim=row.roles_claim,
        mfa_acr_values=words(row.mfa_acr_values),
        mfa_amr_values=words(row.mfa_amr_values),
    )


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"eiso-sso-client-secret:" + settings.SSO_SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secret_encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None
