"""Moving rows between two agency schemas of the same database, set-based.

`plan_build` reads both schemas and decides, table by table (parents first):

- which source rows become one with an existing target row (`mapped`: the same
  person by e-mail, the same reference row, a singleton, a colliding year...);
- which colliding codes are renamed, and to what (`renames`, by the confirmed rule);

`plan_apply` then, inside the caller's transaction:

1. builds one temporary map table per moved table, `old id -> new id`, the new ids
   drawn from the target's own sequence (mapped rows point at the existing row);
2. copies every table with one `INSERT ... SELECT` from the source schema, foreign
   keys rewritten by joining the maps, soft references (audit subjects, action
   sources...) by joining a typed map, renamed codes by joining the renames, stored
   file paths re-rooted under the target (the files are copied by `files.py`);
3. writes a provenance row per moved object of the main kinds;
4. never carries a credential (credentials.py): credential tables and the tables that stay
   behind are not moved (references to them become NULL), secret columns arrive blank,
   people arrive without the old agency's privileges, and active only when chosen
   (`Plan.people`);
5. leaves the source alone; the caller empties it (merge) or deletes the moved rows
   (split) in the same transaction.

Django creates foreign keys `DEFERRABLE INITIALLY DEFERRED`, so the order of the
inserts does not matter: every reference is checked at commit.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import schema_context

from tenants.services.datamove.catalog import (
    CODE_REFS,
    ID_REFS,
    PROVENANCE_TABLES,
    SOFT_REFS,
    Table,
    Unique,
    catalog,
    type_tables,
)
from tenants.services.datamove.credentials import ACROSS_AGENCIES, ON_ARRIVAL, SECRET_COLUMNS
from tenants.services.schemas import check_name

StepCallback = Callable[[str, int], None]
SUFFIX_RE = re.compile(r"^[A-Za-z0-9._-]{1,20}$")
MSG_SUFFIX = gettext_noop(
    "Hậu tố đổi mã chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới (1–20 ký tự)."
)
MSG_DANGLING = gettext_noop(
    "Không chuyển được: %(count)s dòng của “%(table)s” trỏ tới dữ liệu không được chuyển "
    "(cột %(column)s)."
)


def q(name: str) -> str:
    """Quote an identifier that comes from the model catalogue (never from a request)."""
    return '"' + name.replace('"', '""') + '"'


def qt(schema: str, table: str) -> str:
    return f"{q(check_name(schema))}.{q(table)}"


@dataclass
class Plan:
    source: str  # schema names
    target: str
    source_code: str
    source_name: str
    operation: str
    suffix: str
    selection: dict[str, set[int]] | None = None  # None: every row of every data table
    # Source ids of the people the provincial administrator chose: they arrive active (and
    # are invited); everyone else the moved rows name arrives as an inactive record.
    people: frozenset[int] = frozenset()
    tables: list[str] = field(default_factory=list)
    mapped: dict[str, dict[int, int]] = field(default_factory=dict)
    renames: dict[tuple[str, str], dict[int, str]] = field(default_factory=dict)
    code_renames: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    conflicts: list[dict] = field(default_factory=list)
    counts: dict[str, dict] = field(default_factory=dict)
    users_matched: list[dict] = field(default_factory=list)
    cleared: dict[str, int] = field(default_factory=dict)  # "table.column" -> references set NULL
    # "table.column" -> references to rows that never leave their agency (an integration key,
    # credentials.py): they arrive NULL whatever is chosen.
    cut: dict[str, int] = field(default_factory=dict)

    def moved_count(self, table: str) -> int:
        c = self.counts.get(table, {})
        return c.get("source", 0) - c.get("mapped", 0)

    def conflict_keys(self) -> set[tuple]:
        return {(c["table"], c["column"], c["source_id"]) for c in self.conflicts}


def validate_suffix(suffix: str) -> str:
    if not SUFFIX_RE.match(suffix or ""):
        raise ValidationError({"suffix": _(MSG_SUFFIX)})
    return suffix


def default_suffix(code: str) -> str:
    return "-" + code.upper()[:19]


# --------------------------------------------------------------------------- counting


def table_counts(schema: str, tables: Iterable[str] | None = None) -> dict[str, int]:
    names = list(tables) if tables is not None else [t.name for t in catalog().values()]
    if not names:
        return {}
    sql = " UNION ALL ".join(
        f"SELECT %s, count(*) FROM {qt(schema, name)}"  # noqa: S608 - catalogue names
        for name in names
    )
    with connection.cursor() as cur:
        cur.execute(sql, names)
        return {name: n for name, n in cur.fetchall()}


# --------------------------------------------------------------------------- planning


def plan_build(plan: Plan, on_step: StepCallback | None = None) -> Plan:
    """Fill `plan.mapped`, `renames`, `conflicts` and `counts`. Reads only."""
    validate_suffix(plan.suffix)
    step = on_step or (lambda _t, _p: None)
    tables = catalog()
    order = [t for t in tables.values() if t.carried]
    plan.tables = [t.name for t in order]
    source_counts = _selected_counts(plan, order)
    target_counts = table_counts(plan.target, plan.tables)
    for index, table in enumerate(order):
        if index % 8 == 0:
            step(_("Đối chiếu dữ liệu: %(table)s") % {"table": table.label}, 5 + index)
        mapped = plan.mapped.setdefault(table.name, {})
        if source_counts.get(table.name, 0):
            if table.singleton:
                _plan_singleton(plan, table, mapped)
            for unique in table.uniques:
                _plan_unique(plan, table, unique, mapped)
        plan.counts[table.name] = {
            "label": table.label,
            "reference": table.reference,
            "source": source_counts.get(table.name, 0),
            "target": target_counts.get(table.name, 0),
            "mapped": len(mapped),
        }
        for (name, column), renames in plan.renames.items():
            if name == table.name and (name, column) in _code_targets():
                plan.code_renames[(name, column)] = _old_values(plan, table, column, renames)
    _check_dangling(plan, order)
    return plan


def _code_targets() -> set[tuple[str, str]]:
    found = {(r.target, r.target_column) for r in CODE_REFS}
    for ref in SOFT_REFS:
        found |= {(t, c) for _type, t, c in ref.by_code}
    return found


def _selected_counts(plan: Plan, order: list[Table]) -> dict[str, int]:
    if plan.selection is None:
        return table_counts(plan.source, [t.name for t in order])
    return {t.name: len(plan.selection.get(t.name, ())) for t in order}


def _queryset(plan: Plan, table: Table, schema: str):
    manager = table.model._base_manager
    qs = manager.all()
    if schema == plan.source and plan.selection is not None:
        qs = qs.filter(pk__in=list(plan.selection.get(table.name, ())))
    return qs


def _plan_singleton(plan: Plan, table: Table, mapped: dict[int, int]) -> None:
    with schema_context(plan.target):
        target_pk = table.model._base_manager.values_list("pk", flat=True).first()
    if target_pk is None:
        return  # inserted with its own pk (see plan_apply)
    with schema_context(plan.source):
        source_pks = list(_queryset(plan, table, plan.source).values_list("pk", flat=True))
    for pk in source_pks:
        mapped[pk] = target_pk
        if not table.reference:
            plan.conflicts.append(_conflict(table, "pk", pk, "", "", "keep_target", "singleton"))


def _conflict(table, column, source_id, value, new, action, constraint) -> dict:
    return {
        "table": table.name,
        "label": table.label,
        "column": column,
        "source_id": source_id,
        "value": str(value),
        "new": str(new),
        "action": action,
        "constraint": constraint,
    }


def _key_values(plan: Plan, table: Table, unique: Unique, schema: str, restrict=None, extra=()):
    """[(pk, *keys, *extra)] of the rows under the constraint, keys computed by the database."""
    qs = _queryset(plan, table, schema)
    if unique.condition is not None:
        qs = qs.filter(unique.condition)
    names, annotations = [], {}
    for i, key in enumerate(unique.keys):
        if isinstance(key, str):
            names.append(key)
        else:
            annotations[f"_k{i}"] = key
            names.append(f"_k{i}")
    if annotations:
        qs = qs.annotate(**annotations)
    if restrict is not None:
        qs = qs.filter(restrict)
    with schema_context(schema):
        return list(qs.values_list("pk", *names, *extra))


_FRESH = object()  # a reference to a row that gets a new id: can never collide


def _follow_soft(plan: Plan, ref, type_value, value):
    for code_type, code_table, code_column in ref.by_code:
        if type_value == code_type:
            return plan.code_renames.get((code_table, code_column), {}).get(value, value)
    target = type_tables().get(type_value)
    if target is None or value in ("", None):
        return value
    head, sep, tail = str(value).partition(ref.separator) if ref.separator else (value, "", "")
    try:
        old = int(head)
    except (TypeError, ValueError):
        return value
    mapped = plan.mapped.get(target, {})
    if old in mapped:
        return f"{mapped[old]}{sep}{tail}"
    table = catalog().get(target)
    if table is not None and table.data and target in plan.tables:
        return _FRESH
    return value


def _norm(value, ci: bool):
    return value.lower() if ci and isinstance(value, str) else value


def _plan_unique(plan: Plan, table: Table, unique: Unique, mapped: dict[int, int]) -> None:
    fk_targets = {c: table.fks[c].target for c in unique.fk_columns}
    restricts = _parent_restricts(plan, unique, fk_targets)
    if restricts is None:
        return
    restrict, target_restrict = restricts
    arriving = _ArrivingKey(plan, table, unique, fk_targets)
    source_rows = _key_values(plan, table, unique, plan.source, restrict, arriving.extra)
    if not source_rows:
        return
    if unique.rename_column and not unique.fk_columns:
        # A plain code compared as stored: only the target rows holding one of the moved
        # codes can collide, so read only those.
        key = unique.keys[0]
        if isinstance(key, str) and not unique.case_insensitive:
            target_restrict &= Q(**{f"{key}__in": [row[1] for row in source_rows]})
    target_rows = _key_values(plan, table, unique, plan.target, target_restrict)
    target_keys = {
        tuple(_norm(v, unique.case_insensitive) for v in row[1:]): row[0] for row in target_rows
    }
    collisions = _collisions(arriving, source_rows, target_keys, mapped)
    if not collisions:
        return
    if unique.rename_column and not table.reference:
        _plan_renames(plan, table, unique, collisions)
        return
    _plan_maps(plan, table, unique, mapped, collisions)


def _parent_restricts(plan: Plan, unique: Unique, fk_targets: dict[str, str]):
    """(source, target) filters on the constraint's foreign-key parts, or None when no row can
    collide. A key holding a freshly moved parent can never collide: only rows whose
    foreign-key parts all point at mapped rows (or are NULL, under NULLS NOT DISTINCT) are
    candidates."""
    by_column = dict(zip(unique.columns, unique.keys, strict=False))
    restrict = Q()
    target_restrict = Q()
    for column, target in fk_targets.items():
        parents = plan.mapped.get(target, {})
        if not parents and unique.nulls_distinct:
            return None
        name = by_column[column]
        here = Q(**{f"{name}__in": list(parents)})
        there = Q(**{f"{name}__in": sorted(set(parents.values()))})
        if not unique.nulls_distinct:
            here |= Q(**{f"{name}__isnull": True})
            there |= Q(**{f"{name}__isnull": True})
        restrict &= here
        target_restrict &= there
    return restrict, target_restrict


class _ArrivingKey:
    """A source row's key as it will read in the target: foreign-key parts through the
    parents' mapping, soft references and codes through their renames."""

    def __init__(self, plan: Plan, table: Table, unique: Unique, fk_targets: dict[str, str]):
        self.plan, self.table, self.unique, self.fk_targets = plan, table, unique, fk_targets
        self.soft = {
            r.column: r for r in SOFT_REFS if r.table == table.name and r.column in unique.columns
        }
        type_field = {f.column: f.attname for f in table.model._meta.concrete_fields}
        # Read with the key: the type column of each soft reference in it.
        self.extra = tuple(type_field[r.type_column] for r in self.soft.values())

    def of(self, values, types) -> tuple | None:
        """None: the key cannot collide (it holds a freshly moved row, or a NULL that the
        constraint lets repeat)."""
        type_of = dict(zip([r.column for r in self.soft.values()], types, strict=True))
        key = [
            _norm(self._value(column, value, type_of), self.unique.case_insensitive)
            for column, value in zip(self.unique.columns, values, strict=True)
        ]
        if any(v is _FRESH for v in key):
            return None
        if self.unique.nulls_distinct and any(v is None for v in key):
            return None
        return tuple(key)

    def _value(self, column: str, value, type_of: dict):
        if column in self.fk_targets:
            if value is None:
                return None
            return self.plan.mapped.get(self.fk_targets[column], {}).get(value, _FRESH)
        if column in self.soft:
            return _follow_soft(self.plan, self.soft[column], type_of[column], value)
        return _follow_code(self.plan, self.table, column, value)


