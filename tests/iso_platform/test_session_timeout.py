"""Sessions end after SESSION_IDLE_MINUTES without activity, and SESSION_COOKIE_AGE after
sign-in, whatever the activity; activity is written at most once a minute."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.models import Session
from django_tenants.utils import schema_context

from iso_platform.accounts.middleware import SEEN_AT_KEY, SIGNED_IN_AT_KEY


def _shift(client, schema, **seconds_ago):
    with schema_context(schema):
        session = client.session
        for key, ago in seconds_ago.items():
            session[key] = int(time.time()) - ago
        session.save()


def _row(client, schema):
    with schema_context(schema):
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        row = Session.objects.get(session_key=key)
        return row.session_data, row.expire_date


def test_an_idle_session_is_signed_out_with_a_vietnamese_message(world, client_for):
    schema = world.agency_a.schema_name
    client = client_for(world.agency_a, world.member_a)
    assert client.get("/").status_code == 200
    _shift(client, schema, eiso_seen_at=settings.SESSION_IDLE_MINUTES * 60 + 5)
    response = client.get("/documents/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/documents/"
    page = client.get(response["Location"]).content.decode()
    minutes = settings.SESSION_IDLE_MINUTES
    assert f"Phiên làm việc đã kết thúc vì không hoạt động quá {minutes} phút" in page
    assert "/accounts/login/" in client.get("/")["Location"]  # signed out for good


def test_a_session_in_use_still_ends_after_the_absolute_limit(world, client_for):
    schema = world.agency_a.schema_name
    client = client_for(world.agency_a, world.member_a)
    _shift(client, schema, eiso_signed_in_at=settings.SESSION_COOKIE_AGE + 5, eiso_seen_at=10)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "Phiên đăng nhập đã hết thời hạn tối đa (8 giờ)" in response.content.decode()


def test_a_session_active_just_under_the_limit_is_kept(world, client_for):
    client = client_for(world.agency_a, world.member_a)
    _shift(client, world.agency_a.schema_name, eiso_seen_at=settings.SESSION_IDLE_MINUTES * 60 - 5)
    assert client.get("/").status_code == 200


def test_activity_is_written_to_the_session_at_most_once_a_minute(world, client_for):
    schema = world.agency_a.schema_name
    client = client_for(world.agency_a, world.member_a)
    client.get("/")
    before = _row(client, schema)
    client.get("/")
    client.get("/documents/")
    assert _row(client, schema) == before  # no write
    _shift(client, schema, eiso_seen_at=61)
    stale = _row(client, schema)
    client.get("/")
    assert _row(client, schema) != stale
    with schema_context(schema):
        assert time.time() - client.session[SEEN_AT_KEY] < 5


def test_every_sign_in_starts_both_clocks(world, password):
    from django.test import Client

    client = Client(HTTP_HOST="alpha.localhost")
    client.post("/accounts/login/", {"username": world.member_a.email, "password": password})
    with schema_context(world.agency_a.schema_name):
        session = client.session
        assert abs(session[SIGNED_IN_AT_KEY] - time.time()) < 5
        assert session[SEEN_AT_KEY] == session[SIGNED_IN_AT_KEY]


def test_an_idle_session_on_the_api_gets_no_redirect(world, client_for):
    client = client_for(world.agency_a, world.member_a)
    _shift(client, world.agency_a.schema_name, eiso_seen_at=settings.SESSION_IDLE_MINUTES * 60 + 5)
    response = client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
