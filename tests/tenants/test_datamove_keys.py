"""How the data engine reads unique keys: the columns of a rule (catalog.py) and a source
row's key as it will read in the target agency (engine/planning.py). Pure: no schema is touched."""

from __future__ import annotations

from django.db.models.functions import ExtractYear, Lower

from iso_platform.accounts.models import User
from tenants.services.datamove.catalog import _key_columns, catalog
from tenants.services.datamove.engine import planning
from tenants.services.datamove.engine.common import Plan


def test_the_columns_of_a_rule_by_field_name_and_by_expression():
    by_name = {f.name: f for f in User._meta.concrete_fields}
    assert _key_columns(("email",), by_name, {}) == (["email"], [], ["email"], False)
    assert _key_columns(("is_active",), by_name, {}) == (["is_active"], [], [], False)
    # An expression names its fields: a text one compared without case, a date one as it is.
    assert _key_columns((Lower("email"), ExtractYear("date_joined")), by_name, {}) == (
        ["email", "date_joined"],
        [],
        ["email"],
        True,
    )


def _user_groups_plan(mapped: dict[str, dict[int, int]]):
    table = catalog()["accounts_user_groups"]
    (unique,) = table.uniques
    fk_targets = {c: table.fks[c].target for c in unique.fk_columns}
    plan = Plan(
        source="ag_alpha",
        target="ag_beta",
        source_code="alpha",
        source_name="Alpha",
        operation="merge",
        suffix="-ALPHA",
        mapped=mapped,
    )
    return planning._ArrivingKey(plan, table, unique, fk_targets)


def test_a_key_reads_through_the_mapped_parents_and_never_collides_with_a_new_one():
    arriving = _user_groups_plan({"accounts_user": {1: 10}, "auth_group": {2: 20}})
    assert arriving.of((1, 2), ()) == (10, 20)
    assert arriving.of((1, 3), ()) is None  # group 3 arrives with a new id: no collision
    assert arriving.of((1, None), ()) is None  # NULLs are distinct under this rule


def test_only_rows_not_yet_mapped_and_whose_key_the_target_holds_collide():
    arriving = _user_groups_plan({"accounts_user": {1: 10}, "auth_group": {2: 20, 4: 40}})
    source_rows = [(5, 1, 2), (6, 1, 2), (7, 1, 4), (8, 1, 3)]
    target_keys = {(10, 20): 99}
    collisions = planning._collisions(arriving, source_rows, target_keys, mapped={6: 77})
    assert collisions == [(5, (1, 2), 99)]