def _collisions(arriving: _ArrivingKey, source_rows, target_keys: dict, mapped: dict[int, int]):
    """[(source pk, key values as stored, target pk)] of the rows not yet mapped whose
    arriving key the target already holds."""
    width = len(arriving.unique.columns)
    collisions = []
    for row in source_rows:
        pk, values, types = row[0], row[1 : 1 + width], row[1 + width :]
        if pk in mapped:
            continue
        key = arriving.of(values, types)
        found = None if key is None else target_keys.get(key)
        if found is not None:
            collisions.append((pk, values, found))
    return collisions


def _plan_maps(plan: Plan, table: Table, unique: Unique, mapped: dict[int, int], collisions):
    """The colliding rows become one with the target's: a conflict to show, except for
    reference rows; a matched person is listed as such."""
    for pk, values, found in collisions:
        mapped[pk] = found
        if table.reference:
            continue
        value = ", ".join(str(v) for v in values)
        if table.name == "accounts_user":
            plan.users_matched.append(
                {"email": str(values[0]), "source_id": pk, "target_id": found}
            )
        plan.conflicts.append(
            _conflict(table, ",".join(unique.columns), pk, value, found, "map", unique.name)
        )


def _follow_code(plan: Plan, table: Table, column: str, value):
    for ref in CODE_REFS:
        if ref.table == table.name and ref.column == column and ref.when is None:
            renamed = plan.code_renames.get((ref.target, ref.target_column), {})
            return renamed.get(value, value)
    return value


