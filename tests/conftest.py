"""Session-wide fixtures: the test world is built once, on a real PostgreSQL and Redis."""

from __future__ import annotations

import contextlib

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from iso_platform.testing.world import PASSWORD, World, build_world

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    import redis
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = FAST_HASHERS
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()
    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # the tests' own logical database
    with django_db_blocker.unblock():
        # The world is committed once; every test then runs in a transaction rolled back after it.
        pytest.eiso_world = build_world()
    yield


@pytest.fixture
def world(db) -> World:
    return pytest.eiso_world.fresh()


@pytest.fixture(autouse=True)
def _public_schema_first():
    """Each test starts on the public schema, whatever the previous request selected."""
    with contextlib.suppress(Exception):
        connection.set_schema_to_public()
    yield
    with contextlib.suppress(Exception):
        connection.set_schema_to_public()


def host_of(agency) -> str:
    return agency.host


@pytest.fixture
def client_for():
    """`client_for(agency_or_host, user=None)`: a test client on that host, maybe signed in."""

    def make(target, user=None) -> Client:
        host = target if isinstance(target, str) else target.host
        client = Client(HTTP_HOST=host)
        if user is not None:
            schema = "public" if isinstance(target, str) else target.schema_name
            with schema_context(schema):
                client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def password() -> str:
    return PASSWORD
