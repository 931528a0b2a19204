"""Back up one agency, destroy its data, restore it (in place or as a new agency): every
catalogued table comes back with the same rows (count and checksum) and the files with the
same SHA-256; a bad archive or a crash mid-restore changes nothing."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from eiso.testing.lifecycle import PNG, fill, snapshot
from tenants.models import Agency
from tenants.services import backups, operations, schemas
from tenants.services.datamove.catalog import catalog
from tenants.services.datamove.engine.common import qt
from tenants.services.datamove.engine.counting import table_counts

from .test_export import rows

SCHEMA = "ag_alpha"


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(operations, "enqueue", lambda op_id: None)
    monkeypatch.setattr(backups, "_after_commit", _files_only)


def _files_only(names, schema):  # the statistics refresh is not under test here
    from tenants.services.datamove import files as move_files

    move_files.delete_files(names)


@pytest.fixture
def filled(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    content = fill(world.agency_a, world.owner_a, "A")
    return world, content


def media(settings, name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def state(settings, *, arrived: bool = False) -> tuple[dict, dict, dict]:
    """(table counts, table checksums, stored file -> SHA-256) of agency A. `arrived`: what
    an archive carries (no credentials, eiso.testing.lifecycle.snapshot)."""
    root = media(settings, SCHEMA)
    files = {str(p.relative_to(root)): sha(p) for p in root.rglob("*") if p.is_file()}
    counts = table_counts(SCHEMA)
    if arrived:
        counts = {t.name: counts[t.name] for t in catalog().values() if not t.excluded}
    return counts, snapshot(SCHEMA, arrived=arrived), files


def destroy(world, settings, content) -> str:
    """Delete rows of several tables, change and add others, delete a stored file and add a
    new one (named by a new row). Returns the new file's name."""
    from quality.core.models import Unit
    from quality.documents.models import Revision, RevisionFile

    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the pending checks first
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        cur.execute(
            f"TRUNCATE {qt(SCHEMA, 'quality_procedures_application')}, "
            f"{qt(SCHEMA, 'quality_documents_revisionfile')} CASCADE"
        )
        cur.execute(f"UPDATE {qt(SCHEMA, 'quality_core_unit')} SET name = 'Hỏng'")
    media(settings, content.file_name).unlink()
    with schema_context(SCHEMA):
        Unit.objects.create(code="MOI", name="Đơn vị thêm sau sao lưu")
        extra = RevisionFile.objects.create(
            revision=Revision.objects.get(pk=content.revision_id),
            file=ContentFile(b"new file", name="them.txt"),
            name="them.txt",
            content_type="text/plain",
            size=8,
            sha256=hashlib.sha256(b"new file").hexdigest(),
            uploaded_by=content.member,
        )
    connection.set_schema_to_public()
    assert media(settings, extra.file.name).exists()
    return extra.file.name


def test_back_up_destroy_and_restore_in_place(
    filled, settings, tmp_path, django_capture_on_commit_callbacks
):
    world, content = filled
    before = state(settings, arrived=True)
    assert before[0]["quality_procedures_application"] == 2 and content.file_name in {
        f"{SCHEMA}/{name}" for name in before[2]
    }
    result = backups.agency_backup(agency=world.agency_a, path=tmp_path / "a.zip")
    assert result["rows"] == sum(before[0][t.name] for t in catalog().values() if not t.excluded)
    assert result["sha256"] == sha(tmp_path / "a.zip") and result["files"] == 1

    extra = destroy(world, settings, content)
    assert state(settings) != before
    with django_capture_on_commit_callbacks(execute=True):
        report = backups.agency_restore_into(agency=world.agency_a, path=tmp_path / "a.zip")
    assert report["rows"] == result["rows"] and report["files_written"] == 1
    assert report["files_removed"] == 1
    after = state(settings, arrived=True)
    assert after[0] == before[0]  # every catalogued table: the same count
    assert after[1] == before[1]  # ... and the same rows (checksum of row_to_json by id)
    assert after[2] == before[2]  # the same files, byte for byte; the added one is gone
    assert not media(settings, extra).exists()
    assert media(settings, content.file_name).read_bytes() == PNG
    # the sequences follow the restored ids: new rows do not collide
    with schema_context(SCHEMA):
        from quality.core.models import Unit

        assert Unit.objects.create(code="SAU", name="Sau").pk > content.unit.pk
        # nobody signs in with the archive's credentials; the administrators are invited
        from iso_platform.accounts.models import User

        assert not any(u.has_usable_password() for u in User.objects.all())
        admins = list(User.objects.filter(is_agency_admin=True).values_list("email", flat=True))
        assert admins and sorted(report["invited"]) == sorted(admins)
    assert world.agency_a.events.filter(action="restored").exists()


def test_restore_as_a_new_agency_gives_the_same_tables(filled, settings, tmp_path):
    world, content = filled
    backups.agency_backup(agency=world.agency_a, path=tmp_path / "a.zip")
    op = backups.agency_restore_new(
        path=tmp_path / "a.zip", code="gamma", name="Sở Gamma", kind="provincial_department"
    )
    gamma = Agency.objects.get(code="gamma")
    assert op.other_id == gamma.pk
    same, theirs = snapshot(SCHEMA, arrived=True), snapshot("ag_gamma", arrived=True)
    for table in catalog().values():
        if table.excluded:
            continue
        if table.file_columns:  # file names are re-rooted under the new schema
            assert rows("ag_gamma", table, arrived=True) == rows(SCHEMA, table, arrived=True)
        else:
            assert theirs[table.name] == same[table.name], table.name
    restored = media(settings, "ag_gamma/" + content.file_name.split("/", 1)[1])
    assert restored.read_bytes() == PNG


