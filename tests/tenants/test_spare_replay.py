"""Spares built by replaying the template's captured script are the same as migrated schemas."""

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from iso_platform.accounts.models import User
from tenants.models import Agency
from tenants.services import pool, schemas
from tenants.services.provisioning import AgencySpec, agency_provision

CATALOGUE = {
    "relations": """
        SELECT c.relname, c.relkind, c.relpersistence FROM pg_class c
        WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1""",
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid),
               coalesce(co.collname, ''),
               row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
        WHERE c.relnamespace = %(ns)s::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relkind IN ('r', 'p', 'v', 'm')
        ORDER BY 1, 2""",
    "indexes": """
        SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE i.relnamespace = %(ns)s::regnamespace ORDER BY 1""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, k.condeferrable, k.condeferred,
               pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        WHERE k.connamespace = %(ns)s::regnamespace ORDER BY 1, 2""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = %(ns)s::regnamespace AND NOT t.tgisinternal ORDER BY 1, 2""",
    "functions": """
        SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
        WHERE p.pronamespace = %(ns)s::regnamespace ORDER BY 1""",
    "sequences": """
        SELECT sequencename, data_type::text, start_value, min_value, max_value, increment_by,
               cycle, cache_size, last_value
        FROM pg_sequences WHERE schemaname = %(ns)s ORDER BY 1""",
    "ownership": """
        SELECT s.relname, t.relname, a.attname, d.deptype FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_class t ON t.oid = d.refobjid
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE s.relnamespace = %(ns)s::regnamespace ORDER BY 1""",
}


def describe(schema: str) -> dict:
    """The schema as the catalogue sees it, with its own name replaced by `X`."""
    described = {}
    with connection.cursor() as cur:
        for key, sql in CATALOGUE.items():
            cur.execute(sql, {"ns": schema})
            described[key] = [
                tuple(
                    value.replace(f'"{schema}"', "X").replace(schema, "X")
                    if isinstance(value, str)
                    else value
                    for value in row
                )
                for row in cur.fetchall()
            ]
    return described


def rows_of_every_table(schema: str) -> dict:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace "
            "AND relkind = 'r' ORDER BY 1",
            [schema],
        )
        tables = [row[0] for row in cur.fetchall()]
        rows = {}
        for table in tables:
            cur.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY 1')
            rows[table] = cur.fetchall()
    return rows


@pytest.fixture
def migrated_and_replayed(world):
    migrated = "pool_migrated0001"
    schemas.create_migrated(migrated)
    spare = pool.spare_build(method=pool.METHOD_REPLAY)
    return migrated, spare


def test_a_replayed_spare_is_built_by_replay_here(migrated_and_replayed):
    _migrated, spare = migrated_and_replayed
    assert spare.method == "replay"  # pgserver ships a pg_dump as new as its server
    assert spare.migration_state == schemas.migration_state()


class _Undo(Exception):
    pass


def restored(schema: str, key: str, row: tuple) -> tuple:
    """`row` (an index or a constraint of `schema`) re-created from its own definition, the way
    pg_dump and pg_restore carry it, read back, and the change rolled back."""
    if key == "indexes":
        name, definition = row
        sql = [f'DROP INDEX "{schema}"."{name}"', definition.replace("X.", f'"{schema}".')]
    else:
        table, name, _type, _deferrable, _deferred, definition = row
        sql = [
            f'ALTER TABLE "{schema}"."{table}" DROP CONSTRAINT "{name}", '
            f'ADD CONSTRAINT "{name}" {definition}'
        ]
    try:
        with transaction.atomic(), connection.cursor() as cur:
            for statement in sql:
                cur.execute(statement)
            width = 1 if key == "indexes" else 2  # the name (and table) say which row it is
            raise _Undo([r for r in describe(schema)[key] if r[:width] == row[:width]])
    except _Undo as undo:
        (again,) = undo.args[0]
        return again


def test_a_replayed_spare_has_the_catalogue_of_a_migrated_schema(migrated_and_replayed):
    migrated, spare = migrated_and_replayed
    expected, got = describe(migrated), describe(spare.schema_name)
    for key in CATALOGUE:
        assert len(got[key]) == len(expected[key]), key
        for mine, theirs in zip(got[key], expected[key], strict=True):
            if mine != theirs and key in ("indexes", "constraints"):
                # PostgreSQL prints some expressions in a form that parses to a different
                # (equivalent) tree, e.g. `x = ANY ((ARRAY['a'::varchar])::text[])` comes back
                # as `ARRAY[('a'::varchar)::text]`: the spare must hold exactly what the
                # migrated schema's own definition becomes when restored.
                theirs = restored(migrated, key, theirs)
            assert mine == theirs, key
    assert len(expected["relations"]) > 100 and expected["triggers"] and expected["functions"]


def test_a_replayed_spare_has_the_seeded_rows_of_a_migrated_schema(migrated_and_replayed):
    migrated, spare = migrated_and_replayed
    expected, got = rows_of_every_table(migrated), rows_of_every_table(spare.schema_name)
    assert got.keys() == expected.keys()
    for table in ("quality_audits_clause", "django_migrations", "django_content_type"):
        assert expected[table], table
    # applied_at of django_migrations differs between two migrate runs: compare names only
    names = [(app, name) for _id, app, name, _at in expected.pop("django_migrations")]
    assert [(app, name) for _id, app, name, _at in got.pop("django_migrations")] == names
    for table, rows in expected.items():
        assert got[table] == rows, table
    applied = schemas.applied_migrations([spare.schema_name])[spare.schema_name]
    assert schemas.is_up_to_date(applied)


def test_an_agency_on_a_replayed_spare_works(world):
    spare = pool.spare_build(method=pool.METHOD_REPLAY)
    result = agency_provision(
        spec=AgencySpec(
            code="sotp",
            name="Sở Tư pháp",
            kind="provincial_department",
            admin_email="admin@sotp.test",
            admin_name="An",
        ),
        method="pool",
    )
    assert result.spare_schema == spare.schema_name
    with schema_context(Agency.objects.get(code="sotp").schema_name):
        User.objects.create_user("hai@sotp.test", "x" * 12, full_name="Hai", role="staff")
        assert User.objects.count() == 2


def test_replay_falls_back_to_cloning_without_pg_dump(world, monkeypatch):
    monkeypatch.setattr(schemas, "replay_script", lambda: None)
    spare = pool.spare_build(method=pool.METHOD_REPLAY)
    assert spare.method == "clone"
    assert schemas.exists(spare.schema_name)


def test_a_failed_replay_leaves_no_schema(world, monkeypatch):
    broken = schemas.ReplayScript(
        sql=f'CREATE SCHEMA "{schemas.REPLAY_PLACEHOLDER}"; SELECT 1/0;', relations=0
    )
    monkeypatch.setattr(schemas, "replay_script", lambda: broken)
    before = {s for s in schemas.existing() if s.startswith("pool_")}
    with pytest.raises(Exception, match="division by zero"):
        pool.spare_build(method=pool.METHOD_REPLAY)
    connection.set_schema_to_public()
    assert {s for s in schemas.existing() if s.startswith("pool_")} == before


def test_split_sql_keeps_strings_bodies_and_drops_comments():
    text = (
        "-- header; with a semicolon\n"
        "SET a = 1;\n"
        "INSERT INTO t VALUES ('x;y', 'it''s -- not a comment', \"q;\"\"\");\n"
        "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RAISE 'a;b'; END $$;\n"
        "CREATE FUNCTION g() AS $body$ x; $$ y; $body$;\n"
    )
    assert schemas.split_sql(text) == [
        "SET a = 1;",
        "INSERT INTO t VALUES ('x;y', 'it''s -- not a comment', \"q;\"\"\");",
        "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RAISE 'a;b'; END $$;",
        "CREATE FUNCTION g() AS $body$ x; $$ y; $body$;",
    ]
