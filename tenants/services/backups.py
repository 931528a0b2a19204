"""Backing up one agency and restoring it, in place or as a new agency.

A backup IS an export archive (exports.py: tables as JSON lines, the stored files, a
manifest with row counts and SHA-256), written from one REPEATABLE READ snapshot to a
file of the operator's choosing (default: BACKUP_DIR, else MEDIA_ROOT/backups/, never
served).

Restoring into an existing agency replaces its data with the archive's in ONE
transaction: the archive is checked completely (checksums, row counts, columns, and a
migration state equal to the code's and to the target schema's), every catalogued table
of the target schema is emptied, the archive's rows are loaded with their ORIGINAL ids
(so every reference stays valid), the sequences are reset and the files are put back.
Files written by the restore are removed if the transaction rolls back (a file it had to
overwrite is put back); the agency's old files that the archive does not name are
removed only after the commit.

Like every archive, a backup leaves credentials out (exports.py): after a restore people
have no usable password and no two-factor device; the agency's active administrators are
invited to set a password and invite the others again.

Restoring as a new agency is the import path (exports.import_run).

Whole-database backups (pg_dump, point-in-time recovery) remain the operator's job.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform import untrusted
from tenants.models import Agency, LifecycleOperation, OperationStatus
from tenants.services import events, exports, operations, people, schemas
from tenants.services.datamove import files as move_files
from tenants.services.datamove.catalog import catalog
from tenants.services.datamove.engine.common import qt

BACKUP_DIR = "backups"
STASH_DIR = "backups/.restore-stash"

MSG_PUBLIC = gettext_noop(
    "Không thể sao lưu hoặc khôi phục lược đồ dùng chung của tỉnh (public); "
    "chỉ áp dụng cho từng cơ quan."
)
MSG_NO_SCHEMA = gettext_noop(
    "Lược đồ dữ liệu “%(schema)s” của cơ quan không tồn tại; không thể khôi phục vào đó."
)
MSG_TARGET_MIGRATIONS = gettext_noop(
    "Lược đồ dữ liệu của cơ quan đích không ở cùng phiên bản cấu trúc với gói sao lưu; "
    "hãy chạy migrate_fleet trước."
)


def default_path(agency: Agency) -> Path:
    root = getattr(settings, "BACKUP_DIR", None)
    folder = Path(root) if root else Path(settings.MEDIA_ROOT) / BACKUP_DIR
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return folder / f"{agency.code}-{stamp}-{secrets.token_hex(3)}.zip"


def _check_target(agency: Agency) -> None:
    if agency.is_public:
        raise ValidationError(_(MSG_PUBLIC), code="public")
    if not schemas.exists(agency.schema_name):
        raise ValidationError(_(MSG_NO_SCHEMA) % {"schema": agency.schema_name}, code="no_schema")


# --------------------------------------------------------------------------- backup


def agency_backup(*, agency: Agency, path: Path | str | None = None) -> dict:
    """Write the archive of `agency` (one consistent snapshot) to `path`; return the path,
    its size and SHA-256, the row counts and the number of files."""
    _check_target(agency)
    path = Path(path) if path else default_path(agency)
    manifest = exports.agency_export(agency=agency, path=path)
    summary = exports._manifest_summary(manifest, path)
    events.record(
        agency=agency,
        action="backed_up",
        detail={"file": str(path), "sha256": summary["sha256"], "rows": summary["rows"]},
    )
    return {"path": str(path), **summary}


# --------------------------------------------------------------------------- restore


def agency_restore_into(*, agency: Agency, path: Path | str, by=None) -> dict:
    """Replace `agency`'s data and files by the archive's (see the module docstring).
    Raises ValidationError, changing nothing, when the archive or the target is refused."""
    path = Path(path)
    if not path.exists():
        raise ValidationError(_(exports.MSG_NOT_FOUND), code="not_found")
    _check_target(agency)
    manifest = exports.archive_inspect(path)  # format, migration state, every checksum
    connection.set_schema_to_public()
    written: list[str] = []
    stashed: dict[str, str] = {}  # overwritten name -> its stashed copy
    try:
        # durable: the files follow THIS commit (never a caller's that could still roll back)
        with transaction.atomic(durable=True):
            agency = Agency.objects.select_for_update().get(pk=agency.pk)
            _check_target(agency)
            if exports.migration_digest(agency.schema_name) != manifest["migration_state"]:
                raise ValidationError(_(MSG_TARGET_MIGRATIONS), code="target_migrations")
            schema = agency.schema_name
            with connection.cursor() as cur:  # what TRUNCATE takes anyway, before reading
                cur.execute(
                    "LOCK TABLE "
                    + ", ".join(qt(schema, t.name) for t in catalog().values())
                    + " IN ACCESS EXCLUSIVE MODE"
                )
            old_paths = set(move_files.stored_paths(schema))
            operations.checkpoint("verified")
            loaded = exports.archive_load(
                agency=agency,
                path=path,
                manifest={**manifest, "files": {}},  # the files are put back below
                written=written,
            )
            with connection.cursor() as cur:  # every reference of the loaded rows, now
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            invited = people.admins_invite(
                schema=agency.schema_name, invited_by=getattr(by, "email", "")
            )
            connection.set_schema_to_public()
            operations.checkpoint("loaded")
            new_paths, kept = _restore_files(path, manifest, schema, written, stashed)
            operations.checkpoint("files")
            events.record(
                agency=agency,
                action="restored",
                actor=by,
                detail={
                    "file": str(path),
                    "from": manifest["agency"]["code"],
                    "exported_at": manifest["exported_at"],
                },
            )
            operations.checkpoint("before_commit")
            # named by no restored row (a file missing from the archive but named is kept)
            obsolete = sorted(old_paths - new_paths - set(move_files.stored_paths(schema)))
            stash = list(stashed.values())
            transaction.on_commit(lambda: _after_commit(obsolete + stash, schema), robust=True)
    except BaseException:
        connection.set_schema_to_public()
        _undo_files(written, stashed)
        raise
    connection.set_schema_to_public()
    return {
        "agency": agency.code,
        "schema": schema,
        "from": manifest["agency"]["code"],
        "exported_at": manifest["exported_at"],
        "tables": loaded,
        "rows": sum(loaded.values()),
        "files": len(new_paths),
        "files_written": len(written),
        "files_kept": kept,
        "files_removed": len(obsolete),
        "invited": invited,
    }


def _restore_files(path: Path, manifest: dict, schema: str, written, stashed):
    """Put the archive's files in place. A file already there with the same SHA-256 is
    kept; one with other content is stashed (put back if the transaction fails)."""
    storage = move_files.default_storage
    old_schema = manifest["agency"]["schema"]
    names: set[str] = set()
    kept = 0
    with exports.archive_open(path) as archive:
        for member, entry in manifest["files"].items():
            name = move_files.moved_name(entry["path"], source=old_schema, prefix=f"{schema}/")
            names.add(name)
            if storage.exists(name):
                if move_files.sha256_of(name) == entry["sha256"]:
                    kept += 1
                    continue
                stash = f"{STASH_DIR}/{secrets.token_hex(8)}/{name}"
                with storage.open(name, "rb") as handle:
                    storage.save(stash, ContentFile(handle.read()))
                stashed[name] = stash
                storage.delete(name)
            with untrusted.member_open(archive, member) as handle:
                saved = storage.save(name, handle)
            written.append(saved)
            if saved != name:  # pragma: no cover - the storage refused the name
                raise RuntimeError(f"stored {name} as {saved}")
    return names, kept


def _undo_files(written: list[str], stashed: dict[str, str]) -> None:
    move_files.delete_files(written)
    storage = move_files.default_storage
    for name, stash in stashed.items():
        with storage.open(stash, "rb") as handle:
            storage.save(name, ContentFile(handle.read()))
        storage.delete(stash)


def _after_commit(names: list[str], schema: str) -> None:
    move_files.delete_files(names)
    operations.statistics_follow([schema])  # the rows were loaded with plain SQL


def agency_restore_new(*, path: Path | str, code: str, name: str, kind: str, by=None):
    """Restore the archive as a NEW agency (the import path). Returns the operation;
    raises ValidationError when the archive or the new agency's details are refused."""
    path = Path(path)
    if not path.exists():
        raise ValidationError(_(exports.MSG_NOT_FOUND), code="not_found")
    with open(path, "rb") as upload:
        op = exports.import_preview(upload=upload, code=code, name=name, kind=kind, by=by)
    # Run it here and now (not through the broker): queued, then run by this process.
    LifecycleOperation.objects.filter(pk=op.pk, status=OperationStatus.PREVIEW).update(
        status=OperationStatus.QUEUED
    )
    op = exports.import_run(op_id=op.pk)
    if op.status != OperationStatus.SUCCEEDED:
        raise ValidationError(op.error or _("Khôi phục thất bại."), code="failed")
    return op
