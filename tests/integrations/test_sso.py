"""Single sign-on through a real OpenID Connect provider (django-oidc-provider, started by the
`oidc_provider` fixture on 127.0.0.1). eISO's side is Django's test client; the provider's
pages (its login form, its redirects) are followed over HTTP as a browser would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django_tenants.utils import schema_context

from eiso.testing.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    provider_get,
    provider_sign_in,
)
from eiso.testing.two_factor import totp_device
from integrations.sso import services
from integrations.sso.config import provider_config
from integrations.sso.models import AgencyPolicy, Link, ProviderSettings
from iso_platform.accounts.models import Role, User
from quality.core.models import AuditEvent
from quality.core.team.services import person_invite
from tenants.models import PlatformAuditEvent


@pytest.fixture
def sso(settings, oidc_provider):
    settings.SSO_ISSUER = oidc_provider.url
    settings.SSO_CLIENT_ID = CLIENT_ID
    settings.SSO_CLIENT_SECRET = CLIENT_SECRET
    settings.SSO_MFA_AMR_VALUES = "mfa otp hwk"
    settings.SSO_MFA_ACR_VALUES = ""
    settings.OUTBOUND_ALLOWED_HOSTS = (f"127.0.0.1:{oidc_provider.port}",)
    return oidc_provider


def sign_in(client, provider, email, *, host="alpha.localhost", next_url=""):
    """Press the button on `host`, sign in at the provider, come back: the callback's answer."""
    start = client.get("/accounts/sso/start/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start
    back = provider_sign_in(start["Location"], username=email)
    parts = urlsplit(back)
    assert parts.hostname == host, back
    return client.get(f"{parts.path}?{parts.query}")


def signed_in_as(client, agency):
    with schema_context(agency.schema_name):
        response = client.get("/api/v1/me/") if not agency.is_public else None
    return (
        response.json()["email"] if response is not None and response.status_code == 200 else None
    )


def trail(agency, action):
    with schema_context(agency.schema_name):
        return list(AuditEvent.objects.filter(action=action).order_by("at"))


# ---------------------------------------------------------------------------- sign-in


def test_the_button_signs_a_person_of_the_agency_in_end_to_end(world, client_for, sso):
    sso.person_add("moi@alpha.test", name="Người Mới Alpha", agency="alpha", amr=["pwd"])
    client = client_for(world.agency_a)
    page = client.get("/accounts/login/")
    assert "Đăng nhập bằng tài khoản tỉnh" in page.content.decode()

    answer = sign_in(client, sso, "moi@alpha.test")

    assert answer.status_code == 302 and answer["Location"] == "/"
    assert signed_in_as(client, world.agency_a) == "moi@alpha.test"
    with schema_context(world.agency_a.schema_name):
        person = User.objects.get(email="moi@alpha.test")
        assert (person.full_name, person.role) == ("Người Mới Alpha", Role.READ_ONLY)
        assert not person.has_usable_password()
        assert Link.objects.get(user=person).issuer == sso.url
    [row] = trail(world.agency_a, services.ACTION_SIGN_IN)
    assert row.changes["via"] == "agency_claim_new" and row.actor_id == person.pk
    assert trail(world.agency_a, "sign_in")


def test_a_person_of_another_agency_is_refused_with_this_agencys_name(world, client_for, sso):
    sso.person_add("nguoi@alpha.test", agency="alpha")
    client = client_for(world.agency_b)

    answer = sign_in(client, sso, "nguoi@alpha.test", host="beta.localhost")

    assert answer.status_code == 403
    assert "không thuộc cơ quan “Sở Beta”" in answer.content.decode()
    assert signed_in_as(client, world.agency_b) is None
    with schema_context(world.agency_b.schema_name):
        assert not User.objects.filter(email="nguoi@alpha.test").exists()
    [row] = trail(world.agency_b, services.ACTION_REFUSED)
    assert row.changes["reason"] == "other_agency" and row.subject_label == "nguoi@alpha.test"


def test_an_invited_email_without_the_agency_claim_is_accepted(world, client_for, sso):
    with schema_context(world.agency_a.schema_name):
        person_invite(
            actor=world.owner_a, email="moi-moi@alpha.test", full_name="Được Mời", role=Role.STAFF
        )
    sso.person_add("moi-moi@alpha.test")  # no agency claim at all
    client = client_for(world.agency_a)

    answer = sign_in(client, sso, "moi-moi@alpha.test")

    assert answer.status_code == 302
    assert signed_in_as(client, world.agency_a) == "moi-moi@alpha.test"
    [row] = trail(world.agency_a, services.ACTION_SIGN_IN)
    assert row.changes["via"] == "known_email"
    with schema_context(world.agency_a.schema_name):
        assert User.objects.get(email="moi-moi@alpha.test").role == Role.STAFF  # eISO's role


def test_roles_claim_maps_to_an_agency_role_for_new_people(world, client_for, sso, settings):
    settings.SSO_ROLES_CLAIM = "roles"
    sso.person_add("thuky@alpha.test", agency=["alpha"], roles=["thu-ky-iso"])
    with schema_context(world.agency_a.schema_name):
        AgencyPolicy.objects.create(pk=1, role_map={"thu-ky-iso": Role.ISO_SECRETARY})
    client = client_for(world.agency_a)

    assert sign_in(client, sso, "thuky@alpha.test").status_code == 302
    with schema_context(world.agency_a.schema_name):
        assert User.objects.get(email="thuky@alpha.test").role == Role.ISO_SECRETARY


@pytest.mark.parametrize("client_id", [f"{CLIENT_ID}-wrong-aud", f"{CLIENT_ID}-expired"])
def test_an_id_token_for_another_audience_or_expired_is_refused(
    world, client_for, sso, settings, client_id
):
    settings.SSO_CLIENT_ID = client_id  # the provider is configured to misbehave for it
    sso.person_add("han@alpha.test", agency="alpha")
    client = client_for(world.agency_a)

    answer = sign_in(client, sso, "han@alpha.test")

    assert answer.status_code == 403
    assert "Không xác minh được kết quả đăng nhập" in answer.content.decode()
    assert signed_in_as(client, world.agency_a) is None
    [row] = trail(world.agency_a, services.ACTION_REFUSED)
    assert row.changes["reason"] == "id_token"
    expected = "aud" if client_id.endswith("aud") else "ExpiredToken"
    assert expected in row.changes["detail"]


def test_a_replayed_state_is_refused(world, client_for, sso):
    sso.person_add("lap@alpha.test", agency="alpha")
    client = client_for(world.agency_a)
    start = client.get("/accounts/sso/start/")
    back = urlsplit(provider_sign_in(start["Location"], username="lap@alpha.test"))
    callback = f"{back.path}?{back.query}"
    assert client.get(callback).status_code == 302

    again = client_for(world.agency_a).get(callback)  # another browser, the same answer
    replayed = client.get(callback)  # the same browser, once more

    assert again.status_code == replayed.status_code == 403
    reasons = [r.changes["reason"] for r in trail(world.agency_a, services.ACTION_REFUSED)]
    assert reasons == ["state", "state"]


def test_a_callback_started_on_another_agency_is_refused(world, client_for, sso):
    """The state lives in the session of the host that started: agency A's answer is
    nothing on agency B's host, even for the same browser."""
    sso.person_add("chuyen@alpha.test", agency=["alpha", "beta"])
    start = client_for(world.agency_a).get("/accounts/sso/start/")
    back = urlsplit(provider_sign_in(start["Location"], username="chuyen@alpha.test"))
    on_b = client_for(world.agency_b)

    answer = on_b.get(f"{back.path}?{back.query}")

    assert answer.status_code == 403
    assert signed_in_as(on_b, world.agency_b) is None


def test_provider_down_gives_a_message_and_passwords_still_work(
    world, client_for, sso, settings, password
):
    settings.SSO_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.OUTBOUND_ALLOWED_HOSTS = ("127.0.0.1:9",)
    client = client_for(world.agency_a)

    answer = client.get("/accounts/sso/start/", follow=True)

    assert answer.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "Không kết nối được dịch vụ định danh của tỉnh" in answer.content.decode()
    [row] = trail(world.agency_a, services.ACTION_REFUSED)
    assert row.changes["reason"] == "provider_unreachable"
    signed = client.post(
        "/accounts/login/", {"username": world.member_a.email, "password": password}
    )
    assert signed.status_code == 302
    assert signed_in_as(client, world.agency_a) == world.member_a.email


# ---------------------------------------------------------------------------- second factor


def test_an_amr_the_province_lists_satisfies_two_factor(world, client_for, sso):
    totp_device(world.member_a, schema=world.agency_a.schema_name)
    sso.person_add(world.member_a.email, agency="alpha", amr=["pwd", "otp"])
    client = client_for(world.agency_a)

    answer = sign_in(client, sso, world.member_a.email)

    assert answer["Location"] == "/"
    assert signed_in_as(client, world.agency_a) == world.member_a.email
    [row] = trail(world.agency_a, services.ACTION_SIGN_IN)
    assert row.changes["second_factor"] == "amr=otp"


def test_without_a_listed_amr_eisos_code_is_still_asked(world, client_for, sso):
    totp_device(world.member_a, schema=world.agency_a.schema_name)
    sso.person_add(world.member_a.email, agency="alpha", amr=["pwd"])
    client = client_for(world.agency_a)

    answer = sign_in(client, sso, world.member_a.email)

    assert answer["Location"] == "/accounts/login/code/"
    assert signed_in_as(client, world.agency_a) is None


def test_a_province_admin_with_provider_mfa_passes_the_consoles_two_factor(
    world, client_for, sso, settings
):
    settings.SSO_MFA_ACR_VALUES = "urn:tinh:loa:3"
    sso.person_add(world.province_admin.email, acr="urn:tinh:loa:3")
    client = client_for("localhost")

    answer = sign_in(client, sso, world.province_admin.email, host="localhost")

    assert answer.status_code == 302
    assert client.get("/agencies/").status_code == 200  # no enrolment or code step
    row = PlatformAuditEvent.objects.filter(action=services.ACTION_SIGN_IN).get()
    assert row.changes["second_factor"] == "acr=urn:tinh:loa:3"


def test_the_console_refuses_people_who_are_not_provincial(world, client_for, sso):
    sso.person_add("khach@alpha.test", agency="alpha")
    answer = sign_in(client_for("localhost"), sso, "khach@alpha.test", host="localhost")
    assert answer.status_code == 403
    assert "Bảng điều khiển cấp tỉnh chỉ dành cho người dùng cấp tỉnh" in answer.content.decode()
    with schema_context("public"):
        assert not User.objects.filter(email="khach@alpha.test").exists()


# ---------------------------------------------------------------------------- local passwords


def test_local_passwords_off_after_the_admin_used_single_sign_on(world, client_for, sso, password):
    sso.person_add(world.owner_a.email, agency="alpha")
    admin = client_for(world.agency_a)
    refused = client_for(world.agency_a, world.owner_a).post(
        "/accounts/sso/settings/", {"passwords_off": "on", "role_map": ""}
    )
    assert refused.status_code == 400
    assert "chính bạn đã đăng nhập thành công bằng tài khoản tỉnh" in refused.content.decode()
    with schema_context(world.agency_a.schema_name):
        assert not AgencyPolicy.load().passwords_off

    assert sign_in(admin, sso, world.owner_a.email).status_code == 302
    saved = admin.post("/accounts/sso/settings/", {"passwords_off": "on", "role_map": ""})
    assert saved.status_code == 302

    by_password = client_for(world.agency_a).post(
        "/accounts/login/", {"username": world.member_a.email, "password": password}
    )
    assert by_password.status_code == 200
    assert "đã tắt đăng nhập bằng mật khẩu" in by_password.content.decode()
    other = client_for(world.agency_b).post(
        "/accounts/login/", {"username": world.user_b.email, "password": password}
    )
    assert other.status_code == 302  # agency B keeps its passwords
    assert trail(world.agency_a, services.ACTION_POLICY)


def test_with_passwords_off_an_invitation_link_leads_to_single_sign_on(
    world, client_for, sso, password
):
    with schema_context(world.agency_a.schema_name):
        issued = person_invite(
            actor=world.owner_a,
            email="khongmk@alpha.test",
            full_name="Không Mật Khẩu",
            role="staff",
        )
        AgencyPolicy.objects.update_or_create(pk=1, defaults={"passwords_off": True})
    client = client_for(world.agency_a)

    opened = client.get(issued.path())
    chosen = client.post(
        issued.path(), {"new_password1": password, "new_password2": password}, follow=True
    )

    assert opened.status_code == 302 and opened["Location"] == "/accounts/login/"
    assert "đã tắt đăng nhập bằng mật khẩu" in chosen.content.decode()
    assert "Đăng nhập bằng tài khoản tỉnh" in chosen.content.decode()
    with schema_context(world.agency_a.schema_name):
        person = User.objects.get(email="khongmk@alpha.test")
        assert not person.has_usable_password()
    assert signed_in_as(client, world.agency_a) is None
    # the invitation is still good for the province account
    sso.person_add("khongmk@alpha.test")
    assert sign_in(client, sso, "khongmk@alpha.test").status_code == 302
    assert signed_in_as(client, world.agency_a) == "khongmk@alpha.test"


def test_the_policy_page_is_for_this_agencys_administrators_only(world, client_for, sso):
    assert (
        client_for(world.agency_a, world.member_a).get("/accounts/sso/settings/").status_code == 403
    )
    # Agency B's administrator has no session on A's host: sent to sign in there.
    b_admin = client_for(world.agency_b, world.user_b)
    b_admin.defaults["HTTP_HOST"] = world.agency_a.host
    answer = b_admin.post("/accounts/sso/settings/", {"passwords_off": "on"})
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    with schema_context(world.agency_a.schema_name):
        assert not AgencyPolicy.objects.exists()
    assert (
        client_for(world.agency_b, world.user_b).get("/accounts/sso/settings/").status_code == 200
    )
    # the agency's administrators find the page in the settings menu; others do not see it
    assert (
        'href="/accounts/sso/settings/"'
        in client_for(world.agency_a, world.owner_a).get("/").content.decode()
    )
    assert (
        'href="/accounts/sso/settings/"'
        not in client_for(world.agency_a, world.member_a).get("/").content.decode()
    )


# ---------------------------------------------------------------------------- sign-out


def test_sign_out_ends_the_session_and_goes_to_the_providers_sign_out(world, client_for, sso):
    sso.person_add("ra@alpha.test", agency="alpha")
    client = client_for(world.agency_a)
    sign_in(client, sso, "ra@alpha.test")

    answer = client.post("/accounts/logout/")

    assert signed_in_as(client, world.agency_a) is None
    target = urlsplit(answer["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{sso.url}/end-session"
    query = parse_qs(target.query)
    assert query["post_logout_redirect_uri"] == ["http://alpha.localhost/accounts/login/"]
    assert query["id_token_hint"][0].count(".") == 2
    # The provider accepts the hint and sends the browser back to the agency's sign-in page.
    back = provider_get(answer["Location"])
    assert back.status_code == 302
    assert back.headers["Location"].startswith("http://alpha.localhost/accounts/login/")


def test_a_password_session_signs_out_without_the_provider(world, client_for, sso):
    answer = client_for(world.agency_a, world.member_a).post("/accounts/logout/")
    assert answer.status_code == 302 and sso.url not in answer["Location"]


# ---------------------------------------------------------------------------- configuration


def test_the_console_stores_the_secret_encrypted_and_env_wins(world, client_for, settings):
    settings.SSO_ISSUER = None
    admin = client_for("localhost", world.province_admin)
    form = {
        "enabled": "on",
        "issuer": "https://id.tinh.example/realm",
        "client_id": "eiso-console",
        "client_secret": "bi-mat-cua-tinh",
        "scopes": "openid email profile",
        "email_claim": "email",
        "agency_claim": "ma_co_quan",
        "name_claim": "name",
        "roles_claim": "",
        "mfa_acr_values": "",
        "mfa_amr_values": "otp, mfa",
    }
    assert admin.post("/accounts/sso/provider/", form).status_code == 302
    row = ProviderSettings.objects.get()
    assert "bi-mat-cua-tinh" not in row.client_secret_encrypted
    config = provider_config()
    assert (config.source, config.client_secret, config.agency_claim) == (
        "console",
        "bi-mat-cua-tinh",
        "ma_co_quan",
    )
    assert config.mfa_amr_values == {"otp", "mfa"}
    assert PlatformAuditEvent.objects.filter(action=services.ACTION_PROVIDER).exists()

    settings.SSO_ISSUER, settings.SSO_CLIENT_ID = "https://id.env.example", "eiso-env"
    page = admin.get("/accounts/sso/provider/")
    assert (
        "chỉ để xem" in page.content.decode() and "https://id.env.example" in page.content.decode()
    )
    assert admin.post("/accounts/sso/provider/", form).status_code == 400
    assert provider_config().source == "env"


def test_only_the_provincial_administrator_configures_the_provider(world, client_for):
    assert client_for("localhost", world.analyst).get("/accounts/sso/provider/").status_code == 403
    agency = client_for(world.agency_a, world.owner_a)
    assert agency.get("/accounts/sso/provider/").status_code == 404
    console = client_for("localhost", world.province_admin).get("/agencies/").content.decode()
    assert 'href="/accounts/sso/provider/"' in console
