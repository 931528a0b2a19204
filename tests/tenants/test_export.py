"""Export an agency as one archive (tables as JSON lines, files, a manifest with counts and
SHA-256) and import it into a fresh agency: the same data comes back."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from eiso.testing.lifecycle import PNG, arrival_columns, fill
from iso_platform.accounts.models import Invitation, User
from tenants.models import Agency, LifecycleOperation, OperationStatus
from tenants.services import exports, operations
from tenants.services.datamove.catalog import catalog
from tenants.services.datamove.engine.common import q, qt
from tenants.services.datamove.engine.counting import table_counts


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(operations, "enqueue", lambda op_id: None)


@pytest.fixture
def filled(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    content = fill(world.agency_a, world.owner_a, "A")
    return world, content


def export(world) -> LifecycleOperation:
    op = exports.export_request(agency=world.agency_a, by=world.province_admin)
    return exports.export_run(op_id=op.pk)


def rows(schema: str, table, *, arrived: bool = False) -> list[dict]:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT row_to_json(t)::text FROM {qt(schema, table.name)} t ORDER BY t.{q(table.pk)}"
        )
        result = [json.loads(r[0]) for r in cur.fetchall()]
    for row in result:  # stored file names are re-rooted under the new schema: compare the rest
        for column in arrival_columns(table.name) if arrived else ():
            row[column] = None  # credentials never come back (credentials.py)
        for column in table.file_columns:
            row[column] = row[column].split("/", 1)[1] if row[column] else row[column]
    return result


def test_the_export_has_a_manifest_with_counts_and_checksums(filled, settings):
    world, content = filled
    op = export(world)
    assert op.status == OperationStatus.SUCCEEDED, op.error
    path = Path(settings.MEDIA_ROOT) / op.artifact
    assert op.artifact.startswith("exports/alpha-") and path.exists()
    counts = table_counts("ag_alpha")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["agency"]["code"] == "alpha"
        assert "django_session" in manifest["excluded_tables"]
        for name, entry in manifest["tables"].items():
            data = archive.read(entry["file"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert entry["rows"] == counts[name] == data.count(b"\n"), name
        member = f"files/{content.file_name}"
        assert archive.read(member) == PNG
        assert manifest["files"][member]["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert op.report["rows"] == sum(t["rows"] for t in manifest["tables"].values())
    assert world.agency_a.events.filter(action="exported").exists()


def test_export_and_import_round_trip(filled, settings):
    world, content = filled
    op = export(world)
    path = Path(settings.MEDIA_ROOT) / op.artifact
    upload = SimpleUploadedFile("alpha.zip", path.read_bytes())
    preview = exports.import_preview(
        upload=upload,
        code="gamma",
        name="Sở Gamma",
        kind="provincial_department",
        by=world.province_admin,
    )
    assert preview.status == OperationStatus.PREVIEW
    assert preview.report["manifest"]["tables"]["quality_procedures_application"] == 2
    assert not Agency.objects.filter(code="gamma").exists()  # a preview creates nothing
    operations.confirm(preview)
    done = exports.import_run(op_id=preview.pk)
    assert done.status == OperationStatus.SUCCEEDED, done.error
    assert not (Path(settings.MEDIA_ROOT) / done.params["archive"]).exists()  # upload removed
    gamma = Agency.objects.get(code="gamma")
    assert done.other_id == gamma.pk
    for table in catalog().values():
        if table.excluded:
            continue
        assert rows("ag_gamma", table, arrived=True) == rows("ag_alpha", table, arrived=True), (
            table.name
        )
    with schema_context("ag_gamma"):
        from quality.documents.models import RevisionFile

        record = RevisionFile.objects.get(revision_id=content.revision_id)
        assert record.file.name.startswith("ag_gamma/documents/")
        with record.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == hashlib.sha256(PNG).hexdigest()
        # the people came back without a usable password; the administrators are invited
        assert not User.objects.get(email="staff@a.test").check_password("x" * 12)
        assert not any(u.has_usable_password() for u in User.objects.all())
        admins = set(User.objects.filter(is_agency_admin=True).values_list("email", flat=True))
        assert admins and set(done.report["invited"]) == admins
        assert (
            set(
                Invitation.objects.filter(accepted_at=None, revoked_at=None).values_list(
                    "user__email", flat=True
                )
            )
            == admins
        )
        from quality.core.models import Unit

        assert Unit.objects.create(code="MOI", name="Mới").pk > content.unit.pk
    assert gamma.events.filter(action="imported").exists()


def _rewrite(path: Path, out: Path, change) -> None:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, change(item.filename, src.read(item.filename)))


def test_a_tampered_archive_is_refused(filled, settings, tmp_path):
    world, _content = filled
    path = Path(settings.MEDIA_ROOT) / export(world).artifact
    bad = tmp_path / "bad.zip"

    def tamper(name, data):
        if name == "tables/quality_procedures_application.jsonl":
            return data.replace(b"HS-001", b"HS-999")
        return data

    _rewrite(path, bad, tamper)
    with pytest.raises(ValidationError, match="SHA-256"):
        exports.archive_inspect(bad)
    with pytest.raises(ValidationError):
        exports.import_preview(
            upload=SimpleUploadedFile("bad.zip", bad.read_bytes()),
            code="delta",
            name="Sở Delta",
            kind="other",
        )
    assert not Agency.objects.filter(code="delta").exists()


TAMPERED = "quality_procedures_application"


def _wrong_version(manifest, members):
    manifest["version"] = 999


def _table_member_gone(manifest, members):
    del members[manifest["tables"][TAMPERED]["file"]]


def _columns_reordered(manifest, members):
    manifest["tables"][TAMPERED]["columns"].reverse()


def _rows_miscounted(manifest, members):
    manifest["tables"][TAMPERED]["rows"] += 1


def _file_member_gone(manifest, members):
    del members[next(iter(manifest["files"]))]


def _file_changed(manifest, members):
    members[next(iter(manifest["files"]))] += b"!"


@pytest.mark.parametrize(
    "tamper, code, says",
    [
        (_wrong_version, "format", "không đúng định dạng hoặc phiên bản"),
        (_table_member_gone, "missing", f"thiếu {TAMPERED}."),
        (_columns_reordered, "columns", f"Cấu trúc bảng {TAMPERED}"),
        (_rows_miscounted, "rows", f"số dòng của bảng {TAMPERED}."),
        (_file_member_gone, "missing", "thiếu files/"),
        (_file_changed, "checksum", "không khớp mã kiểm tra SHA-256"),
    ],
)
def test_each_inconsistency_of_an_archive_is_refused_with_its_reason(
    filled, settings, tmp_path, tamper, code, says
):
    world, _content = filled
    path = Path(settings.MEDIA_ROOT) / export(world).artifact
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members.pop("manifest.json"))
    assert manifest["files"] and manifest["tables"][TAMPERED]["rows"]
    tamper(manifest, members)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValidationError) as caught:
        exports.archive_inspect(bad)
    assert caught.value.code == code
    assert says in caught.value.messages[0]


def test_an_archive_of_another_migration_state_is_refused(filled, settings, tmp_path):
    world, _content = filled
    path = Path(settings.MEDIA_ROOT) / export(world).artifact
    other = tmp_path / "other.zip"

    def older(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["migration_state"] = "0" * 64
            return json.dumps(manifest).encode()
        return data

    _rewrite(path, other, older)
    with pytest.raises(ValidationError, match="phiên bản cấu trúc"):
        exports.archive_inspect(other)
    not_zip = tmp_path / "x.zip"
    not_zip.write_bytes(b"not a zip")
    with pytest.raises(ValidationError, match="zip"):
        exports.archive_inspect(not_zip)


def test_a_failed_import_leaves_no_agency_and_no_files(filled, settings, monkeypatch):
    world, _content = filled
    path = Path(settings.MEDIA_ROOT) / export(world).artifact
    op = exports.import_preview(
        upload=SimpleUploadedFile("a.zip", path.read_bytes()),
        code="gamma",
        name="Sở Gamma",
        kind="other",
    )
    operations.confirm(op)

    def crash(name):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(operations, "checkpoint", crash)
    done = exports.import_run(op_id=op.pk)
    assert done.status == OperationStatus.FAILED
    assert not Agency.objects.filter(code="gamma").exists()
    assert not (Path(settings.MEDIA_ROOT) / "ag_gamma").exists() or not any(
        p.is_file() for p in (Path(settings.MEDIA_ROOT) / "ag_gamma").rglob("*")
    )


def test_a_failed_export_leaves_no_partial_archive(filled, settings, monkeypatch):
    world, _content = filled

    def broken(schema):
        raise OSError("disk full")

    monkeypatch.setattr(exports.move_files, "stored_paths", broken)
    op = export(world)
    assert op.status == OperationStatus.FAILED and op.artifact == ""
    assert not list((Path(settings.MEDIA_ROOT) / "exports").glob("*"))


def test_a_running_export_is_neither_run_twice_nor_queued_again(filled, monkeypatch):
    world, _content = filled
    op = exports.export_request(agency=world.agency_a, by=world.province_admin)
    LifecycleOperation.objects.filter(pk=op.pk).update(
        status=OperationStatus.RUNNING, started_at=op.created_at - timedelta(hours=1)
    )
    queued = []
    monkeypatch.setattr(operations, "enqueue", queued.append)
    with operations.session_lock(op.pk) as mine:  # another worker runs it right now
        assert mine and operations.being_run(op.pk)
        assert operations.lifecycle_operations_resume() == 0 and queued == []
    assert not operations.being_run(op.pk)
    assert operations.lifecycle_operations_resume() == 1 and queued == [op.pk]


# --------------------------------------------------------------------------- untrusted archives


def _manifest(**changes) -> dict:
    from tenants.services import schemas

    return {
        "format": exports.FORMAT,
        "version": exports.VERSION,
        "migration_state": schemas.migration_state(),
        "agency": {"code": "alpha", "schema": "ag_alpha"},
        "tables": {},
        "files": {},
        **changes,
    }


def test_a_zip_bomb_archive_is_refused_before_anything_is_read(world, tmp_path):
    from tests import bombs

    bomb = tmp_path / "bom.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("manifest.json", json.dumps(_manifest()))
        with archive.open("tables/x.jsonl", "w") as out:
            for _ in range(100):
                out.write(b"\n" * bombs.MB)
    caught = []

    def run():
        try:
            exports.archive_inspect(bomb)
        except ValidationError as exc:
            caught.append(exc)

    assert bombs.peak_mb(run) < 3
    assert caught[0].code == "ratio" and "bom giải nén" in caught[0].messages[0]


def test_an_archive_whose_end_record_claims_a_huge_directory_is_refused(world, tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(_manifest()))
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    data[end + 12 : end + 16] = (0xF000_0000).to_bytes(4, "little")  # directory size: 4 GB
    path.write_bytes(bytes(data))
    with pytest.raises(ValidationError, match="thành phần") as caught:
        exports.archive_inspect(path)  # zipfile would try to read 4 GB of directory
    assert caught.value.code == "entries"


@pytest.mark.parametrize("stored", ["../ag_beta/documents/1/x.pdf", "/etc/passwd", "a/../../b"])
def test_an_archive_file_path_that_leaves_the_agency_folder_is_refused(world, tmp_path, stored):
    path = tmp_path / "escape.zip"
    member = f"files/{stored}"
    manifest = _manifest(files={member: {"path": stored, "size": 1, "sha256": "0" * 64}})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr(member, b"x")
    with pytest.raises(ValidationError, match="đường dẫn không hợp lệ") as caught:
        exports.archive_inspect(path)
    assert caught.value.code == "path"


def test_a_table_line_longer_than_the_limit_is_refused(filled, settings, tmp_path, monkeypatch):
    world, _content = filled
    path = Path(settings.MEDIA_ROOT) / export(world).artifact
    monkeypatch.setattr(exports, "MAX_LINE", 64)
    with pytest.raises(ValidationError, match="dòng dài quá"):
        exports.archive_inspect(path)
