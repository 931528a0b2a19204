"""The browser helpers leave no database session behind (the test database is dropped at the
end of the run, which fails while any session is open), and close only their own."""

from __future__ import annotations

import http.client

import psycopg
import pytest
from django.db import connection, connections

from eiso.testing.browser import chromium, live_server
from tenants.models import Agency

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-helpers")]


def _sessions() -> set[int]:
    """Backends on this test database, other than the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def bystander():
    """A session of another process on the same database (as a Celery worker's)."""
    db = connection.settings_dict
    other = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"],
        port=db["PORT"] or None,
        autocommit=True,
    )
    try:
        yield other
    finally:
        other.close()


def test_the_tests_own_queries_while_the_browser_is_open_leave_no_session(committed):
    before = _sessions()
    with chromium():
        # Under Playwright's loop Django gives this thread other connections than its own.
        assert Agency.objects.filter(pk=committed.agency_a.pk).exists()
    assert _sessions() <= before


def test_the_live_server_ends_its_lingering_sessions_and_no_other(committed, bystander):
    settings = connections["default"].settings_dict
    saved = settings["CONN_MAX_AGE"]
    settings["CONN_MAX_AGE"] = 600  # a request thread keeps its session while its client stays
    before = _sessions()
    client = None
    try:
        with live_server() as port:
            client = http.client.HTTPConnection("localhost", port, timeout=10)
            client.request("GET", "/accounts/login/", headers={"Host": committed.agency_a.host})
            response = client.getresponse()
            response.read()
            assert response.status == 200
            assert _sessions() - before - {bystander.info.backend_pid}  # the server's, open
        # the client still holds its connection: the request thread outlives the server
        assert _sessions() <= before
    finally:
        settings["CONN_MAX_AGE"] = saved
        if client is not None:
            client.close()
    with bystander.cursor() as cursor:  # another process's session is untouched
        assert cursor.execute("SELECT 1").fetchone() == (1,)
