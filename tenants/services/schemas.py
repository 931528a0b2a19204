"""Low-level PostgreSQL schema operations used by provisioning and fleet migration.

Everything here runs on the default connection and leaves it on the public
schema. Schema names are checked against a strict pattern before they are
interpolated into DDL (identifiers cannot be bound as parameters).
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from collections.abc import Iterable
from functools import cache

from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.clone import CloneSchema
from django_tenants.utils import get_tenant_base_migrate_command_class

SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
TEMPLATE_SCHEMA = "eiso_template"
POOL_PREFIX = "pool_"


class SchemaError(Exception):
    pass


def check_name(name: str) -> str:
    if not SCHEMA_RE.match(name) or name.startswith("pg_") or name == "public":
        raise SchemaError(f"refusing to touch schema {name!r}")
    return name


def new_pool_name() -> str:
    return POOL_PREFIX + secrets.token_hex(6)


def existing(names: Iterable[str] | None = None) -> set[str]:
    with connection.cursor() as cur:
        if names is None:
            cur.execute("SELECT nspname FROM pg_namespace")
        else:
            cur.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [list(names)])
        return {row[0] for row in cur.fetchall()}


def exists(name: str) -> bool:
    return bool(existing([name]))


def drop(name: str) -> None:
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{check_name(name)}" CASCADE')


def rename(old: str, new: str) -> None:
    """O(1): PostgreSQL only renames the namespace; tables, data and indexes stay put."""
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        cur.execute(f'ALTER SCHEMA "{check_name(old)}" RENAME TO "{check_name(new)}"')


# --------------------------------------------------------------------------- migrations


@cache
def expected_migrations() -> frozenset[tuple[str, str]]:
    """Every migration in the code's graph: what a fully migrated schema has recorded.

    django-tenants records every app's migrations in every schema (the router
    only skips the operations of apps that do not belong there).
    """
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.graph.nodes)


@cache
def _replacements() -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key: tuple(m.replaces) for key, m in loader.disk_migrations.items() if m.replaces}


def migration_state() -> str:
    """A digest of the expected migration set; a spare built now carries it."""
    joined = ",".join(f"{app}.{name}" for app, name in sorted(expected_migrations()))
    return hashlib.sha256(joined.encode()).hexdigest()


def is_up_to_date(applied: set[tuple[str, str]]) -> bool:
    replaced = _replacements()
    for key in expected_migrations():
        if key in applied:
            continue
        if key in replaced and all(part in applied for part in replaced[key]):
            continue
        return False
    return True


def applied_migrations(names: list[str]) -> dict[str, set[tuple[str, str]]]:
    """Applied migrations of the schemas in `names` that exist (absent ones are left out).

    Two round trips whatever the number of schemas: one catalogue query says which
    schemas exist and which have a `django_migrations` table, one UNION ALL reads
    them all. Schemas without the table map to an empty set.
    """
    if not names:
        return {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT n.nspname, EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid "
            "AND c.relname = 'django_migrations' AND c.relkind = 'r') "
            "FROM pg_namespace n WHERE n.nspname = ANY(%s)",
            [list(names)],
        )
        found = cur.fetchall()
        result: dict[str, set[tuple[str, str]]] = {name: set() for name, _has in found}
        with_table = sorted(name for name, has_table in found if has_table)
        if not with_table:
            return result
        # Identifiers cannot be bound as parameters; check_name() allows [a-z0-9_] only.
        union = " UNION ALL ".join(
            f"SELECT '{check_name(s)}', app, name FROM \"{s}\".django_migrations"  # noqa: S608
            for s in with_table
        )
        cur.execute(union)
        for schema, app, name in cur.fetchall():
            result[schema].add((app, name))
    return result


def migrate(name: str, *, verbosity: int = 0, stdout=None) -> None:
    """Apply pending migrations to one schema with Django's own migrate command."""
    check_name(name)
    connection.set_schema(name, include_public=False)
    # The recorder table must exist in the schema itself, or the public one would be read.
    MigrationRecorder(connection).ensure_schema()
    connection.set_schema(name)
    try:
        call_command(
            get_tenant_base_migrate_command_class()(),
            interactive=False,
            verbosity=verbosity,
            stdout=stdout or io.StringIO(),
            skip_checks=True,
        )
    finally:
        connection.set_schema_to_public()


def create_migrated(name: str) -> None:
    """CREATE SCHEMA + every migration: django-tenants' plain path, the slow one."""
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{check_name(name)}"')
    migrate(name)


TEMPLATE_LOCK_ID = 0x6E150002


def _serialize_template_work() -> None:
    """Template creation and cloning run one at a time (transaction-scoped advisory lock).

    django-tenants re-creates its `clone_schema` function and type on every
    clone; two sessions doing that at once would fight over them.
    """
    if connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [TEMPLATE_LOCK_ID])


def ensure_template() -> str:
    """The reference schema that clones copy; created and migrated when missing or stale."""
    with transaction.atomic():
        _serialize_template_work()
        if not exists(TEMPLATE_SCHEMA):
            create_migrated(TEMPLATE_SCHEMA)
        elif not is_up_to_date(applied_migrations([TEMPLATE_SCHEMA]).get(TEMPLATE_SCHEMA, set())):
            migrate(TEMPLATE_SCHEMA)
    return TEMPLATE_SCHEMA


def create_cloned(name: str) -> None:
    """Copy the template schema (structure and reference rows such as content types)."""
    with transaction.atomic():
        ensure_template()  # takes the lock for the rest of the transaction
        CloneSchema().clone_schema(TEMPLATE_SCHEMA, check_name(name), "DATA")
    connection.set_schema_to_public()
