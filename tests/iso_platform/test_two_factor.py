"""Two-factor sign-in: required for provincial administrators, available to everyone."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from eiso.testing.two_factor import totp_code, totp_device
from iso_platform.accounts import two_factor
from iso_platform.accounts.services import api_token_create
from iso_platform.accounts.signals import SecurityAction, security_event

CODE_STEP = "/accounts/login/code/"
SHOWN_CODE_RE = re.compile(r'user-select-all">([a-z2-7]{4}-[a-z2-7]{4})<')
SETUP = "/accounts/security/two-factor/"
OFF = "/accounts/security/two-factor/off/"


def _password_step(host, email, password, next_url=None):
    client = Client(HTTP_HOST=host)
    data = {"username": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client, client.post("/accounts/login/", data)


@pytest.fixture
def events():
    seen = []

    def receiver(sender, user, action, request=None, **kwargs):
        seen.append((user.email, action))

    security_event.connect(receiver, dispatch_uid="test-events")
    yield seen
    security_event.disconnect(dispatch_uid="test-events")


def _with_recovery_codes(user, schema):
    with schema_context(schema):
        return two_factor._recovery_codes_issue(user=user)


# --------------------------------------------------------------------------- sign-in


def test_with_two_factor_on_the_password_alone_does_not_sign_in(world, password):
    device = totp_device(world.member_a, schema=world.agency_a.schema_name)
    client, response = _password_step("alpha.localhost", world.member_a.email, password)
    assert response.status_code == 302 and response["Location"] == CODE_STEP
    assert "/accounts/login/" in client.get("/")["Location"]  # not signed in yet
    with schema_context(world.agency_a.schema_name):
        done = client.post(CODE_STEP, {"code": totp_code(device)})
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get("/").status_code == 200


def test_without_two_factor_agency_staff_sign_in_with_the_password(world, password):
    client, response = _password_step("alpha.localhost", world.member_a.email, password)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_code_step_keeps_where_the_person_was_going(world, password):
    device = totp_device(world.member_a, schema=world.agency_a.schema_name)
    client, _ = _password_step(
        "alpha.localhost", world.member_a.email, password, next_url="/documents/"
    )
    done = client.post(CODE_STEP, {"code": totp_code(device)})
    assert done["Location"] == "/documents/"


def test_a_wrong_code_is_refused_in_vietnamese_and_counts_as_a_failed_sign_in(world, password):
    totp_device(world.member_a, schema=world.agency_a.schema_name)
    client, _ = _password_step("alpha.localhost", world.member_a.email, password)
    response = client.post(CODE_STEP, {"code": "000000"})
    assert response.status_code == 400
    assert "Mã xác thực không đúng" in response.content.decode()
    with schema_context(world.agency_a.schema_name):
        attempt = AccessAttempt.objects.get(username=world.member_a.email)
    assert attempt.failures_since_start == 1
    assert "/accounts/login/" in client.get("/")["Location"]


def test_repeated_wrong_codes_lock_the_sign_in(world, password):
    device = totp_device(world.member_a, schema=world.agency_a.schema_name)
    client, _ = _password_step("alpha.localhost", world.member_a.email, password)
    statuses = [
        client.post(CODE_STEP, {"code": f"{n:06d}"}).status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    with schema_context(world.agency_a.schema_name):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    locked = client.post(CODE_STEP, {"code": totp_code(device)})  # even the right code
    assert locked.status_code == 429
    assert "tạm thời bị khoá" in locked.content.decode()
    _again, password_again = _password_step("alpha.localhost", world.member_a.email, password)
    assert password_again.status_code == 429


def test_the_account_is_locked_whatever_the_address(world, password):
    """Per account as well as per address (AXES_LOCKOUT_PARAMETERS): axes must find the
    username in the credentials, which the form calls "username", not "email"."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR=f"203.0.113.{n + 1}").post(
            "/accounts/login/", {"username": world.member_a.email, "password": "sai-mat-khau"}
        )
    elsewhere = Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="198.51.100.50").post(
        "/accounts/login/", {"username": world.member_a.email, "password": password}
    )
    assert elsewhere.status_code == 429


def test_the_device_slows_down_guessing_between_wrong_codes(world, password):
    device = totp_device(world.member_a, schema=world.agency_a.schema_name)
    client, _ = _password_step("alpha.localhost", world.member_a.email, password)
    client.post(CODE_STEP, {"code": "000000"})
    response = client.post(CODE_STEP, {"code": totp_code(device)})  # within a second
    assert response.status_code == 400
    assert "đợi vài giây" in response.content.decode()


