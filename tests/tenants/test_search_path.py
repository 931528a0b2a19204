"""`TENANT_LIMIT_SET_CALLS` is on: django-tenants issues `SET search_path` only when the
selected agency changes. PostgreSQL undoes a SET when the (sub)transaction that issued it
rolls back; the connection must then set it again, or queries would run in the wrong schema
(the public one holds the provincial accounts). These tests roll back exactly there.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, transaction

pytestmark = pytest.mark.django_db


def current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def test_the_setting_is_on():
    assert settings.TENANT_LIMIT_SET_CALLS is True


def test_a_set_undone_by_a_savepoint_rollback_is_issued_again(world):
    a, b = world.agency_a, world.agency_b
    connection.set_tenant(a)
    assert current_schema() == a.schema_name
    connection.set_tenant(b)  # the SET for b will be issued inside the savepoint below
    sid = transaction.savepoint()
    assert current_schema() == b.schema_name
    transaction.savepoint_rollback(sid)  # PostgreSQL is back on a's search_path
    assert current_schema() == b.schema_name  # ...and django-tenants noticed
    connection.set_schema_to_public()


def test_a_failed_atomic_block_leaves_the_selected_agency_in_force(world):
    a, b = world.agency_a, world.agency_b
    connection.set_tenant(a)
    assert current_schema() == a.schema_name
    connection.set_tenant(b)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert current_schema() == b.schema_name
        raise RuntimeError("the view failed")
    assert current_schema() == b.schema_name
    connection.set_schema_to_public()
    assert current_schema() == "public"


def test_unchanged_agency_costs_no_second_set(world, django_assert_num_queries):
    connection.set_tenant(world.agency_a)
    current_schema()
    with django_assert_num_queries(2):  # two SELECTs, no SET between them
        current_schema()
        current_schema()
    connection.set_schema_to_public()
