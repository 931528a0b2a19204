"""Single sign-on: the sign-in through the province's provider, and the two settings pages.

Who gets in (docs/integration.md, "Single sign-on"):

- on an agency's host, a person whose ID token is valid for eISO's client and whose e-mail
  is verified, if the provider's agency claim names this agency (its code, or its number in
  eISO), or if this agency already has that e-mail as a person (invited or active). A person
  vouched for by the claim and unknown here is added, with the role mapped from the roles
  claim (the agency's mapping) or "Chỉ xem"; the agency's administrator gives roles after.
  Anyone else is refused with a message naming the agency: never an agency the provider
  did not vouch for;
- on the console, provincial people who already have an account there, and no one else;
- a person whose eISO account is linked to another subject of the provider (the e-mail was
  given to someone else there) is refused.

The provider's `acr` / `amr` count as eISO's second factor where the province lists them
(SSO_MFA_*_VALUES); otherwise a person with eISO's two-factor sign-in on still types a code.
Every sign-in and every refusal goes to the audit trail of the host (platform log on the
console, the agency's trail on its host).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import requests
from authlib.integrations.base_client import OAuthError
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from joserfc.errors import JoseError

from integrations.sso import client
from integrations.sso.config import env_managed, provider_config, secret_encrypt, words
from integrations.sso.models import AgencyPolicy, Link, ProviderSettings
from iso_platform.accounts import two_factor
from iso_platform.accounts.identifiers import normalise_email
from iso_platform.accounts.models import AGENCY_ROLES, Role, User
from iso_platform.accounts.security_views import pending_start
from iso_platform.accounts.services import user_create
from iso_platform.accounts.signals import people_changed
from iso_platform.audit import here_record, person_label
from iso_platform.quotas import quota_check

log = logging.getLogger(__name__)

BACKEND = "django.contrib.auth.backends.ModelBackend"
ID_TOKEN_KEY = "eiso_sso_id_token"  # noqa: S105 - a session key: the hint for sign-out
NEXT_KEY = "eiso_sso_next"
ACTION_SIGN_IN = "sso_sign_in"
ACTION_REFUSED = "sso_sign_in_refused"
ACTION_POLICY = "sso_policy_changed"
ACTION_PROVIDER = "sso_provider_changed"

MSG_UNAVAILABLE = gettext_noop(
    "Không kết nối được dịch vụ định danh của tỉnh. Vui lòng thử lại sau hoặc đăng nhập bằng "
    "mật khẩu nếu cơ quan cho phép."
)
MSG_NOT_CONFIGURED = gettext_noop("Đăng nhập bằng tài khoản tỉnh chưa được cấu hình.")
MSG_INVALID = gettext_noop(
    "Không xác minh được kết quả đăng nhập từ dịch vụ định danh của tỉnh (phiên đăng nhập đã "
    "dùng hoặc hết hạn, hoặc mã định danh không hợp lệ). Vui lòng đăng nhập lại."
)
MSG_DENIED = gettext_noop("Dịch vụ định danh của tỉnh không cho phép đăng nhập: %(reason)s")
MSG_NO_EMAIL = gettext_noop(
    "Tài khoản tỉnh không có địa chỉ thư điện tử đã xác minh; không đăng nhập được vào eISO."
)
MSG_NOT_THIS_AGENCY = gettext_noop(
    "Tài khoản tỉnh của bạn không thuộc cơ quan “%(agency)s” và cơ quan này chưa mời địa chỉ "
    "%(email)s. Hãy đăng nhập trên địa chỉ của cơ quan mình, hoặc đề nghị quản trị viên của "
    "“%(agency)s” mời bạn."
)
MSG_NOT_PROVINCE = gettext_noop(
    "Bảng điều khiển cấp tỉnh chỉ dành cho người dùng cấp tỉnh đã có tài khoản; địa chỉ "
    "%(email)s không có tài khoản ở đây."
)
MSG_INACTIVE = gettext_noop("Tài khoản %(email)s đã bị khoá trong “%(agency)s”.")
MSG_OTHER_SUBJECT = gettext_noop(
    "Tài khoản eISO %(email)s đã gắn với một tài khoản tỉnh khác. Hãy liên hệ quản trị viên."
)
MSG_PASSWORDS_OFF = gettext_noop(
    "“%(agency)s” đã tắt đăng nhập bằng mật khẩu: hãy dùng nút “Đăng nhập bằng tài khoản tỉnh”."
)
MSG_OFF_NEEDS_SSO = gettext_noop(
    "Chỉ tắt được đăng nhập bằng mật khẩu khi đăng nhập bằng tài khoản tỉnh đã được cấu hình "
    "và chính bạn đã đăng nhập thành công bằng tài khoản tỉnh ít nhất một lần."
)
MSG_ENV_MANAGED = gettext_noop(
    "Cấu hình đăng nhập một lần đang được đặt bằng biến môi trường của máy chủ; không sửa được "
    "trên bảng điều khiển."
)
MSG_SECRET_REQUIRED = gettext_noop("Cần nhập khoá bí mật (client secret) khi bật lần đầu.")
MSG_ROLE_MAP_LINE = gettext_noop(
    "Dòng %(line)s: viết “giá trị = vai trò”, với vai trò là một trong: %(roles)s."
)


@dataclass
class Outcome:
    """What the callback view shows: a redirect target, or a refusal message (403)."""

    redirect_to: str = ""
    refusal: str = ""
    details: dict = field(default_factory=dict)


class Refused(Exception):
    def __init__(self, message: str, reason: str, *, email: str = "", detail: str = ""):
        super().__init__(message)
        self.message, self.reason, self.email, self.detail = message, reason, email, detail


# ---------------------------------------------------------------------------- the start


def sign_in_start(request, *, redirect_uri: str, next_url: str):
    """The redirect to the provider's authorization page; `client.ProviderUnreachable` or
    `client.WrongIssuer` when the provider cannot be used."""
    config = provider_config()
    if config is None:
        raise Refused(_(MSG_NOT_CONFIGURED), "not_configured")
    app = client.oidc_app(config)
    client.metadata_load(app, config)
    response = app.authorize_redirect(request, redirect_uri)
    client.metadata_keep(app, config)
    request.session[NEXT_KEY] = next_url
    return response


# What can go wrong before the provider's page: unreachable, refused by the address policy,
# a document naming another issuer, an answer that is not a discovery document.
START_FAILURES = (
    client.ProviderUnreachable,
    client.WrongIssuer,
    requests.RequestException,
    ValueError,
)


def sign_in_start_failed(request, exc) -> str:
    """Records why the provider could not be used; the message for the sign-in page."""
    detail = getattr(exc, "detail", "") or f"{type(exc).__name__}: {exc}"
    _record_refusal(request, Refused(_(MSG_UNAVAILABLE), "provider_unreachable", detail=detail))
    return _(MSG_UNAVAILABLE)


# ---------------------------------------------------------------------------- the return


def sign_in_complete(request) -> Outcome:
    """The callback: check what the provider sent, decide, sign in. Never raises for what
    the provider or the visitor sent; refusals are recorded."""
    tenant = request.tenant
    try:
        config = provider_config()
        if config is None:
            raise Refused(_(MSG_NOT_CONFIGURED), "not_configured")
        claims, token = _verified_claims(request, config)
        return _sign_in(request, config, tenant, claims, token)
    except Refused as refusal:
        _record_refusal(request, refusal)
        return Outcome(refusal=refusal.message)


def _verified_claims(request, config) -> tuple[dict, dict]:
    app = client.oidc_app(config)
    try:
        client.metadata_load(app, config)
        options = {
            "iss": {"essential": True, "value": app.server_metadata["issuer"]},
            "aud": {"essential": True, "value": config.client_id},
        }
        token = app.authorize_access_token(
            request, claims_options=options, leeway=client.LEEWAY_SECONDS
        )
        if "userinfo" not in token:  # no ID token: OAuth alone proves no one's identity
            raise Refused(_(MSG_INVALID), "no_id_token")
        claims = dict(token["userinfo"])
        claims = {**_userinfo(app, token, claims["sub"]), **claims}
    except client.ProviderUnreachable as exc:
        raise Refused(_(MSG_UNAVAILABLE), "provider_unreachable", detail=exc.detail) from None
    except OAuthError as exc:
        if exc.error and exc.error != "mismatching_state":
            message = _(MSG_DENIED) % {"reason": exc.description or exc.error}
            raise Refused(message, "provider_error", detail=str(exc)) from None
        raise Refused(_(MSG_INVALID), "state", detail=str(exc)) from None
    except (JoseError, client.WrongIssuer, requests.RequestException, ValueError, KeyError) as exc:
        raise Refused(_(MSG_INVALID), "id_token", detail=f"{type(exc).__name__}: {exc}") from None
    finally:
        client.metadata_keep(app, config)
    return claims, token


def _userinfo(app, token, subject: str) -> dict:
    """The user info endpoint's claims, if the provider has one; only for the same subject
    (OpenID Connect Core 5.3.2: otherwise they may belong to someone else)."""
    if not app.server_metadata.get("userinfo_endpoint"):
        return {}
    info = dict(app.userinfo(token=token))
    return info if info.get("sub") == subject else {}


def _sign_in(request, config, tenant, claims, token) -> Outcome:
    email = _email(claims, config)
    with transaction.atomic():
        user, via = (
            _province_person(email)
            if tenant.is_public
            else _agency_person(tenant, claims, config, email)
        )
        _link(user, config, claims["sub"], email)
        second = _second_factor(claims, config)
        here_record(
            action=ACTION_SIGN_IN,
            subject_type="user",
            subject_id=user.pk,
            subject_label=user.email,
            actor=user,
            changes={
                "via": via,
                "sub": claims["sub"],
                "acr": claims.get("acr", ""),
                "amr": claims.get("amr", []),
                "second_factor": second or "",
            },
            request=request,
        )
    next_url = request.session.pop(NEXT_KEY, "") or "/"
    if not second and two_factor.two_factor_enabled(user):
        user.backend = BACKEND
        pending_start(request, user=user, username=user.email, next_url=next_url)
        request.session[ID_TOKEN_KEY] = token.get("id_token", "")
        return Outcome(redirect_to="accounts:two_factor_code")
    login(request, user, backend=BACKEND)
    if second:
        two_factor.session_mark_verified_by_provider(request.session, evidence=second)
    request.session[ID_TOKEN_KEY] = token.get("id_token", "")
    return Outcome(redirect_to=next_url)


def _email(claims, config) -> str:
    email = normalise_email(str(claims.get(config.email_claim) or ""))
    if not email or claims.get("email_verified") is False:
        raise Refused(_(MSG_NO_EMAIL), "no_email", email=email)
    return email


def claim_values(value) -> list[str]:
    """A claim as a list of strings: a string, a list of them, or nothing."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if isinstance(v, (str, int))]
    return []