def _plan_renames(plan: Plan, table: Table, unique: Unique, collisions) -> None:
    column = unique.rename_column
    field_name = next(f.attname for f in table.model._meta.concrete_fields if f.column == column)
    max_length = table.max_lengths.get(column, 255)
    with schema_context(plan.source):
        originals = dict(
            _queryset(plan, table, plan.source)
            .filter(pk__in=[pk for pk, _v, _f in collisions])
            .values_list("pk", field_name)
        )
    taken: set[str] = set()
    result = plan.renames.setdefault((table.name, column), {})
    pending = {pk: originals[pk] for pk, _v, _f in collisions}
    attempt = 1
    while pending:
        candidates = {
            pk: _candidate(v, plan.suffix, attempt, max_length) for pk, v in pending.items()
        }
        used = _existing_values(plan, table, field_name, set(candidates.values()), unique)
        next_round = {}
        for pk, candidate in candidates.items():
            norm = candidate.upper() if unique.case_insensitive else candidate
            if norm in used or norm in taken:
                next_round[pk] = pending[pk]
                continue
            taken.add(norm)
            result[pk] = candidate
            plan.conflicts.append(
                _conflict(table, column, pk, pending[pk], candidate, "rename", unique.name)
            )
        pending, attempt = next_round, attempt + 1
        if attempt > 50:
            raise RuntimeError(f"no free code for {table.name}.{column}")


