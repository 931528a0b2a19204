"""Provisioning: pool claim, empty-pool fallback, concurrency, duplicates, failure cleanup."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from iso_platform.accounts.models import User
from tenants.models import Agency, AgencyEvent, Domain, SpareSchema
from tenants.services import pool, provisioning, schemas
from tenants.services.provisioning import MSG_CODE_TAKEN, AgencySpec, agency_provision


def spec(code="sotp", **extra):
    values = dict(
        code=code,
        name="Sở Tư pháp",
        kind="provincial_department",
        admin_email=f"admin@{code}.test",
        admin_name="Nguyễn Văn An",
    )
    values.update(extra)
    return AgencySpec(**values)


def test_pool_claim_renames_a_spare_into_a_usable_agency(world):
    spare = pool.spare_build()
    result = agency_provision(spec=spec(), method="pool")
    assert result.method == "pool"
    assert result.spare_schema == spare.schema_name
    assert not SpareSchema.objects.filter(pk=spare.pk).exists()
    assert schemas.existing([spare.schema_name, "ag_sotp"]) == {"ag_sotp"}
    agency = Agency.objects.get(code="sotp")
    assert agency.status == "active"
    assert Domain.objects.get(tenant=agency).domain == "sotp.localhost"
    with schema_context("ag_sotp"):
        admin = User.objects.get()
        assert admin.email == "admin@sotp.test" and admin.is_agency_admin
        assert not admin.has_usable_password()  # an invitation, not a password
    assert result.invitation is not None


def test_claimed_schema_accepts_inserts(world):
    pool.spare_build()
    agency_provision(spec=spec(), method="pool")
    with schema_context("ag_sotp"):
        User.objects.create_user("hai@sotp.test", "x" * 12, full_name="Hai", role="staff")
        assert User.objects.count() == 2


def test_empty_pool_falls_back_to_cloning(world):
    assert pool.pool_size() == 0
    result = agency_provision(spec=spec(), method="auto")
    assert result.method == "clone"
    assert Agency.objects.filter(code="sotp").exists()
    assert pool.pool_size() == 0


def test_migrate_method_builds_by_migrations(world):
    result = agency_provision(spec=spec(), method="migrate")
    assert result.method == "migrate"
    with schema_context("ag_sotp"):
        assert User.objects.count() == 1


def test_pool_only_refuses_when_the_pool_is_empty(world):
    with pytest.raises(ValidationError) as exc:
        agency_provision(spec=spec(), method="pool")
    assert exc.value.code == "pool_empty"
    assert not Agency.objects.filter(code="sotp").exists()


def test_the_same_code_twice_is_refused_and_nothing_changes(world):
    spare = pool.spare_build()
    with pytest.raises(ValidationError) as exc:
        agency_provision(spec=spec(code="alpha"), method="pool")
    assert exc.value.message_dict["code"] == [MSG_CODE_TAKEN % {"code": "alpha"}]
    assert SpareSchema.objects.filter(pk=spare.pk).exists()
    assert schemas.exists(spare.schema_name)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "Sotp",
        "-so",
        "so-",
        "so--tp",
        "sở",
        "so_tp",
        "so.tp",
        "www",
        "api",
        "admin",
        "static",
        "a" * 41,
    ],
)
def test_invalid_or_reserved_codes_are_refused(world, code):
    with pytest.raises(ValidationError) as exc:
        agency_provision(spec=spec(code=code), method="auto")
    assert "code" in exc.value.message_dict
    assert Agency.objects.count() == 3  # public, alpha, beta


def test_unknown_parent_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        agency_provision(spec=spec(parent_code="khongco"))
    assert "parent_code" in exc.value.message_dict


def test_a_parent_is_linked(world):
    pool.spare_build()
    result = agency_provision(spec=spec(parent_code="alpha"), method="pool")
    assert result.agency.parent == world.agency_a


def test_a_failure_after_the_claim_leaves_nothing_behind(world, monkeypatch):
    spare = pool.spare_build()

    def broken_seed(agency):
        raise RuntimeError("seed failed")

    monkeypatch.setattr(provisioning, "_seed_agency", broken_seed)
    with pytest.raises(RuntimeError):
        agency_provision(spec=spec(), method="pool")
    connection.set_schema_to_public()
    assert not Agency.objects.filter(code="sotp").exists()
    assert not Domain.objects.filter(domain="sotp.localhost").exists()
    assert not schemas.exists("ag_sotp")
    assert not AgencyEvent.objects.filter(agency__code="sotp").exists()
    # the spare is a spare again, under its own name
    assert SpareSchema.objects.filter(pk=spare.pk).exists()
    assert schemas.exists(spare.schema_name)


def test_a_failure_while_building_a_spare_leaves_no_schema(world, monkeypatch):
    before = {s for s in schemas.existing() if s.startswith("pool_")}

    def broken_clone(name):
        with connection.cursor() as cur:
            cur.execute(f'CREATE SCHEMA "{name}"')
        raise RuntimeError("clone failed half-way")

    monkeypatch.setattr(schemas, "create_cloned", broken_clone)
    with pytest.raises(RuntimeError):
        agency_provision(spec=spec(), method="auto")
    assert {s for s in schemas.existing() if s.startswith("pool_")} == before
    assert not Agency.objects.filter(code="sotp").exists()


def test_provisioning_records_an_event(world):
    pool.spare_build()
    agency_provision(spec=spec(), method="pool")
    event = AgencyEvent.objects.get(agency__code="sotp", action="provisioned")
    assert event.detail["method"] == "pool"
    # and the first administrator's invitation, for the console's onboarding page
    invited = AgencyEvent.objects.get(agency__code="sotp", action="admin_invitation")
    assert invited.detail["state"] == "sent" and invited.detail["email"] == "admin@sotp.test"


def _provision_in_thread(code, results, barrier):
    try:
        barrier.wait()
        results[code if code not in results else code + "#2"] = agency_provision(
            spec=spec(code=code), method="pool"
        )
    except ValidationError as exc:
        results[code if code not in results else code + "#2"] = exc
    finally:
        connection.close()


def test_two_concurrent_claims_never_get_the_same_spare(committed):
    pool.pool_refill(target=2)
    results, barrier = {}, threading.Barrier(2)
    threads = [
        threading.Thread(target=_provision_in_thread, args=(code, results, barrier))
        for code in ("song-a", "song-b")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert {type(r).__name__ for r in results.values()} == {"ProvisionResult"}
    assert results["song-a"].spare_schema != results["song-b"].spare_schema
    assert schemas.existing(["ag_song_a", "ag_song_b"]) == {"ag_song_a", "ag_song_b"}
    assert pool.pool_size() == 0


def test_the_same_code_at_the_same_moment_makes_one_agency(committed):
    pool.pool_refill(target=2)
    results, barrier = {}, threading.Barrier(2)
    threads = [
        threading.Thread(target=_provision_in_thread, args=("trung", results, barrier))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["ProvisionResult", "ValidationError"]
    assert Agency.objects.filter(code="trung").count() == 1
    assert pool.pool_size() == 1  # the loser's spare went back to the pool


def test_pool_refill_builds_up_to_the_target_and_no_more(world):
    assert pool.pool_refill(target=2) == 2
    assert pool.pool_refill(target=2) == 0
    assert pool.pool_size() == 2


def test_stale_spares_are_replaced(world):
    spare = pool.spare_build()
    SpareSchema.objects.filter(pk=spare.pk).update(migration_state="old")
    with connection.cursor() as cur:  # an older build: one migration missing
        cur.execute(
            f'DELETE FROM "{spare.schema_name}".django_migrations WHERE id = '
            f'(SELECT max(id) FROM "{spare.schema_name}".django_migrations)'
        )
    pool.pool_refill(target=1)
    assert not schemas.exists(spare.schema_name)
    assert pool.pool_size() == 1


def test_orphan_pool_schemas_are_dropped_by_refill(world):
    with connection.cursor() as cur:
        cur.execute('CREATE SCHEMA "pool_0rphan0000"')
    pool.pool_refill(target=0)
    assert not schemas.exists("pool_0rphan0000")
