"""`plan_apply`: the id maps, one `INSERT ... SELECT` per table, the provenance rows."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _

from tenants.services.datamove.catalog import (
    CODE_REFS,
    ID_REFS,
    PROVENANCE_TABLES,
    SOFT_REFS,
    Table,
    catalog,
    type_tables,
)
from tenants.services.datamove.credentials import ACROSS_AGENCIES, ON_ARRIVAL, SECRET_COLUMNS
from tenants.services.datamove.engine.common import Plan, StepCallback, q, qt


@dataclass
class Applied:
    maps: dict[str, str]  # table -> temp map table name
    moved: dict[str, int]
    token: str
    added: dict[str, int] = field(default_factory=dict)  # rows written besides the moved ones


def plan_apply(
    plan: Plan, *, file_prefix: str = "", on_step: StepCallback | None = None
) -> Applied:
    """Copy the planned rows into the target. Run inside transaction.atomic()."""
    if not connection.in_atomic_block:
        raise RuntimeError("plan_apply must run inside transaction.atomic()")
    step = on_step or (lambda _t, _p: None)
    tables = catalog()
    token = secrets.token_hex(4)
    maps: dict[str, str] = {}
    moved: dict[str, int] = {}
    with connection.cursor() as cur:
        step(_("Cấp mã số mới cho dữ liệu"), 40)
        for index, name in enumerate(plan.tables):
            maps[name] = f"mv_{token}_{index}"
            moved[name] = _build_map(cur, plan, tables[name], maps)
        cur.execute(
            f"CREATE TEMP TABLE rn_{token} (tbl text, col text, old bigint, value text, "
            "PRIMARY KEY (tbl, col, old))"
        )
        for (name, column), renames in plan.renames.items():
            if renames:
                cur.execute(
                    f"INSERT INTO rn_{token} SELECT %s, %s, unnest(%s::bigint[]), "
                    "unnest(%s::text[])",
                    [name, column, list(renames), list(renames.values())],
                )
        _build_soft_maps(cur, plan, maps, token)
        for name in maps.values():
            cur.execute(f"ANALYZE {name}")
        total = max(1, len(plan.tables))
        for index, name in enumerate(plan.tables):
            table = tables[name]
            if moved[name]:
                if index % 6 == 0:
                    step(
                        _("Chuyển dữ liệu: %(table)s") % {"table": table.label},
                        45 + int(35 * index / total),
                    )
                _insert(cur, plan, table, maps, token, file_prefix)
        step(_("Ghi nguồn gốc dữ liệu"), 82)
        added = {"quality_core_provenance": _provenance(cur, plan, maps)}
    return Applied(maps=maps, moved=moved, token=token, added=added)


def plan_cleanup(applied: Applied) -> None:
    with connection.cursor() as cur:
        for name in applied.maps.values():
            cur.execute(f"DROP TABLE IF EXISTS {name}")
        for prefix in ("rn", "tt", "sm", "cm"):
            cur.execute(f"DROP TABLE IF EXISTS {prefix}_{applied.token}")


def _sequence(cur, schema: str, table: Table) -> str | None:
    cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [f"{q(schema)}.{q(table.name)}", table.pk])
    return cur.fetchone()[0]


def _build_map(cur, plan: Plan, table: Table, maps: dict[str, str]) -> int:
    name = maps[table.name]
    cur.execute(
        f"CREATE TEMP TABLE {name} "
        "(old bigint PRIMARY KEY, new bigint NOT NULL, moved boolean NOT NULL)"
    )
    mapped = plan.mapped.get(table.name, {})
    if mapped:
        cur.execute(
            f"INSERT INTO {name} SELECT unnest(%s::bigint[]), unnest(%s::bigint[]), false",
            [list(mapped), list(mapped.values())],
        )
    source = qt(plan.source, table.name)
    where = f"NOT EXISTS (SELECT 1 FROM {name} m WHERE m.old = s.{q(table.pk)})"
    params: list = []
    if plan.selection is not None:
        where += f" AND s.{q(table.pk)} = ANY(%s)"
        params.append(list(plan.selection.get(table.name, ())))
    if table.pk_fk:
        new = f"(SELECT p.new FROM {maps[table.pk_fk]} p WHERE p.old = x.o)"
    elif table.singleton:
        new = "x.o"
    else:
        sequence = _sequence(cur, plan.target, table)
        if sequence is None:
            raise RuntimeError(f"{table.name} has no sequence: cannot give it new ids")
        new = f"nextval('{_literal(sequence.replace(chr(34), ''))}'::regclass)"
    cur.execute(
        f"INSERT INTO {name} (old, new, moved) SELECT x.o, {new}, true "  # noqa: S608
        f"FROM (SELECT s.{q(table.pk)} AS o FROM {source} s WHERE {where} "
        f"ORDER BY s.{q(table.pk)}) x",
        params,
    )
    return cur.rowcount


def _build_soft_maps(cur, plan: Plan, maps: dict[str, str], token: str) -> None:
    """`tt`: type name -> table; `sm`: (table, old id text) -> new id text, for the tables
    that soft references of the source actually name; `cm`: renamed codes."""
    types = type_tables()
    cur.execute(f"CREATE TEMP TABLE tt_{token} (type text PRIMARY KEY, tbl text NOT NULL)")
    cur.execute(
        f"INSERT INTO tt_{token} SELECT unnest(%s::text[]), unnest(%s::text[])",
        [list(types), list(types.values())],
    )
    used: set[str] = set()
    for ref in SOFT_REFS:
        if ref.table not in maps:
            continue
        cur.execute(
            f"SELECT DISTINCT {q(ref.type_column)} FROM {qt(plan.source, ref.table)}"  # noqa: S608
        )
        for (value,) in cur.fetchall():
            if value in types:
                used.add(types[value])
    cur.execute(
        f"CREATE TEMP TABLE sm_{token} (tbl text, old text, new text, PRIMARY KEY (tbl, old))"
    )
    for name in sorted(used):
        if name in maps:
            cur.execute(
                f"INSERT INTO sm_{token} SELECT %s, old::text, new::text FROM {maps[name]}",
                [name],
            )
    cur.execute(f"ANALYZE sm_{token}")
    cur.execute(
        f"CREATE TEMP TABLE cm_{token} (tbl text, old text, new text, PRIMARY KEY (tbl, old))"
    )
    for (name, _column), renames in plan.code_renames.items():
        if renames:
            cur.execute(
                f"INSERT INTO cm_{token} SELECT %s, unnest(%s::text[]), unnest(%s::text[])",
                [name, list(renames), list(renames.values())],
            )


def _insert(cur, plan: Plan, table: Table, maps, token: str, file_prefix: str) -> None:
    """One INSERT ... SELECT for the whole table. Every literal inlined here comes from the
    catalogue or from validated codes (`_literal` refuses anything else)."""
    select = _InsertSelect(plan, table, maps, token, file_prefix)
    exprs = [select.column(column) for column in table.columns]
    sql = (
        f"INSERT INTO {qt(plan.target, table.name)} ({', '.join(q(c) for c in table.columns)}) "  # noqa: S608
        f"SELECT {', '.join(exprs)} FROM {qt(plan.source, table.name)} s "
        f"JOIN {maps[table.name]} m ON m.old = s.{q(table.pk)} AND m.moved "
        + " ".join(select.joins)
    )
    cur.execute(sql)


class _InsertSelect:
    """The select list of `_insert`, column by column, and the joins it needs (each with an
    alias of its own): a column's value as it arrives in the target, then its code followed
    to the renamed one, then its own rename."""

    def __init__(self, plan: Plan, table: Table, maps, token: str, file_prefix: str):
        self.plan, self.table, self.maps = plan, table, maps
        self.token, self.file_prefix = token, file_prefix
        self.tables = catalog()
        self.joins: list[str] = []
        self._counter = iter(range(1, 10_000))
        self.renamed = {col for (name, col), r in plan.renames.items() if name == table.name and r}
        self.soft = {r.column: r for r in SOFT_REFS if r.table == table.name}
        self.idrefs = {r.column: r for r in ID_REFS if r.table == table.name}
        self.coderefs = {r.column: r for r in CODE_REFS if r.table == table.name}

    def alias(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter)}"

    def column(self, column: str) -> str:
        src = f"s.{q(column)}"
        expr = self._value(column, src)
        if column in self.coderefs:
            expr = self._code_followed(self.coderefs[column], src, expr)
        if column in self.renamed:
            expr = self._renamed(column, expr)
        return expr

    def _value(self, column: str, src: str) -> str:
        table, maps = self.table, self.maps
        fk = table.fks.get(column)
        override = _arrival_expr(self.plan, table, column)
        if override is not None:
            return override
        if column == table.pk:
            return "m.new"
        if fk is not None and fk.target in maps:
            return self._mapped(maps[fk.target], src, "f")
        if fk is not None and fk.target in self.tables and not self.tables[fk.target].carried:
            return "NULL"  # a row left behind (a key, a device): never another agency's row
        if column in self.idrefs and self.idrefs[column].target in maps:
            return self._mapped(maps[self.idrefs[column].target], src, "i")
        if column in self.soft:
            ref = self.soft[column]
            return _soft_expr(ref, src, self.joins, self.alias, self.token, self.plan, table)
        if column in table.file_columns and self.file_prefix:
            return self._rerooted(src)
        return src

    def _mapped(self, map_table: str, src: str, prefix: str) -> str:
        a = self.alias(prefix)
        self.joins.append(f"LEFT JOIN {map_table} {a} ON {a}.old = {src}")
        return f"{a}.new"

    def _rerooted(self, src: str) -> str:
        """A stored file path, under the target's folder instead of the source's."""
        prefix = _literal(f"{self.plan.source}/")
        target = _literal(self.file_prefix)
        return (
            f"CASE WHEN {src} = '' THEN {src} WHEN left({src}, {len(prefix)}) = '{prefix}' "
            f"THEN '{target}' || substr({src}, {len(prefix) + 1}) ELSE '{target}' || {src} END"
        )

    def _code_followed(self, ref, src: str, expr: str) -> str:
        a = self.alias("c")
        self.joins.append(
            f"LEFT JOIN cm_{self.token} {a} ON {a}.tbl = '{_literal(ref.target)}' "
            f"AND {a}.old = {src}"
        )
        followed = f"COALESCE({a}.new, {expr})"
        if not ref.when:
            return followed
        return (
            f"CASE WHEN s.{q(ref.when[0])} = '{_literal(ref.when[1])}' "
            f"THEN {followed} ELSE {expr} END"
        )

    def _renamed(self, column: str, expr: str) -> str:
        a = self.alias("r")
        self.joins.append(
            f"LEFT JOIN rn_{self.token} {a} ON {a}.tbl = '{_literal(self.table.name)}' "
            f"AND {a}.col = '{_literal(column)}' AND {a}.old = s.{q(self.table.pk)}"
        )
        return f"COALESCE({a}.value, {expr})"


def _arrival_expr(plan: Plan, table: Table, column: str) -> str | None:
    """The value a column gets in the other agency instead of the source's (credentials.py)."""
    key = (table.name, column)
    if key in SECRET_COLUMNS:
        return SECRET_COLUMNS[key]
    people = "ARRAY[" + ",".join(str(int(i)) for i in sorted(plan.people)) + "]::bigint[]"
    template = ACROSS_AGENCIES.get(key) or ON_ARRIVAL.get(key)
    return template.format(row="s", people=people) if template else None