def _candidate(value: str, suffix: str, attempt: int, max_length: int) -> str:
    tail = suffix if attempt == 1 else f"{suffix}-{attempt}"
    return value[: max(1, max_length - len(tail))] + tail


def _existing_values(plan: Plan, table: Table, field_name: str, values: set[str], unique) -> set:
    found = set()
    for schema in (plan.target, plan.source):
        with schema_context(schema):
            qs = table.model._base_manager.all()
            if unique.case_insensitive:
                from django.db.models.functions import Upper

                qs = qs.annotate(_u=Upper(field_name)).filter(_u__in=[v.upper() for v in values])
                found |= set(qs.values_list("_u", flat=True))
            else:
                found |= set(
                    qs.filter(**{f"{field_name}__in": values}).values_list(field_name, flat=True)
                )
    return found


def _old_values(plan: Plan, table: Table, column: str, renames: dict[int, str]) -> dict[str, str]:
    field_name = next(f.attname for f in table.model._meta.concrete_fields if f.column == column)
    with schema_context(plan.source):
        olds = dict(
            table.model._base_manager.filter(pk__in=list(renames)).values_list("pk", field_name)
        )
    return {olds[pk]: new for pk, new in renames.items() if pk in olds}


def _check_dangling(plan: Plan, order: list[Table]) -> None:
    """A selection must carry every row its non-null foreign keys need."""
    if plan.selection is None:
        return
    for table in order:
        ids = plan.selection.get(table.name)
        if not ids:
            continue
        for fk in table.fks.values():
            if fk.target == table.name and fk.column == table.pk:
                continue
            target_table = catalog().get(fk.target)
            stays = target_table is None or not target_table.carried
            carried = (
                set()
                if stays
                else plan.selection.get(fk.target, set()) | set(plan.mapped.get(fk.target, {}))
            )
            with connection.cursor() as cur:
                cur.execute(
                    f"SELECT count(*) FROM {qt(plan.source, table.name)} "  # noqa: S608
                    f"WHERE {q(table.pk)} = ANY(%s) AND {q(fk.column)} IS NOT NULL "
                    f"AND NOT ({q(fk.column)} = ANY(%s))",
                    [list(ids), list(carried)],
                )
                missing = cur.fetchone()[0]
            if not missing:
                continue
            if stays:  # a credential: the reference arrives NULL (see _insert)
                plan.cut[f"{table.name}.{fk.column}"] = missing
            elif fk.nullable:
                plan.cleared[f"{table.name}.{fk.column}"] = missing
            else:
                raise ValidationError(
                    _(MSG_DANGLING) % {"count": missing, "table": table.label, "column": fk.column}
                )


# --------------------------------------------------------------------------- applying


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
