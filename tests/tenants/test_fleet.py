"""Fleet migration: up-to-date schemas skipped after one catalogue query; failures listed."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import SpareSchema
from tenants.services import fleet, pool, schemas


def _register_raw_schema(name, *sql):
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{name}"')
        for statement in sql:
            cur.execute(statement)
    SpareSchema.objects.create(schema_name=name, migration_state="raw", method="test")


def _run(*args, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("migrate_fleet", *args, stdout=out, stderr=err, **kwargs)
        return 0, out.getvalue(), err.getvalue()
    except CommandError as exc:
        return 1, out.getvalue(), err.getvalue() + str(exc)


def test_finding_pending_schemas_costs_a_fixed_number_of_queries(committed):
    pool.pool_refill(target=3)
    names = fleet.fleet_schemas()
    assert len(names) >= 6  # alpha, beta, three spares, the template
    with CaptureQueriesContext(connection) as queries:
        pending, missing = fleet.pending_schemas(names)
    assert pending == [] and missing == []
    real = [q for q in queries if not q["sql"].startswith("SET search_path")]
    assert len(real) == 2


def test_a_fleet_already_up_to_date_migrates_nothing(committed):
    status, out, _err = _run(parallel=2)
    assert status == 0
    assert "0 migrated" in out
    assert "0 failed" in out


def test_lagging_schemas_are_migrated_in_parallel_and_failures_listed(committed):
    _register_raw_schema("pool_empty00001")
    _register_raw_schema("pool_empty00002")
    _register_raw_schema("pool_broken0001", 'CREATE TABLE "pool_broken0001".accounts_user (id int)')

    status, out, err = _run(parallel=2)

    assert status == 1
    assert "[3/3]" in out
    assert "pool_broken0001 FAILED" in out
    assert "FAILED pool_broken0001" in err
    applied = schemas.applied_migrations(["pool_empty00001", "pool_empty00002"])
    assert all(schemas.is_up_to_date(applied[name]) for name in applied)

    schemas.drop("pool_broken0001")
    SpareSchema.objects.filter(schema_name="pool_broken0001").delete()
    status, out, _err = _run(parallel=2)
    assert status == 0 and "0 migrated" in out


def test_check_mode_reports_without_migrating(committed):
    _register_raw_schema("pool_empty00003")
    status, out, err = _run(check=True)
    assert status == 1
    assert "1 to migrate" in out
    assert "need migrations" in err
    assert not schemas.applied_migrations(["pool_empty00003"])["pool_empty00003"]


def test_a_missing_schema_is_reported(committed):
    SpareSchema.objects.create(schema_name="pool_gone000001", migration_state="x", method="test")
    status, out, err = _run(parallel=1)
    assert status == 1
    assert "missing schemas: pool_gone000001" in err


@pytest.mark.parametrize("bad", ["public", "pg_catalog", "Robert'); DROP", "a" * 64, ""])
def test_schema_helpers_refuse_unsafe_names(bad):
    with pytest.raises(schemas.SchemaError):
        schemas.check_name(bad)
