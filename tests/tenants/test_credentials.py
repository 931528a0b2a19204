"""No credential leaves an agency: not in an export or backup archive, not into another agency
by a split or a merge (tenants/services/datamove/credentials.py); people cross agencies only
when the provincial administrator chose them, without a usable password, and are invited."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from eiso.fleet import merge, split
from eiso.testing.lifecycle import add_credentials, fill
from integrations.models import ApiKey, InboxEvent, PullConnector
from iso_platform.accounts.models import ApiToken, Invitation, User
from tenants.models import Agency, OperationStatus
from tenants.services import exports, operations
from tenants.services.datamove.catalog import catalog, tenant_models
from tenants.services.datamove.credentials import (
    ACROSS_AGENCIES,
    CREDENTIAL_TABLES,
    NOT_SECRET,
    ON_ARRIVAL,
    SECRET_COLUMNS,
    SECRET_LOOKING,
    STAY_BEHIND_TABLES,
)
from tenants.services.datamove.engine.counting import table_counts


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(operations, "enqueue", lambda op_id: None)


@pytest.fixture
def filled(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    content = fill(world.agency_a, world.owner_a, "A")
    secrets = add_credentials("ag_alpha", world.owner_a)
    return world, content, secrets


# --------------------------------------------------------------------------- the list


def test_every_column_whose_name_looks_secret_is_classified():
    """A new field named like a secret (password, key, token, digest, code...) must be put in
    credentials.py: as a secret, or as not secret with the reason."""
    unclassified = []
    for model in tenant_models():
        table = model._meta.db_table
        if table in CREDENTIAL_TABLES:
            continue
        for field in model._meta.concrete_fields:
            if not (SECRET_LOOKING.search(field.name) or SECRET_LOOKING.search(field.column)):
                continue
            key = (table, field.column)
            if key not in SECRET_COLUMNS and not NOT_SECRET.get(key):
                unclassified.append(f"{table}.{field.column}")
    assert unclassified == []


def test_the_list_names_only_tables_and_columns_that_exist():
    columns = {(t.name, c) for t in catalog().values() for c in t.columns}
    tables = set(catalog())
    assert set(CREDENTIAL_TABLES) <= tables and tables >= STAY_BEHIND_TABLES
    for key in (*SECRET_COLUMNS, *ON_ARRIVAL, *ACROSS_AGENCIES, *NOT_SECRET):
        assert key in columns, key
    assert not set(SECRET_COLUMNS) & set(NOT_SECRET)
    assert all(catalog()[name].excluded for name in CREDENTIAL_TABLES)


# --------------------------------------------------------------------------- archives


def _export(world, settings) -> Path:
    op = exports.export_request(agency=world.agency_a, by=world.province_admin)
    op = exports.export_run(op_id=op.pk)
    assert op.status == OperationStatus.SUCCEEDED, op.error
    return Path(settings.MEDIA_ROOT) / op.artifact


def test_an_export_holds_no_secret_of_any_table(filled, settings):
    world, _content, secrets = filled
    path = _export(world, settings)
    counts = table_counts("ag_alpha")
    assert all(counts[name] for name in CREDENTIAL_TABLES if name != "axes_accessattemptexpiration")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
        everything = b"".join(archive.read(n) for n in names)
        for table in catalog().values():  # every table of the agency schema
            member = f"tables/{table.name}.jsonl"
            if table.name in CREDENTIAL_TABLES:
                assert member not in names and table.name not in manifest["tables"], table.name
                continue
            assert manifest["tables"][table.name]["rows"] == counts[table.name], table.name
            secret = {c for (t, c) in SECRET_COLUMNS if t == table.name}
            for line in archive.read(member).splitlines():
                row = json.loads(line)
                assert set(row) == set(table.columns), table.name
                assert all(row[c] is None for c in secret), (table.name, secret)
    assert sorted(manifest["secret_columns"]) == sorted(f"{t}.{c}" for t, c in SECRET_COLUMNS)
    leaked = sorted(s for s in secrets if s.encode() in everything)
    assert leaked == []


def test_an_import_brings_people_back_without_credentials_and_invites_the_admins(
    filled, settings, django_capture_on_commit_callbacks
):
    world, _content, _secrets = filled
    path = _export(world, settings)
    with open(path, "rb") as upload:
        op = exports.import_preview(
            upload=upload, code="gamma", name="Sở Gamma", kind="provincial_department"
        )
    operations.confirm(op)
    with django_capture_on_commit_callbacks(execute=True):
        done = exports.import_run(op_id=op.pk)
    assert done.status == OperationStatus.SUCCEEDED, done.error
    assert done.report["invited"] == [world.owner_a.email]
    with schema_context("ag_gamma"):
        assert User.objects.count() == table_counts("ag_alpha")["accounts_user"]
        assert not any(u.has_usable_password() for u in User.objects.all())
        assert not TOTPDevice.objects.exists() and not ApiToken.objects.exists()
        owner = User.objects.get(email=world.owner_a.email)
        assert owner.is_agency_admin and owner.is_active
        assert list(Invitation.objects.values_list("user__email", flat=True)) == [owner.email]
        key = ApiKey.objects.get()
        assert key.revoked_at is not None and bytes(key.secret_encrypted) == b""
        assert InboxEvent.objects.filter(key=key).count() == 1  # its events keep their key
        connector = PullConnector.objects.get()
        assert not connector.enabled and bytes(connector.auth_header) == b""
    connection.set_schema_to_public()
    gamma = Agency.objects.get(code="gamma")
    assert gamma.events.filter(action="admin_invitation").exists()  # the console follows it


# --------------------------------------------------------------------------- split


def _split(world, content, **people):
    op = split.split_preview(
        source=world.agency_a,
        unit_ids=[content.unit.pk],
        procedure_ids=[content.procedure_id],
        code="gamma",
        name="Trung tâm Gamma",
        kind="service_centre",
        admin_email="quantri@gamma.test",
        admin_name="Quản Trị Gamma",
        by=world.province_admin,
        **people,
    )
    return op


def test_a_split_brings_nobody_active_unless_chosen_and_no_credential(
    filled, password, django_capture_on_commit_callbacks
):
    """The source's administrator (named by the moved rows) must not become the new agency's
    administrator, nor arrive with her password hash or her two-factor device."""
    world, content, secrets = filled
    with schema_context("ag_alpha"):
        copied = User.objects.get(email="boss@a.test").pk
    op = _split(world, content, people_copy=[copied])
    people = {p["email"]: p["outcome"] for p in op.report["people"]}
    assert people[world.owner_a.email] == "record" and people["boss@a.test"] == "invited"
    operations.confirm(op)
    with django_capture_on_commit_callbacks(execute=True):
        done = split.split_run(op_id=op.pk)
    assert done.status == OperationStatus.SUCCEEDED, done.error
    with schema_context("ag_gamma"):
        owner = User.objects.get(email=world.owner_a.email)  # named by the moved rows
        assert not owner.is_active and not owner.is_agency_admin
        assert not owner.has_usable_password()
        admins = User.objects.filter(is_agency_admin=True)
        assert list(admins.values_list("email", flat=True)) == ["quantri@gamma.test"]
        boss = User.objects.get(email="boss@a.test")
        assert boss.is_active and not boss.has_usable_password() and not boss.is_agency_admin
        invited = set(Invitation.objects.values_list("user__email", flat=True))
        assert invited == {"quantri@gamma.test", "boss@a.test"}
        assert not User.objects.filter(is_active=True, password__in=secrets).exists()
        assert not any(u.has_usable_password() for u in User.objects.all())
        for model in (TOTPDevice, ApiToken, ApiKey):
            assert not model.objects.exists(), model
        assert InboxEvent.objects.filter(key__isnull=False).count() == 0
    with schema_context("ag_alpha"):  # a copied person keeps working in the source
        assert User.objects.get(pk=copied).is_active
        assert User.objects.get(pk=world.owner_a.pk).check_password(password)
        assert TOTPDevice.objects.filter(user=world.owner_a).exists()
    connection.set_schema_to_public()
    event = world.agency_a.events.get(action="split_out")
    assert event.detail["people"]["invited"] == ["boss@a.test"]
    assert event.detail["people"]["moved"] == []
    assert event.detail["people"]["records"] >= 1
    assert event.detail["tables"]["quality_procedures_procedure"] == 1


def test_a_split_refuses_people_of_another_agency_or_chosen_twice(filled):
    world, content, _secrets = filled
    with schema_context("ag_beta"):
        stranger = User.objects.get(email=world.user_b.email).pk + 10_000
    with pytest.raises(ValidationError, match="không thuộc cơ quan nguồn"):
        _split(world, content, people_move=[stranger])
    with pytest.raises(ValidationError, match="vừa được chuyển vừa được sao chép"):
        _split(world, content, people_move=[world.member_a.pk], people_copy=[world.member_a.pk])
    assert not Agency.objects.filter(code="gamma").exists()


# --------------------------------------------------------------------------- merge


def test_a_merge_carries_no_credential_and_no_unchosen_account(
    filled, django_capture_on_commit_callbacks
):
    world, _content, _a_secrets = filled
    fill(world.agency_b, world.user_b, "B")
    b_secrets = add_credentials("ag_beta", world.user_b)
    a_before = table_counts("ag_alpha")
    op = merge.merge_preview(
        target=world.agency_a,
        source=world.agency_b,
        people_emails=["staff@b.test"],
        by=world.province_admin,
    )
    outcome = {p["email"]: p["outcome"] for p in op.report["people"]}
    assert outcome[world.user_b.email] == "record" and outcome["staff@b.test"] == "invited"
    operations.confirm(op)
    with django_capture_on_commit_callbacks(execute=True):
        done = merge.merge_run(op_id=op.pk)
    assert done.status == OperationStatus.SUCCEEDED, done.error
    after = table_counts("ag_alpha")
    for name in STAY_BEHIND_TABLES - {"accounts_invitation"}:
        assert after[name] == a_before[name], name  # nothing of B's
    with schema_context("ag_alpha"):
        admin_b = User.objects.get(email=world.user_b.email)
        assert not admin_b.is_active and not admin_b.is_agency_admin
        assert not admin_b.has_usable_password()
        staff = User.objects.get(email="staff@b.test")
        assert staff.is_active and not staff.has_usable_password()
        assert staff.invitations.count() == 1
        stored = set(User.objects.values_list("password", flat=True))
        stored |= set(TOTPDevice.objects.values_list("key", flat=True))
        assert not stored & b_secrets
        assert (
            not InboxEvent.objects.filter(key__isnull=False)
            .exclude(key__in=ApiKey.objects.all())
            .exists()
        )
    connection.set_schema_to_public()
    event = world.agency_a.events.get(action="merged_in")
    assert event.detail["people"]["invited"] == ["staff@b.test"]


def test_a_merge_refuses_a_person_it_does_not_know(filled):
    world, _content, _secrets = filled
    with pytest.raises(ValidationError, match="không thuộc cơ quan nguồn"):
        merge.merge_preview(
            target=world.agency_a,
            source=world.agency_b,
            people_emails=["ai-do@khac.test"],
            by=world.province_admin,
        )