def test_a_recovery_code_signs_in_once(world, password, events):
    schema = world.agency_a.schema_name
    totp_device(world.member_a, schema=schema)
    codes = _with_recovery_codes(world.member_a, schema)
    client, _ = _password_step("alpha.localhost", world.member_a.email, password)
    typed = f"{codes[0][:4].upper()}-{codes[0][4:].upper()}"  # as printed, in capitals
    assert client.post(CODE_STEP, {"code": typed}).status_code == 302
    assert (world.member_a.email, SecurityAction.RECOVERY_CODE_USED) in events
    with schema_context(schema):
        assert StaticToken.objects.filter(device__user=world.member_a).count() == 9
    again, _ = _password_step("alpha.localhost", world.member_a.email, password)
    assert again.post(CODE_STEP, {"code": codes[0]}).status_code == 400


def test_the_code_step_without_a_password_goes_back_to_sign_in(world):
    response = Client(HTTP_HOST="alpha.localhost").post(CODE_STEP, {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_an_invitation_link_does_not_sign_in_a_person_with_two_factor(world):
    from iso_platform.accounts.services import invitation_for, user_create

    schema = world.agency_a.schema_name
    with schema_context(schema):
        invited = user_create(
            email="moi@alpha.test", full_name="Người Mới", role="staff", in_public=False
        )
        link = invitation_for(invited).path()
    totp_device(invited, schema=schema)
    client = Client(HTTP_HOST="alpha.localhost")
    new = "mot-cau-rat-dai-de-nho-2026"
    response = client.post(link, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "/accounts/login/" in client.get("/")["Location"]


# --------------------------------------------------------------------------- provincial admins


def test_a_provincial_administrator_must_enrol_before_any_console_page(world, password):
    client, response = _password_step("localhost", world.province_admin.email, password)
    assert response.status_code == 302
    for path in ("/", "/agencies/", "/billing/", "/accounts/security/"):
        refused = client.get(path)
        assert refused.status_code == 302, path
        assert refused["Location"].startswith(SETUP + "?next="), path
    api = client.get("/api/v1/agencies/")
    assert api.status_code == 403
    assert "xác thực hai bước" in api.json()["detail"]


def test_enrolment_shows_a_qr_code_confirms_a_code_and_shows_recovery_codes_once(
    world, password, events
):
    client, _ = _password_step("localhost", world.province_admin.email, password)
    page = client.get(SETUP + "?next=/agencies/")
    body = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert 'src="data:image/svg+xml' in body
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)  # no inline script
    assert not re.search(r"\son[a-z]+=", body)  # no inline event handler
    device = TOTPDevice.objects.get(user=world.province_admin, confirmed=False)
    assert device.config_url  # the library's own URL works for this device
    assert two_factor.totp_secret(device) in body

    wrong = client.post(SETUP + "?next=/agencies/", {"code": "000000", "next": "/agencies/"})
    assert wrong.status_code == 400 and "Mã xác thực không đúng" in wrong.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)

    done = client.post(SETUP, {"code": totp_code(device), "next": "/agencies/"})
    shown = SHOWN_CODE_RE.findall(done.content.decode())
    assert done.status_code == 200 and len(shown) == 10
    assert 'href="/agencies/"' in done.content.decode()
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    stored = set(
        StaticToken.objects.filter(device__user=world.province_admin).values_list(
            "token", flat=True
        )
    )
    assert stored == {code.replace("-", "") for code in shown}
    assert client.get("/agencies/").status_code == 200
    assert client.get(SETUP).status_code == 302  # enrolled: never shown again
    assert (world.province_admin.email, SecurityAction.TWO_FACTOR_ENABLED) in events

    # The next sign-in asks for the code.
    again, response = _password_step("localhost", world.province_admin.email, password)
    assert response["Location"] == CODE_STEP
    assert again.post(CODE_STEP, {"code": totp_code(device, steps_ahead=1)}).status_code == 302
    assert again.get("/agencies/").status_code == 200


def test_an_administrator_session_that_skipped_the_code_step_is_sent_to_it(world):
    device = totp_device(world.province_admin)
    client = Client(HTTP_HOST="localhost")
    client.force_login(world.province_admin, backend="django.contrib.auth.backends.ModelBackend")
    refused = client.get("/agencies/")
    assert refused.status_code == 302
    assert refused["Location"] == CODE_STEP + "?next=%2Fagencies%2F"
    done = client.post(refused["Location"], {"code": totp_code(device)})
    assert done.status_code == 302 and done["Location"] == "/agencies/"
    assert client.get("/agencies/").status_code == 200


def test_api_tokens_are_not_affected(world):
    _token, raw = api_token_create(user=world.province_admin, name="ci")
    response = Client(HTTP_HOST="localhost").get(
        "/api/v1/agencies/", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 200


def test_the_analyst_is_not_forced_to_enrol(world, password):
    client, _ = _password_step("localhost", world.analyst.email, password)
    assert client.get("/agencies/").status_code == 200


def test_a_provincial_administrator_cannot_turn_two_factor_off(world, client_for):
    device = totp_device(world.province_admin)
    client = client_for("localhost", world.province_admin)
    page = client.get("/accounts/security/").content.decode()
    assert "bắt buộc" in page and OFF not in page  # no button to a step that is refused
    assert client.get(OFF).status_code == 403
    assert client.post(OFF, {"code": totp_code(device)}).status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


# --------------------------------------------------------------------------- the security page


def test_everyone_has_the_account_security_page(world, client_for):
    page = client_for(world.agency_a, world.member_a).get("/accounts/security/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Bảo mật tài khoản" in body and "Bật xác thực hai bước" in body


def test_the_enrolment_page_does_not_offer_recovery_codes_before_there_are_any(world, client_for):
    page = client_for(world.agency_a, world.member_a).get(SETUP).content.decode()
    assert "Xác nhận và bật" in page and "6 chữ số" in page
    assert "mã dự phòng" not in page


def test_agency_staff_turn_two_factor_on_and_off_with_a_current_code(world, client_for, events):
    schema = world.agency_a.schema_name
    client = client_for(world.agency_a, world.member_a)
    assert client.get(SETUP).status_code == 200
    with schema_context(schema):
        device = TOTPDevice.objects.get(user=world.member_a, confirmed=False)
    assert client.post(SETUP, {"code": totp_code(device)}).status_code == 200
    with schema_context(schema):
        assert two_factor.two_factor_enabled(world.member_a)

    assert f'href="{OFF}"' in client.get("/accounts/security/").content.decode()
    confirm = client.get(OFF)
    assert (
        confirm.status_code == 200 and "Xác nhận tắt xác thực hai bước" in confirm.content.decode()
    )
    with schema_context(schema):
        assert two_factor.two_factor_enabled(world.member_a)  # asking changes nothing
    refused = client.post(OFF, {"code": "000000"})
    assert refused.status_code == 400
    with schema_context(schema):
        assert two_factor.two_factor_enabled(world.member_a)
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    code = totp_code(device, steps_ahead=1)
    done = client.post(OFF, {"code": code})
    assert done.status_code == 302
    with schema_context(schema):
        assert not TOTPDevice.objects.filter(user=world.member_a).exists()
        assert not StaticDevice.objects.filter(user=world.member_a).exists()
    assert [a for _e, a in events if a.startswith("two_factor.")] == [
        SecurityAction.TWO_FACTOR_ENABLED,
        SecurityAction.TWO_FACTOR_DISABLED,
    ]


def test_new_recovery_codes_replace_the_old_ones(world, client_for):
    schema = world.agency_a.schema_name
    device = totp_device(world.member_a, schema=schema)
    old = _with_recovery_codes(world.member_a, schema)
    client = client_for(world.agency_a, world.member_a)
    page = client.post("/accounts/security/", {"action": "regenerate", "code": totp_code(device)})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    shown = SHOWN_CODE_RE.findall(page.content.decode())
    with schema_context(schema):
        stored = set(
            StaticToken.objects.filter(device__user=world.member_a).values_list("token", flat=True)
        )
    assert stored == {code.replace("-", "") for code in shown} and len(stored) == 10
    assert not stored & set(old)


def test_devices_live_in_the_schema_of_the_person(world):
    totp_device(world.member_a, schema=world.agency_a.schema_name)
    with schema_context(world.agency_b.schema_name):
        assert not TOTPDevice.objects.exists()
    assert not TOTPDevice.objects.filter(user_id=world.member_a.pk).exists()  # public schema


def test_the_reset_command_removes_the_devices(world):
    from django.core.management import call_command

    totp_device(world.province_admin)
    _with_recovery_codes(world.province_admin, "public")
    call_command("two_factor_reset", email=world.province_admin.email)
    assert not TOTPDevice.objects.filter(user=world.province_admin).exists()
    assert not StaticDevice.objects.filter(user=world.province_admin).exists()