def _rewrite(path: Path, out: Path, change) -> None:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, change(item.filename, src.read(item.filename)))


def _tampered(name, data):
    if name == "tables/quality_procedures_application.jsonl":
        return data.replace(b"HS-001", b"HS-999")
    return data


def _other_state(name, data):
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["migration_state"] = "0" * 64
        return json.dumps(manifest).encode()
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [(_tampered, "SHA-256"), (_other_state, "phiên bản cấu trúc")],
)
def test_a_bad_archive_is_refused_and_changes_nothing(filled, settings, tmp_path, change, message):
    world, content = filled
    backups.agency_backup(agency=world.agency_a, path=tmp_path / "a.zip")
    destroy(world, settings, content)
    before = state(settings)
    _rewrite(tmp_path / "a.zip", tmp_path / "bad.zip", change)
    with pytest.raises(ValidationError, match=message):
        backups.agency_restore_into(agency=world.agency_a, path=tmp_path / "bad.zip")
    with pytest.raises(CommandError, match=message):
        call_command("agency_restore", str(tmp_path / "bad.zip"), into="alpha", yes=True)
    assert state(settings) == before


def test_a_target_at_another_migration_state_is_refused(filled, settings, tmp_path):
    world, _content = filled
    backups.agency_backup(agency=world.agency_a, path=tmp_path / "a.zip")
    with connection.cursor() as cur:  # the target schema lacks a migration
        cur.execute(
            f"DELETE FROM {qt(SCHEMA, 'django_migrations')} WHERE id = "
            f"(SELECT max(id) FROM {qt(SCHEMA, 'django_migrations')})"
        )
    before = state(settings)
    with pytest.raises(ValidationError, match="phiên bản cấu trúc"):
        backups.agency_restore_into(agency=world.agency_a, path=tmp_path / "a.zip")
    assert state(settings) == before


def test_the_public_schema_and_a_missing_schema_are_refused(filled, settings, tmp_path):
    world, _content = filled
    backups.agency_backup(agency=world.agency_a, path=tmp_path / "a.zip")
    with pytest.raises(ValidationError, match="public"):
        backups.agency_restore_into(agency=world.public, path=tmp_path / "a.zip")
    with pytest.raises(CommandError, match="public"):
        call_command("agency_restore", str(tmp_path / "a.zip"), into=world.public.code, yes=True)
    with pytest.raises(ValidationError, match="public"):
        backups.agency_backup(agency=world.public, path=tmp_path / "p.zip")
    Agency.objects.filter(pk=world.agency_b.pk).update(schema_name="ag_khong_co")
    assert not schemas.exists("ag_khong_co")
    with pytest.raises(ValidationError, match="không tồn tại"):
        backups.agency_restore_into(
            agency=Agency.objects.get(pk=world.agency_b.pk), path=tmp_path / "a.zip"
        )


@pytest.mark.parametrize("point", ["verified", "loaded", "files", "before_commit"])
def test_a_crash_mid_restore_leaves_the_agency_as_it_was(
    filled, settings, tmp_path, monkeypatch, point, django_capture_on_commit_callbacks
):
    world, content = filled
    backups.agency_backup(agency=world.agency_a, path=tmp_path / "a.zip")
    extra = destroy(world, settings, content)
    # the file the archive names now holds other bytes: it must be overwritten, then put back
    media(settings, content.file_name).write_bytes(b"changed since the backup")
    before = state(settings)

    def crash(name):
        if name == point:
            raise RuntimeError("simulated crash")

    monkeypatch.setattr(operations, "checkpoint", crash)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        backups.agency_restore_into(agency=world.agency_a, path=tmp_path / "a.zip")
    assert state(settings) == before  # rows and files, byte for byte
    assert media(settings, extra).exists()
    assert media(settings, content.file_name).read_bytes() == b"changed since the backup"
    assert not any(p.is_file() for p in media(settings, backups.STASH_DIR).rglob("*"))
    assert not world.agency_a.events.filter(action="restored").exists()


def test_the_commands_print_the_figures(
    filled, settings, tmp_path, capsys, monkeypatch, django_capture_on_commit_callbacks
):
    world, content = filled
    before = state(settings, arrived=True)
    out = tmp_path / "cmd.zip"
    call_command("agency_backup", "alpha", output=str(out))
    printed = capsys.readouterr().out
    assert str(out) in printed and f"sha256 {sha(out)}" in printed
    assert f"size {out.stat().st_size} bytes" in printed and " rows in " in printed
    call_command("agency_backup", "alpha")  # default place: MEDIA_ROOT/backups/
    assert len(list(media(settings, "backups").glob("alpha-*.zip"))) == 1
    capsys.readouterr()

    destroy(world, settings, content)
    destroyed = state(settings)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Cancelled"):
        call_command("agency_restore", str(out), into="alpha")
    assert state(settings) == destroyed
    with django_capture_on_commit_callbacks(execute=True):
        call_command("agency_restore", str(out), into="alpha", yes=True)
    printed = capsys.readouterr().out
    assert "restored alpha" in printed and " rows in " in printed
    assert state(settings, arrived=True) == before

    call_command(
        "agency_restore", str(out), new="delta", name="Sở Delta", kind="provincial_department"
    )
    printed = capsys.readouterr().out
    assert "as new agency delta" in printed
    assert table_counts("ag_delta")["quality_procedures_application"] == 2
    with pytest.raises(CommandError, match="No agency"):
        call_command("agency_restore", str(out), into="khongco", yes=True)
