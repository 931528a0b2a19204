"""`plan_build`: what maps onto an existing row, which codes are renamed; reads only."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import schema_context

from tenants.services.datamove.catalog import (
    CODE_REFS,
    SOFT_REFS,
    Table,
    Unique,
    catalog,
    type_tables,
)
from tenants.services.datamove.engine.common import Plan, StepCallback, q, qt, validate_suffix
from tenants.services.datamove.engine.counting import table_counts

MSG_DANGLING = gettext_noop(
    "Không chuyển được: %(count)s dòng của “%(table)s” trỏ tới dữ liệu không được chuyển "
    "(cột %(column)s)."
)


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