def vouches_for(tenant, claims, config) -> bool:
    named = {v.strip().lower() for v in claim_values(claims.get(config.agency_claim))}
    return tenant.code.lower() in named or str(tenant.pk) in named


def _agency_person(tenant, claims, config, email) -> tuple[User, str]:
    user = User.objects.filter(email=email).first()
    vouched = vouches_for(tenant, claims, config)
    if user is not None:
        if not user.is_active:
            raise Refused(
                _(MSG_INACTIVE) % {"email": email, "agency": tenant.name}, "inactive", email=email
            )
        return user, "agency_claim" if vouched else "known_email"
    if not vouched:
        message = _(MSG_NOT_THIS_AGENCY) % {"agency": tenant.name, "email": email}
        raise Refused(
            message,
            "other_agency",
            email=email,
            detail=f"agency claim {claims.get(config.agency_claim)!r}",
        )
    return _person_add(claims, config, email), "agency_claim_new"


def _person_add(claims, config, email) -> User:
    name = str(claims.get(config.name_claim) or "").strip() or email.split("@")[0]
    role = (
        mapped_role(AgencyPolicy.load().role_map, claims.get(config.roles_claim))
        if config.roles_claim
        else Role.READ_ONLY
    )
    try:
        quota_check("users", adding=1)
        user = user_create(email=email, full_name=name[:150], role=role, in_public=False)
    except ValidationError as exc:
        raise Refused(" ".join(exc.messages), "cannot_add", email=email) from None
    people_changed.send(sender=User)
    return user