def _soft_expr(ref, src, joins, alias, token, plan: Plan, table: Table) -> str:
    type_src = f"s.{q(ref.type_column)}"
    t, m = alias("t"), alias("s")
    joins.append(f"LEFT JOIN tt_{token} {t} ON {t}.type = {type_src}")
    if ref.separator:
        sep = _literal(ref.separator)
        joins.append(
            f"LEFT JOIN sm_{token} {m} ON {m}.tbl = {t}.tbl "
            f"AND {m}.old = split_part({src}, '{sep}', 1)"
        )
        resolved = (
            f"{m}.new || CASE WHEN strpos({src}, '{sep}') > 0 "
            f"THEN substr({src}, strpos({src}, '{sep}')) ELSE '' END"
        )
    else:
        joins.append(f"LEFT JOIN sm_{token} {m} ON {m}.tbl = {t}.tbl AND {m}.old = {src}")
        resolved = f"{m}.new"
    by_code = ""
    for type_value, code_table, _code_column in ref.by_code:
        c = alias("c")
        joins.append(
            f"LEFT JOIN cm_{token} {c} ON {c}.tbl = '{_literal(code_table)}' AND {c}.old = {src}"
        )
        by_code += f"WHEN {type_src} = '{_literal(type_value)}' THEN COALESCE({c}.new, {src}) "
    max_length = int(table.max_lengths.get(ref.column, 64))
    # A known kind whose row is not carried keeps a marked value ("beta:12"), so that it
    # never points at an unrelated row of the target that happens to have the same id.
    marker = f"left('{_literal(plan.source_code)}:' || {src}, {max_length})"
    return (
        f"CASE {by_code}WHEN {src} = '' OR {t}.tbl IS NULL THEN {src} "
        f"WHEN {m}.new IS NOT NULL THEN {resolved} ELSE {marker} END"
    )


