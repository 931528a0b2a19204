"""Low-level PostgreSQL schema operations used by provisioning and fleet migration.

Everything here runs on the default connection and leaves it on the public
schema. Schema names are checked against a strict pattern before they are
interpolated into DDL (identifiers cannot be bound as parameters).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.clone import CloneSchema
from django_tenants.utils import get_tenant_base_migrate_command_class

logger = logging.getLogger(__name__)
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


# --------------------------------------------------------------------------- replay (fast spares)
#
# Cloning walks the catalogue in PL/pgSQL for every table, so it costs about half a
# second on an empty database and grows with the number of schemas. Replaying a
# captured script costs only the DDL itself: the template is dumped once per
# process (per migration state) with pg_dump, the schema name is replaced by a
# placeholder, and each spare is one round trip of plain CREATE statements and
# the template's reference rows. tests/tenants/test_spare_replay.py checks that a
# replayed spare and a migrated schema have the same tables, columns, indexes,
# constraints, triggers, functions and seeded rows.

REPLAY_PLACEHOLDER = "__eiso_spare_schema__"
PG_DUMP_TIMEOUT = 120


@dataclass(frozen=True)
class ReplayScript:
    sql: str  # with REPLAY_PLACEHOLDER where the schema name goes
    relations: int  # pg_class entries the template holds: checked after every replay


_replay_scripts: dict[str, ReplayScript | None] = {}

# A single-quoted string, a double-quoted identifier, a dollar-quote tag, a line comment, `;`.
_SQL_TOKEN = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$|--[^\n]*|;"
)


def split_sql(text: str) -> list[str]:
    """Statements of a pg_dump script, comments dropped (strings and bodies kept whole)."""
    statements, pieces, start, pos = [], [], 0, 0
    while (match := _SQL_TOKEN.search(text, pos)) is not None:
        lexeme = match.group(0)
        if lexeme.startswith("$"):
            end = text.find(lexeme, match.end())
            if end < 0:
                raise SchemaError("unterminated dollar-quoted string in the dump")
            pos = end + len(lexeme)
        elif lexeme.startswith("--"):
            pieces.append(text[start : match.start()])
            start = pos = match.end()
        elif lexeme == ";":
            pieces.append(text[start : match.end()])
            statement = "".join(pieces).strip()
            if statement != ";":
                statements.append(statement)
            pieces, start, pos = [], match.end(), match.end()
        else:
            pos = match.end()
    if ("".join(pieces) + text[start:]).strip():
        raise SchemaError("the dump does not end with a complete statement")
    return statements


def replay_script() -> ReplayScript | None:
    """The template as a replayable script, or None when pg_dump cannot be used here.

    Captured once per process and migration state. Call it outside a transaction
    that changes the template: pg_dump reads committed data from its own session.
    """
    state = migration_state()
    if state not in _replay_scripts:
        binary = pg_dump_binary()
        if binary is None:
            logger.warning("no usable pg_dump for this server: spares are cloned instead")
            _replay_scripts[state] = None
        else:
            try:
                _replay_scripts[state] = _capture_replay_script(binary)
            except (OSError, subprocess.SubprocessError) as exc:
                # Maybe transient (a lock held by a migration): not remembered, tried next time.
                logger.warning("pg_dump of the template failed (%s): cloning instead", exc)
                return None
    return _replay_scripts[state]


def _capture_replay_script(binary: str) -> ReplayScript | None:
    ensure_template()
    dump = _pg_dump(binary, TEMPLATE_SCHEMA)
    quoted = f'"{TEMPLATE_SCHEMA}"'
    if REPLAY_PLACEHOLDER in dump:
        return None
    kept = []
    for statement in split_sql(dump):
        if statement.startswith(("SET ", "SELECT pg_catalog.set_config(")):
            continue  # session settings: they would outlive the transaction on our connection
        if statement.startswith("INSERT INTO "):
            if statement.count(quoted) != 1:
                logger.warning("the template's rows name the template: spares are cloned instead")
                return None
            kept.append(statement.replace(quoted, f'"{REPLAY_PLACEHOLDER}"', 1))
        else:
            kept.append(statement.replace(quoted, f'"{REPLAY_PLACEHOLDER}"'))
    relations = _relation_count(TEMPLATE_SCHEMA)
    # An int and our own placeholder: nothing from outside goes into this statement.
    check = (
        "DO $check$ BEGIN IF (SELECT count(*) FROM pg_class c JOIN pg_namespace n "  # noqa: S608
        f"ON n.oid = c.relnamespace WHERE n.nspname = '{REPLAY_PLACEHOLDER}') <> {relations} "
        "THEN RAISE EXCEPTION 'eISO: replayed spare is incomplete'; END IF; END $check$;"
    )
    sql = "SET LOCAL check_function_bodies = false;\n" + "\n".join(kept) + "\n" + check
    return ReplayScript(sql=sql, relations=relations)


def _relation_count(name: str) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s",
            [name],
        )
        return cur.fetchone()[0]


def pg_dump_binary() -> str | None:
    """A pg_dump at least as new as the server: the one shipped with pgserver, else PATH's."""
    server_major = _server_major()
    candidates = []
    with contextlib.suppress(ImportError):
        from pgserver._commands import POSTGRES_BIN_PATH

        candidates.append(str(POSTGRES_BIN_PATH / "pg_dump"))
    if found := shutil.which("pg_dump"):
        candidates.append(found)
    for candidate in candidates:
        major = _pg_dump_major(candidate)
        if major is not None and major >= server_major:
            return candidate
    return None


def _server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def _pg_dump_major(binary: str) -> int | None:
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def _pg_dump(binary: str, schema: str) -> str:
    """The schema with its rows as INSERTs, every identifier quoted, no owners or grants."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGCONNECT_TIMEOUT": "10"}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    if sslmode := (db.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    result = subprocess.run(
        [
            binary,
            f"--schema={schema}",
            "--no-owner",
            "--no-privileges",
            "--no-tablespaces",
            "--quote-all-identifiers",
            "--column-inserts",
            "--rows-per-insert=500",
            "--lock-wait-timeout=5000",
            "--encoding=UTF8",
        ],
        capture_output=True,
        env=env,
        timeout=PG_DUMP_TIMEOUT,
    )
    if result.returncode != 0:
        raise subprocess.SubprocessError(result.stderr.decode(errors="replace")[-500:])
    return result.stdout.decode()


def create_replayed(name: str) -> bool:
    """Build `name` from the replay script in one round trip; False when replay is unusable.

    Runs on the caller's connection and transaction (the raw driver cursor: the
    script is large and has no place in Django's query log).
    """
    script = replay_script()
    if script is None:
        return False
    connection.set_schema_to_public()
    connection.ensure_connection()
    with transaction.atomic(), connection.connection.cursor() as cur:
        cur.execute(script.sql.replace(REPLAY_PLACEHOLDER, check_name(name)))
    return True