def mapped_role(role_map: dict, claim) -> str:
    for value in claim_values(claim):
        role = role_map.get(value)
        if role in AGENCY_ROLES:
            return role
    return Role.READ_ONLY


def _province_person(email) -> tuple[User, str]:
    user = User.objects.filter(email=email).first()
    if user is None or not user.is_province_user:
        raise Refused(_(MSG_NOT_PROVINCE) % {"email": email}, "not_province", email=email)
    return user, "province_account"


def _link(user, config, subject: str, email: str) -> None:
    now = timezone.now()
    link = Link.objects.select_for_update().filter(user=user).first()
    if link is not None and (link.issuer, link.subject) != (config.issuer, subject):
        raise Refused(_(MSG_OTHER_SUBJECT) % {"email": email}, "other_subject", email=email)
    if link is None:
        try:
            with transaction.atomic():
                Link.objects.create(user=user, issuer=config.issuer, subject=subject)
        except IntegrityError:  # this subject is already another person's here
            raise Refused(
                _(MSG_OTHER_SUBJECT) % {"email": email}, "subject_taken", email=email
            ) from None
    else:
        Link.objects.filter(pk=link.pk).update(last_at=now)


def _second_factor(claims, config) -> str | None:
    """What the provider said that counts as a second factor here, or None."""
    acr = str(claims.get("acr") or "")
    if acr and acr in config.mfa_acr_values:
        return f"acr={acr}"
    matched = sorted(set(claim_values(claims.get("amr"))) & config.mfa_amr_values)
    return f"amr={','.join(matched)}" if matched else None


