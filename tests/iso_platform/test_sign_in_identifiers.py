"""One spelling of the sign-in address everywhere: the lockout cannot be walked around by
typing the address differently (case, spaces, Unicode look-alikes), and every place that
stores or looks up an address agrees with the sign-in."""

from __future__ import annotations

import io

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from eiso.testing.two_factor import totp_device
from iso_platform.accounts.identifiers import normalise_email
from iso_platform.accounts.models import ApiToken, User
from iso_platform.accounts.services import user_create
from quality.core.team import services as team

HOST = "alpha.localhost"
EMAIL = "thuky@ttphvhcc.test"
SPELLINGS = [
    "THUKY@TTPHVHCC.TEST",
    "Thuky@TtPhVhcc.Test",
    "  thuky@ttphvhcc.test  ",
    "\u00a0thuky@ttphvhcc.test\t",  # a non-breaking space pasted from a document
    "thu\u212ay@ttphvhcc.test",  # the Kelvin sign, which e-mail validation lets through
    "ｔｈｕｋｙ＠ｔｔｐｈｖｈｃｃ．ｔｅｓｔ",  # full-width, as typed with some Vietnamese keyboards
]


@pytest.fixture
def secretary(world, password):
    with schema_context(world.agency_a.schema_name):
        return User.objects.create_user(EMAIL, password, full_name="Thư Ký", role="iso_secretary")


def _post(address: str, username: str, password: str):
    client = Client(HTTP_HOST=HOST, REMOTE_ADDR=address)
    return client, client.post("/accounts/login/", {"username": username, "password": password})


def _lock(username=EMAIL, address="10.0.0.1"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post(address, username, "sai-mat-khau")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_locked_account_stays_locked_however_the_address_is_typed(secretary, password, spelling):
    _lock()
    client, response = _post("10.0.0.2", spelling, password)  # the right password, elsewhere
    assert response.status_code == 429
    assert "tạm thời bị khoá" in response.content.decode()
    assert "/accounts/login/" in client.get("/")["Location"]  # not signed in
    _client, again = _post("10.0.0.3", EMAIL, password)
    assert again.status_code == 429  # and the lock was not cleared


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_failures_typed_differently_add_up_to_one_lockout(secretary, password, spelling):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _post(f"10.0.1.{n}", spelling if n % 2 else EMAIL, "sai-mat-khau")
    _client, response = _post("10.0.2.1", EMAIL, password)
    assert response.status_code == 429


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_any_of_these_spellings_signs_in_while_not_locked(secretary, password, spelling):
    client, response = _post("10.0.0.9", spelling, password)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_spelling_the_database_alone_would_fold_does_not_reach_the_account(world, password):
    """PostgreSQL's case-insensitive match folds the dotless "ı" to "i"; the lockout key of
    "thıky" is another address, so that spelling must not sign "thiky" in."""
    with schema_context(world.agency_a.schema_name):
        User.objects.create_user("thiky@ttphvhcc.test", password, full_name="T", role="staff")
    _client, response = _post("10.0.0.4", "th\u0131ky@ttphvhcc.test", password)
    assert response.status_code == 200
    assert "không đúng" in response.content.decode()


def test_wrong_codes_lock_the_password_step_whatever_the_spelling(world, secretary, password):
    totp_device(secretary, schema=world.agency_a.schema_name)
    client, first = _post("10.0.3.1", "THUKY@TTPHVHCC.TEST", password)
    assert first.status_code == 302 and first["Location"] == "/accounts/login/code/"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/code/", {"code": "000000"})
    _client, response = _post("10.0.3.2", " thuky@ttphvhcc.test", password)
    assert response.status_code == 429


def test_people_are_stored_and_found_under_the_normalised_address(world):
    with schema_context(world.agency_a.schema_name):
        made = user_create(
            email=" ＡN.Nguyen@Alpha.TEST ", full_name="An", role="staff", in_public=False
        )
        assert made.email == "an.nguyen@alpha.test"
        with pytest.raises(Exception) as taken:
            user_create(email="AN.NGUYEN@alpha.test", full_name="An", role="staff", in_public=False)
        assert "đã có tài khoản" in str(taken.value)
        assert User.objects.get_by_natural_key("An.Nguyen@ALPHA.test\u00a0") == made


def test_the_staff_import_sees_an_existing_person_in_any_case(world):
    with schema_context(world.agency_a.schema_name):
        User.objects.create_user(EMAIL, None, full_name="Thư Ký", role="staff")
        csv = "họ tên,email,vai trò\nThư Ký,THUKY@TTPHVHCC.TEST,Chuyên viên\n"
        report = team.staff_import(actor=world.owner_a, data=csv.encode())
    assert report.created == 0
    assert "đã có tài khoản" in " ".join(report.errors[0].messages)


def test_the_operator_commands_find_the_person_in_any_case(secretary, world):
    out = io.StringIO()
    call_command(
        "create_api_token",
        email=" THUKY@TTPHVHCC.TEST ",
        schema=world.agency_a.schema_name,
        stdout=out,
    )
    with schema_context(world.agency_a.schema_name):
        assert ApiToken.objects.filter(user=secretary).count() == 1
    reset = io.StringIO()
    call_command(
        "two_factor_reset",
        email="Thuky@ttphvhcc.test",
        schema=world.agency_a.schema_name,
        stdout=reset,
    )
    assert EMAIL in reset.getvalue()


def test_the_migration_normalises_stored_addresses_without_merging_anyone(world):
    from importlib import import_module

    migration = import_module("iso_platform.accounts.migrations.0003_normalise_emails")
    with schema_context(world.agency_a.schema_name):
        odd = User.objects.create(email="  Hoa@Alpha.TEST", full_name="Hoa")
        User.objects.create(email="lan@alpha.test", full_name="Lan")
        twin = User.objects.create(email="LAN@alpha.test", full_name="Lan hai")
        migration.normalise_emails(django_apps, None)
        odd.refresh_from_db(), twin.refresh_from_db()
    assert odd.email == "hoa@alpha.test"
    assert twin.email == "LAN@alpha.test"  # left for an operator: lan@ is someone else


def test_the_normal_form():
    assert normalise_email(" ＴＨＵ\u212aY@X.Test ") == "thuky@x.test"
    assert normalise_email(None) == ""
