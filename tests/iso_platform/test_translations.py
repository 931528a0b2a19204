"""Vietnamese first, English second: the English catalogue is complete and compiled."""

import gettext
from pathlib import Path

import polib
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"


def test_every_string_has_an_english_translation():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_the_compiled_catalogue_matches_the_source():
    source = [e for e in polib.pofile(str(LOCALE / "django.po")) if not e.obsolete]
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in source:
        if entry.msgid_plural:
            got = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
            want = [entry.msgstr_plural[0], entry.msgstr_plural[1]]
        else:
            got = (
                compiled.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt
                else compiled.gettext(entry.msgid)
            )
            want = entry.msgstr
        assert got == want, f"run `make messages`: {entry.msgid!r} is stale"


def test_english_is_served_when_chosen(world):
    client = Client(HTTP_HOST="alpha.localhost")
    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()
    client.cookies["django_language"] = "en"
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in" in page and "Đăng nhập" not in page


def test_browser_language_does_not_override_vietnamese(world):
    page = Client(HTTP_HOST="alpha.localhost").get(
        "/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    )
    assert "Đăng nhập" in page.content.decode()


def test_lazy_labels_translate():
    with translation.override("en"):
        from tenants.models import AgencyStatus

        assert str(AgencyStatus.SUSPENDED.label) == "Suspended"


def test_an_api_client_gets_english_by_asking_for_it(world):
    """A program has no language switch: on /api/ its Accept-Language counts; pages keep
    Vietnamese whatever the browser says, and the cookie wins everywhere."""
    from django_tenants.utils import schema_context

    from iso_platform.accounts.services import api_token_create

    with schema_context(world.agency_a.schema_name):
        token = api_token_create(user=world.owner_a, name="ngôn ngữ")[1]
    client = Client(HTTP_HOST=world.agency_a.host, HTTP_AUTHORIZATION=f"Bearer {token}")
    missing = "/api/v1/documents/"
    vietnamese = client.put(missing)
    english = client.put(missing, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9,vi;q=0.8")
    assert vietnamese.status_code == english.status_code == 405
    assert "không được chấp nhận" in vietnamese.json()["detail"]
    assert "not allowed" in english.json()["detail"]
    assert vietnamese["Content-Language"] == "vi" and english["Content-Language"] == "en"
    assert "Accept-Language" in english["Vary"]
    unknown = client.put(missing, HTTP_ACCEPT_LANGUAGE="fr-FR,en;q=0.5")
    assert unknown["Content-Language"] == "vi"
    client.cookies["django_language"] = "vi"
    assert client.put(missing, HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "vi"
    page = Client(HTTP_HOST=world.agency_a.host).get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "vi" and "Đăng nhập" in page.content.decode()