def _record_refusal(request, refusal: Refused) -> None:
    log.info("single sign-on refused: %s %s", refusal.reason, refusal.detail)
    with transaction.atomic():
        here_record(
            action=ACTION_REFUSED,
            subject_type="user",
            subject_label=refusal.email,
            actor=None,
            label=refusal.email or "—",
            changes={"reason": refusal.reason, "detail": refusal.detail[:500]},
            request=request,
        )


# ---------------------------------------------------------------------------- sign-out


def sign_out_url(request) -> str | None:
    """The provider's end-session address for this session, or None."""
    id_token = request.session.get(ID_TOKEN_KEY)
    config = provider_config() if id_token else None
    if config is None:
        return None
    app = client.oidc_app(config)
    try:
        client.metadata_load(app, config)
    except (client.ProviderUnreachable, client.WrongIssuer, requests.RequestException, ValueError):
        return None  # the eISO session still ends; the provider's stays
    client.metadata_keep(app, config)
    if not app.server_metadata.get("end_session_endpoint"):
        return None
    after = request.build_absolute_uri("/accounts/login/")
    return app.create_logout_url(post_logout_redirect_uri=after, id_token_hint=id_token)["url"]


# ---------------------------------------------------------------------------- settings


def passwords_refusal(tenant) -> str | None:
    if tenant is None or tenant.is_public or not AgencyPolicy.load().passwords_off:
        return None
    if provider_config() is None:  # single sign-on gone: passwords work again, no lock-out
        return None
    return _(MSG_PASSWORDS_OFF) % {"agency": tenant.name}


def role_map_parse(text: str) -> dict:
    """ "chuyen-vien = staff" lines into {"chuyen-vien": "staff"}; ValidationError names the
    line."""
    mapping = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        value, sep, role = (part.strip() for part in line.partition("="))
        if not sep or not value or role not in AGENCY_ROLES:
            roles = ", ".join(sorted(AGENCY_ROLES))
            raise ValidationError(_(MSG_ROLE_MAP_LINE) % {"line": number, "roles": roles})
        mapping[value] = role
    return mapping


def agency_policy_update(*, actor, passwords_off: bool, role_map: dict, request=None):
    if not getattr(actor, "is_agency_admin", False):
        raise PermissionDenied("agency admin")
    with transaction.atomic():
        policy = AgencyPolicy.objects.select_for_update().filter(pk=1).first() or AgencyPolicy(pk=1)
        if passwords_off and not policy.passwords_off and not _sso_proven(actor):
            raise ValidationError(_(MSG_OFF_NEEDS_SSO), code="needs_sso")
        before = {"passwords_off": policy.passwords_off, "role_map": policy.role_map}
        policy.passwords_off, policy.role_map = passwords_off, role_map
        policy.updated_at = timezone.now()
        policy.save()
        here_record(
            action=ACTION_POLICY,
            subject_type="sso_policy",
            subject_label="sso",
            actor=actor,
            changes={
                "before": before,
                "after": {"passwords_off": passwords_off, "role_map": role_map},
            },
            request=request,
        )
    return policy


def _sso_proven(actor) -> bool:
    return provider_config() is not None and Link.objects.filter(user=actor).exists()


PROVIDER_FIELDS = (
    "enabled",
    "issuer",
    "client_id",
    "scopes",
    "email_claim",
    "agency_claim",
    "name_claim",
    "roles_claim",
    "mfa_acr_values",
    "mfa_amr_values",
)


def provider_settings_update(*, actor, values: dict, secret: str = "", request=None):
    """The console's form; the secret is replaced only when a new one is typed."""
    if env_managed():
        raise ValidationError(_(MSG_ENV_MANAGED), code="env")
    with transaction.atomic():
        row = ProviderSettings.objects.select_for_update().filter(pk=1).first() or ProviderSettings(
            pk=1
        )
        before = {name: getattr(row, name) for name in PROVIDER_FIELDS}
        for name in PROVIDER_FIELDS:
            setattr(row, name, values[name])
        row.mfa_acr_values = " ".join(sorted(words(row.mfa_acr_values)))
        row.mfa_amr_values = " ".join(sorted(words(row.mfa_amr_values)))
        if secret:
            row.client_secret_encrypted = secret_encrypt(secret)
        if row.enabled and not row.client_secret_encrypted:
            raise ValidationError({"client_secret": _(MSG_SECRET_REQUIRED)})
        row.updated_at, row.updated_by = timezone.now(), person_label(actor)[:254]
        row.full_clean(exclude=["client_secret_encrypted"])
        row.save()
        after = {name: getattr(row, name) for name in PROVIDER_FIELDS}
        here_record(
            action=ACTION_PROVIDER,
            subject_type="sso_provider",
            subject_label=row.issuer,
            actor=actor,
            changes={"before": before, "after": after, "secret_changed": bool(secret)},
            request=request,
        )
    return row
