"""Session-wide fixtures: the test world is built once, on a real PostgreSQL and Redis."""

from __future__ import annotations

import contextlib

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from eiso.testing.signing import (  # noqa: F401 - fixtures for every test
    csc_hosts,
    csc_server,
    pkcs11_token,
    pki_hosts,
    signing_pki,
)
from eiso.testing.two_factor import session_mark_verified
from eiso.testing.world import PASSWORD, World, build_world
from iso_platform.accounts.two_factor import two_factor_required
from tenants.models import Agency, SpareSchema
from tenants.services import schemas

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """Always set up the test database, and build the world in it once.

    pytest-django only creates the test database when some collected test asks
    for `db`; tests using `committed` do not, and must never reach the
    development database.
    """
    import redis
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm
    from django.test.utils import setup_databases, teardown_databases

    settings.PASSWORD_HASHERS = FAST_HASHERS
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()
    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases={"default"},
            keepdb=keepdb,
        )
        if not connection.settings_dict["NAME"].startswith("test_"):
            raise RuntimeError("refusing to build the test world outside a test database")
        redis.Redis.from_url(settings.REDIS_URL).flushdb()  # the tests' own logical database
        # Committed once; every `world` test then runs in a transaction rolled back after it.
        pytest.eiso_world = build_world()
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=request.config.option.verbose)


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
            if two_factor_required(user):  # as if the code step was passed; see two_factor.py
                session_mark_verified(client, schema=schema)
        return client

    return make


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """The world with real commits (for threads and subprocesses), instead of `world`.

    Everything the test makes is removed afterwards.
    """
    with django_db_blocker.unblock():
        before_agencies = set(Agency.objects.values_list("pk", flat=True))
        before_spares = set(SpareSchema.objects.values_list("pk", flat=True))
        yield pytest.eiso_world.fresh()
        connection.set_schema_to_public()
        for agency in Agency.objects.exclude(pk__in=before_agencies):
            with contextlib.suppress(Exception):
                agency.delete(force_drop=True)
        for spare in SpareSchema.objects.exclude(pk__in=before_spares):
            schemas.drop(spare.schema_name)
            spare.delete()
