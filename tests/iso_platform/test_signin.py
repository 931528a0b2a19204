"""Sign-in: each person on their own host only; host-only cookies; lockout."""

from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from iso_platform.accounts.models import User


def _sign_in(host, email, password):
    client = Client(HTTP_HOST=host)
    response = client.post("/accounts/login/", {"username": email, "password": password})
    return client, response


def test_agency_user_signs_in_on_their_own_subdomain(world, password):
    client, response = _sign_in("alpha.localhost", world.owner_a.email, password)
    assert response.status_code == 302
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Chủ Alpha" in dashboard.content.decode()


def test_agency_user_cannot_sign_in_on_another_agency(world, password):
    _client, response = _sign_in("beta.localhost", world.owner_a.email, password)
    assert response.status_code == 200
    assert "không đúng" in response.content.decode()


def test_agency_user_cannot_sign_in_on_the_console(world, password):
    _client, response = _sign_in("localhost", world.owner_a.email, password)
    assert response.status_code == 200
    assert "không đúng" in response.content.decode()


def test_provincial_admin_signs_in_on_the_bare_domain_only(world, password):
    _client, ok = _sign_in("localhost", world.province_admin.email, password)
    assert ok.status_code == 302
    _client, refused = _sign_in("alpha.localhost", world.province_admin.email, password)
    assert refused.status_code == 200


def test_a_session_from_agency_a_is_worthless_on_agency_b(world, password):
    client_a, _ = _sign_in("alpha.localhost", world.owner_a.email, password)
    stolen = client_a.cookies[settings.SESSION_COOKIE_NAME].value
    client_b = Client(HTTP_HOST="beta.localhost")
    client_b.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = client_b.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    api = client_b.get("/api/v1/me/")
    assert api.status_code in (401, 403)


def test_session_cookie_is_host_only(world, password):
    client, _ = _sign_in("alpha.localhost", world.owner_a.email, password)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["domain"] == ""
    assert cookie["httponly"]


def test_repeated_failures_lock_the_account_out(world, password):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in("alpha.localhost", world.member_a.email, "sai-mat-khau")
    _client, response = _sign_in("alpha.localhost", world.member_a.email, password)
    assert response.status_code == 429
    assert "tạm thời bị khoá" in response.content.decode()


def test_lockout_on_agency_a_does_not_lock_the_same_email_elsewhere(world, password):
    with schema_context(world.agency_b.schema_name):
        User.objects.create_user(
            world.member_a.email, password, full_name="Trùng Tên", role="staff"
        )
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in("alpha.localhost", world.member_a.email, "sai-mat-khau")
    _client, response = _sign_in("beta.localhost", world.member_a.email, password)
    assert response.status_code == 302


def test_invitation_link_sets_a_password_once(world, client_for):
    from iso_platform.accounts.services import invitation_for, user_create

    with schema_context(world.agency_a.schema_name):
        invited = user_create(
            email="moi@alpha.test", full_name="Người Mới", role="staff", in_public=False
        )
        link = invitation_for(invited).path()
    client = Client(HTTP_HOST="alpha.localhost")
    form_page = client.get(link)
    assert form_page.status_code == 200
    new_password = "mot-mat-khau-rat-dai-2026"
    done = client.post(link, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    again = Client(HTTP_HOST="alpha.localhost").get(link, follow=True)
    assert again.status_code == 410
    assert "không còn hiệu lực" in again.content.decode()


def test_language_switch_to_english(world):
    client = Client(HTTP_HOST="alpha.localhost")
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert 'lang="en"' in page.content.decode()


def test_passwords_are_argon2_and_old_pbkdf2_hashes_are_upgraded_at_sign_in(world, settings):
    """The suite hashes with MD5 for speed; this test uses the configured hashers."""
    from django.contrib.auth.hashers import make_password

    import eiso.settings as configured

    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS
    assert make_password("mot-mat-khau-rat-dai-2026").startswith("argon2$argon2id$")
    with schema_context(world.agency_a.schema_name):
        user = User.objects.get(pk=world.owner_a.pk)
        user.password = make_password("mat-khau-cu-2024-dai", hasher="pbkdf2_sha256")
        user.save(update_fields=["password"])
        assert not user.check_password("sai-mat-khau-2024")
        assert user.check_password("mat-khau-cu-2024-dai")
        assert User.objects.get(pk=user.pk).password.startswith("argon2$")  # upgraded, saved