def _literal(value: str) -> str:
    if not re.match(r"^[A-Za-z0-9_.:/-]*$", value):
        raise ValueError(f"unsafe literal {value!r}")
    return value


def _provenance(cur, plan: Plan, maps: dict[str, str]) -> int:
    tables = catalog()
    written = 0
    target = qt(plan.target, "quality_core_provenance")
    for name in PROVENANCE_TABLES:
        if name not in maps or name not in tables:
            continue
        table = tables[name]
        label = _label_sql(cur, plan, table, maps[name])
        cur.execute(
            f"INSERT INTO {target} (object_type, object_id, source_code, source_name, "  # noqa: S608
            "source_id, source_label, operation, at) "
            f"SELECT %s, m.new::text, %s, %s, m.old::text, left({label}, 255), %s, now() "
            f"FROM {maps[name]} m LEFT JOIN {qt(plan.source, name)} s "
            f"ON s.{q(table.pk)} = m.old LEFT JOIN lb_{maps[name]} lb ON lb.old = m.old "
            "WHERE m.moved",
            [table.model_label, plan.source_code, plan.source_name[:255], plan.operation],
        )
        written += cur.rowcount
        cur.execute(f"DROP TABLE lb_{maps[name]}")
    return written


LABEL_COLUMNS = ("code", "email")  # what people call a record, where it is stored


def _label_sql(cur, plan: Plan, table: Table, map_name: str) -> str:
    """The SQL of a moved record's code in its old agency: a stored code column, else the
    model's computed `code` (SKPH-<id>) worked out here into a temp table, else "#<id>"."""
    cur.execute(f"CREATE TEMP TABLE lb_{map_name} (old bigint PRIMARY KEY, label text)")
    column = next((c for c in LABEL_COLUMNS if c in table.columns), None)
    if column is not None:
        return f"COALESCE(s.{q(column)}::text, '#' || m.old)"
    computed = getattr(table.model, "code", None)
    if isinstance(computed, property):
        cur.execute(f"SELECT old FROM {map_name} WHERE moved")  # noqa: S608
        olds = [row[0] for row in cur.fetchall()]
        labels = [str(table.model(pk=old).code) for old in olds]
        cur.execute(
            f"INSERT INTO lb_{map_name} SELECT unnest(%s::bigint[]), unnest(%s::text[])",
            [olds, labels],
        )
    return "COALESCE(lb.label, '#' || m.old)"
