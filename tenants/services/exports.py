"""Exporting an agency as one archive, and importing such an archive into a new agency.

The archive is a zip file:

    manifest.json          format and version, the agency, exported_at, the migration
                           state, and per table its row count, columns and SHA-256; per
                           stored file its original name, size and SHA-256
    tables/<table>.jsonl   one JSON object per row (`row_to_json`), ordered by primary key
    files/<stored name>    the stored files the rows name

Every table of the agency schema is exported (reference tables too, so that ids such as
permission ids stay consistent), except credentials (datamove/credentials.py): sessions,
sign-in records, two-factor devices and recovery codes, API tokens and invitation links are
left out, and secret columns (password hashes, integration secrets) are written as NULL.
The manifest lists what was left out. Archives are written under MEDIA_ROOT/exports/, which
is never served: the province console streams them to the provincial administrator.

Import checks the manifest (format, migration state, every checksum and row count) before
touching anything, then in ONE transaction provisions a new agency, empties what
provisioning seeded, loads every table with its original ids
(`json_populate_recordset`), resets the sequences, re-roots the stored file names under
the new schema and writes the files (removed again if the transaction fails). People
come back without a usable password (whatever an archive holds) and without two-factor
devices; the agency's active administrators are invited at once (a set-password e-mail) and
invite the others again from their team page. Integration keys come back revoked (their
secret is not in the archive) and pull connectors switched off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform import audit, untrusted
from tenants.models import (
    Agency,
    LifecycleOperation,
    OperationKind,
    OperationStatus,
    identifier_normalise,
)
from tenants.services import events, operations, people, schemas
from tenants.services.datamove import files as move_files
from tenants.services.datamove.catalog import Table, catalog
from tenants.services.datamove.credentials import ON_ARRIVAL, SECRET_COLUMNS, secret_columns
from tenants.services.datamove.engine.common import q, qt
from tenants.services.provisioning import AgencySpec, agency_provision, agency_spec_validate

logger = logging.getLogger(__name__)

FORMAT = "eiso-agency-export"
VERSION = 1
CHUNK_ROWS = 2000
EXPORT_DIR = "exports"
IMPORT_DIR = "imports"
MANIFEST_MAX = 64 * untrusted.MB  # one entry per table and per stored file
MAX_LINE = 64 * untrusted.MB  # one table row as JSON (the largest texts are ~500,000 chars)

MSG_NOT_ZIP = gettext_noop("Tệp không phải là gói dữ liệu xuất từ eISO (không đọc được tệp zip).")
MSG_NO_MANIFEST = gettext_noop("Gói dữ liệu thiếu tệp manifest.json.")
MSG_FORMAT = gettext_noop("Gói dữ liệu không đúng định dạng hoặc phiên bản (%(found)s).")
MSG_MIGRATIONS = gettext_noop(
    "Gói dữ liệu được xuất từ một phiên bản cấu trúc dữ liệu khác với hệ thống hiện tại; "
    "không thể nhập."
)
MSG_CHECKSUM = gettext_noop(
    "Gói dữ liệu đã bị thay đổi hoặc hỏng: %(name)s không khớp mã kiểm tra SHA-256."
)
MSG_MISSING = gettext_noop("Gói dữ liệu thiếu %(name)s.")
MSG_ROWS = gettext_noop("Gói dữ liệu không khớp số dòng của bảng %(name)s.")
MSG_COLUMNS = gettext_noop("Cấu trúc bảng %(name)s trong gói dữ liệu khác với hệ thống hiện tại.")
MSG_NOT_FOUND = gettext_noop("Không tìm thấy tệp dữ liệu xuất.")
MSG_FILE_PATH = gettext_noop(
    "Gói dữ liệu có tệp đính kèm với đường dẫn không hợp lệ (%(name)s): "
    "đường dẫn phải là đường dẫn tương đối, không chứa “..”."
)


def media_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def export_tables() -> list:
    return [t for t in catalog().values() if not t.excluded]


def migration_digest(schema: str) -> str:
    """The code's migration state when the schema has exactly it, else a digest of what
    the schema has applied (which then matches no current system)."""
    applied = schemas.applied_migrations([schema]).get(schema, set())
    if schemas.is_up_to_date(applied):
        return schemas.migration_state()
    joined = ",".join(f"{a}.{n}" for a, n in sorted(applied))
    return "applied:" + hashlib.sha256(joined.encode()).hexdigest()


# --------------------------------------------------------------------------- export


@transaction.atomic
def export_request(*, agency: Agency, by=None) -> LifecycleOperation:
    op = LifecycleOperation.objects.create(
        kind=OperationKind.EXPORT,
        agency=agency,
        status=OperationStatus.QUEUED,
        step=_("Đang chờ xử lý"),
        requested_by=by,
    )
    # The agency's own trail learns of it now, so the row is part of the archive it names;
    # the platform log gets "exported" when the file is written, each download both.
    audit.agency_trail_record(
        agency=agency,
        action="export_requested",
        subject_type="agency",
        subject_id=agency.code,
        subject_label=agency.name,
        actor=by,
        changes={"operation": str(op.pk)},
    )
    op_id = op.pk
    transaction.on_commit(lambda: operations.enqueue(op_id))
    return op


def export_run(*, op_id) -> LifecycleOperation:
    with operations.session_lock(op_id) as mine:
        if not mine:  # another worker is writing this archive now
            return LifecycleOperation.objects.get(pk=op_id)
        return _export_run(op_id)


def _export_run(op_id) -> LifecycleOperation:
    op = operations.start(op_id)
    if op is None:
        return LifecycleOperation.objects.get(pk=op_id)
    try:
        agency = op.agency
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        name = f"{EXPORT_DIR}/{agency.code}-{stamp}-{str(op.pk)[:8]}.zip"
        manifest = agency_export(
            agency=agency, path=media_path(name), on_step=operations.step_callback(op.pk)
        )
        with transaction.atomic():
            op = LifecycleOperation.objects.select_for_update().get(pk=op.pk)
            if op.status == OperationStatus.SUCCEEDED:
                return op
            events.record(
                agency=agency,
                action="exported",
                actor=op.requested_by,
                detail={"operation": str(op.pk), "file": name},
            )
            operations.succeed(
                op,
                report=_manifest_summary(manifest, media_path(name)),
                step=_("Đã xuất dữ liệu"),
                artifact=name,
            )
    except Exception as exc:
        logger.exception("export %s failed", op_id)
        operations.fail(op_id, operations.error_message(exc))
    connection.set_schema_to_public()
    return LifecycleOperation.objects.get(pk=op_id)


def agency_export(*, agency: Agency, path: Path, on_step=None) -> dict:
    """Write the archive of `agency` to `path` from one consistent snapshot; return the
    manifest."""
    step = on_step or (lambda _t, _p: None)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    schema = agency.schema_name
    tables = export_tables()
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "agency": {
            "code": agency.code,
            "name": agency.name,
            "kind": agency.kind,
            "schema": schema,
        },
        "exported_at": timezone.now().isoformat(),
        "migration_state": migration_digest(schema),
        "excluded_tables": sorted(t.name for t in catalog().values() if t.excluded),
        # Credentials never leave the agency: these columns are NULL in every row.
        "secret_columns": sorted(f"{t}.{c}" for t, c in SECRET_COLUMNS),
        "tables": {},
        "files": {},
        "missing_files": [],
    }
    try:
        _write_archive(schema, tables, manifest, partial, step)
    except BaseException:
        partial.unlink(missing_ok=True)  # no half-written archive is left behind
        raise
    connection.set_schema_to_public()
    partial.replace(path)
    return manifest


def _write_archive(schema: str, tables: list, manifest: dict, partial: Path, step) -> None:
    outer = connection.in_atomic_block
    with (
        transaction.atomic(),
        zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive,
    ):
        if not outer:  # one snapshot for every table (not possible inside a test transaction)
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for index, table in enumerate(tables):
            if index % 8 == 0:
                step(
                    _("Xuất bảng %(table)s") % {"table": table.label}, 5 + 70 * index // len(tables)
                )
            member = f"tables/{table.name}.jsonl"
            digest, rows = hashlib.sha256(), 0
            with archive.open(member, "w") as out, connection.chunked_cursor() as cur:
                cur.execute(
                    f"SELECT row_to_json(t)::text FROM (SELECT {_export_columns(table)} "  # noqa: S608
                    f"FROM {qt(schema, table.name)}) t ORDER BY t.{q(table.pk)}"
                )
                while batch := cur.fetchmany(CHUNK_ROWS):
                    data = "".join(row[0] + "\n" for row in batch).encode()
                    out.write(data)
                    digest.update(data)
                    rows += len(batch)
            manifest["tables"][table.name] = {
                "file": member,
                "rows": rows,
                "columns": table.columns,
                "sha256": digest.hexdigest(),
            }
        step(_("Xuất tệp đính kèm"), 80)
        for stored in sorted(set(move_files.stored_paths(schema))):
            member = f"files/{stored}"
            digest, size = hashlib.sha256(), 0
            try:
                with (
                    move_files.default_storage.open(stored, "rb") as handle,
                    archive.open(member, "w") as out,
                ):
                    for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                        out.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
            except FileNotFoundError:
                manifest["missing_files"].append(stored)
                continue
            manifest["files"][member] = {"path": stored, "size": size, "sha256": digest.hexdigest()}
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))


def _export_columns(table) -> str:
    """The select list of a table: every column, the secret ones as NULL."""
    secret = set(secret_columns(table.name))
    return ", ".join(f"NULL AS {q(c)}" if c in secret else q(c) for c in table.columns)


def _manifest_summary(manifest: dict, path: Path) -> dict:
    return {
        "agency": manifest["agency"],
        "exported_at": manifest["exported_at"],
        "migration_state": manifest["migration_state"],
        "tables": {name: t["rows"] for name, t in manifest["tables"].items()},
        "rows": sum(t["rows"] for t in manifest["tables"].values()),
        "files": len(manifest["files"]),
        "missing_files": manifest.get("missing_files", []),
        "size": path.stat().st_size if path.exists() else 0,
        "sha256": _sha256_file(path) if path.exists() else "",
    }


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- inspect


def archive_inspect(path: Path) -> dict:
    """Check an archive completely (format, migration state, columns, row counts and every
    checksum) without touching the database; return its manifest. Raises ValidationError.

    The archive is untrusted (iso_platform.untrusted): its directory is checked against
    the archive limits before anything is decompressed, every member is read with a cap
    at its declared size, a line longer than MAX_LINE is refused, and every stored file's
    path must stay under the exporting agency's own folder."""
    with archive_open(path) as archive:
        manifest = _manifest_read(archive)
        found = f"{manifest.get('format')} v{manifest.get('version')}"
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise ValidationError(_(MSG_FORMAT) % {"found": found}, code="format")
        if manifest.get("migration_state") != schemas.migration_state():
            raise ValidationError(_(MSG_MIGRATIONS), code="migrations")
        _manifest_shape(manifest)
        names = set(archive.namelist())
        for table in export_tables():
            _inspect_table(archive, names, table, manifest["tables"].get(table.name))
        for member, entry in manifest["files"].items():
            _inspect_file(archive, names, member, entry)
    return manifest


def _inspect_table(archive, names: set[str], table: Table, entry) -> None:
    """A table's member is there, with the table's columns, its checksum and its row count."""
    if not isinstance(entry, dict) or entry.get("file") not in names:
        raise ValidationError(_(MSG_MISSING) % {"name": table.name}, code="missing")
    if list(entry.get("columns", [])) != table.columns:
        raise ValidationError(_(MSG_COLUMNS) % {"name": table.name}, code="columns")
    digest, rows = hashlib.sha256(), 0
    with untrusted.member_open(archive, entry["file"]) as handle:
        for line in untrusted.lines(handle, max_line=MAX_LINE):
            digest.update(line)
            rows += line.endswith(b"\n")
    if digest.hexdigest() != entry.get("sha256"):
        raise ValidationError(_(MSG_CHECKSUM) % {"name": entry["file"]}, code="checksum")
    if rows != entry.get("rows"):
        raise ValidationError(_(MSG_ROWS) % {"name": table.name}, code="rows")


def _inspect_file(archive, names: set[str], member: str, entry: dict) -> None:
    """A stored file's member is there, with its checksum."""
    if member not in names:
        raise ValidationError(_(MSG_MISSING) % {"name": member}, code="missing")
    digest = hashlib.sha256()
    with untrusted.member_open(archive, member) as handle:
        for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != entry.get("sha256"):
        raise ValidationError(_(MSG_CHECKSUM) % {"name": member}, code="checksum")


def archive_open(path: Path):
    try:
        return untrusted.zip_open(path, untrusted.archive_limits())
    except untrusted.Refused as exc:
        if exc.code == "damaged":
            raise ValidationError(_(MSG_NOT_ZIP), code="not_zip") from exc
        raise


def _manifest_read(archive) -> dict:
    try:
        manifest = json.loads(untrusted.member_read(archive, "manifest.json", cap=MANIFEST_MAX))
    except KeyError as exc:
        raise ValidationError(_(MSG_NO_MANIFEST), code="no_manifest") from exc
    except ValueError as exc:
        raise ValidationError(_(MSG_FORMAT) % {"found": "manifest.json"}) from exc
    if not isinstance(manifest, dict):
        raise ValidationError(_(MSG_FORMAT) % {"found": "manifest.json"}, code="format")
    return manifest


def _manifest_shape(manifest: dict) -> None:
    """Tables and files described as the exporter writes them; stored file paths relative
    and without `..` (re-rooted under the new agency's folder on import, a path like
    `../other_agency/...` would otherwise overwrite another agency's file)."""
    agency, tables, files = (manifest.get(k) for k in ("agency", "tables", "files"))
    bad = _(MSG_FORMAT) % {"found": "manifest.json"}
    if not (isinstance(agency, dict) and isinstance(agency.get("schema"), str)):
        raise ValidationError(bad, code="format")
    if not (isinstance(tables, dict) and isinstance(files, dict)):
        raise ValidationError(bad, code="format")
    for member, entry in files.items():
        stored = entry.get("path") if isinstance(entry, dict) else None
        if not (isinstance(stored, str) and member == f"files/{stored}"):
            raise ValidationError(bad, code="format")
        parts = PurePosixPath(stored).parts
        if stored.startswith("/") or ".." in parts or "\\" in stored or "\x00" in stored:
            raise ValidationError(_(MSG_FILE_PATH) % {"name": stored}, code="path")


# --------------------------------------------------------------------------- import


def import_preview(
    *, upload, code: str, name: str, kind: str, identifier: str = "", by=None
) -> LifecycleOperation:
    """Keep the uploaded archive (under MEDIA_ROOT/imports/, never served), check it
    completely and the new agency's details; the report shows what will be loaded."""

    spec = AgencySpec(
        code=code,
        name=name,
        kind=kind,
        admin_email=_placeholder_email(code),
        admin_name="-",
        identifier=identifier,
    )
    agency_spec_validate(spec)
    stored = f"{IMPORT_DIR}/{secrets.token_hex(8)}.zip"
    path = media_path(stored)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        for chunk in (
            upload.chunks()
            if hasattr(upload, "chunks")
            else iter(lambda: upload.read(1 << 20), b"")
        ):
            out.write(chunk)
    try:
        manifest = archive_inspect(path)
    except ValidationError:
        path.unlink(missing_ok=True)
        raise
    return LifecycleOperation.objects.create(
        kind=OperationKind.IMPORT,
        status=OperationStatus.PREVIEW,
        params={
            "code": code,
            "name": name.strip(),
            "kind": kind,
            "identifier": identifier_normalise(identifier),
            "archive": stored,
        },
        report={
            "manifest": {
                "agency": manifest["agency"],
                "exported_at": manifest["exported_at"],
                "tables": {n: t["rows"] for n, t in manifest["tables"].items()},
                "rows": sum(t["rows"] for t in manifest["tables"].values()),
                "files": len(manifest["files"]),
            }
        },
        step=_("Xem trước"),
        requested_by=by,
    )


def _placeholder_email(code: str) -> str:
    # The administrator made by provisioning is replaced by the archive's people.
    return f"import@{code}.invalid"


def import_run(*, op_id) -> LifecycleOperation:
    op = operations.locked_run(op_id, _import, label="import")
    if op.status in operations.FINISHED:
        # The uploaded archive has served (or failed for good: a new try is a new preview).
        media_path(op.params["archive"]).unlink(missing_ok=True)
    return op


def _import(op: LifecycleOperation, step, written: list[str]) -> None:
    started = time.perf_counter()
    params = op.params
    path = media_path(params["archive"])
    if not path.exists():
        raise ValidationError(_(MSG_NOT_FOUND), code="not_found")
    step(_("Kiểm tra gói dữ liệu"), 5)
    manifest = archive_inspect(path)
    step(_("Khởi tạo cơ quan"), 15)
    result = agency_provision(
        spec=AgencySpec(
            code=params["code"],
            name=params["name"],
            kind=params["kind"],
            admin_email=_placeholder_email(params["code"]),
            admin_name="-",
            identifier=params.get("identifier", ""),
        ),
        admin_password=secrets.token_urlsafe(24),
    )
    agency = result.agency
    connection.set_schema_to_public()
    loaded = archive_load(
        agency=agency, path=path, manifest=manifest, written=written, on_step=step
    )
    invited = people.admins_invite(
        schema=agency.schema_name, invited_by=getattr(op.requested_by, "email", "")
    )
    operations.checkpoint("loaded")
    events.record(
        agency=agency,
        action="imported",
        actor=op.requested_by,
        detail={
            "operation": str(op.pk),
            "from": manifest["agency"]["code"],
            "exported_at": manifest["exported_at"],
        },
    )
    op.other = agency
    operations.succeed(
        op,
        report={
            **op.report,
            "agency": {"code": agency.code, "name": agency.name},
            "loaded": loaded,
            "rows": sum(loaded.values()),
            "files": len(written),
            "invited": invited,
            "import_seconds": round(time.perf_counter() - started, 3),
        },
        step=_("Đã nhập dữ liệu"),
    )


def archive_load(*, agency: Agency, path: Path, manifest: dict, written: list[str], on_step=None):
    """Replace everything in `agency`'s schema by the archive's rows and files. Inside the
    caller's transaction; `written` collects the files written (to remove on failure)."""
    step = on_step or (lambda _t, _p: None)
    schema = agency.schema_name
    old_schema = manifest["agency"]["schema"]
    everything = list(catalog().values())
    tables = export_tables()
    loaded: dict[str, int] = {}
    with connection.cursor() as cur, archive_open(path) as archive:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle provisioning's own rows first
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        cur.execute("TRUNCATE " + ", ".join(qt(schema, t.name) for t in everything))
        for index, table in enumerate(tables):
            if index % 8 == 0:
                step(
                    _("Nạp bảng %(table)s") % {"table": table.label}, 20 + 60 * index // len(tables)
                )
            entry = manifest["tables"][table.name]
            target = qt(schema, table.name)
            insert = _load_sql(table, target)
            count = 0
            with untrusted.member_open(archive, entry["file"]) as handle:
                batch: list[str] = []
                for line in untrusted.lines(handle, max_line=MAX_LINE):
                    batch.append(line.decode().rstrip("\n"))
                    if len(batch) >= CHUNK_ROWS:
                        count += _load(cur, insert, batch)
                        batch = []
                if batch:
                    count += _load(cur, insert, batch)
            loaded[table.name] = count
            _reset_sequence(cur, schema, table)
            for column in table.file_columns:
                head = f"{old_schema}/"
                cur.execute(
                    f"UPDATE {target} SET {q(column)} = %s || substr({q(column)}, %s) "  # noqa: S608
                    f"WHERE left({q(column)}, %s) = %s",
                    [f"{schema}/", len(head) + 1, len(head), head],
                )
        step(_("Khôi phục tệp đính kèm"), 85)
        for member, entry in manifest["files"].items():
            name = move_files.moved_name(entry["path"], source=old_schema, prefix=f"{schema}/")
            if move_files.default_storage.exists(name):
                move_files.default_storage.delete(name)
            with untrusted.member_open(archive, member) as handle:
                saved = move_files.default_storage.save(name, handle)
            written.append(saved)
            if saved != name:  # pragma: no cover - the storage refused the name
                raise RuntimeError(f"stored {name} as {saved}")
    return loaded


def _load_sql(table, target: str) -> str:
    """INSERT of a batch of archived rows. Secret columns are blanked whatever the archive
    holds (an archive from before credentials were left out still has password hashes)."""
    exprs = []
    for column in table.columns:
        key = (table.name, column)
        if key in SECRET_COLUMNS:
            exprs.append(SECRET_COLUMNS[key])
        elif key in ON_ARRIVAL:
            exprs.append(ON_ARRIVAL[key].format(row="r"))
        else:
            exprs.append(f"r.{q(column)}")
    return (
        f"INSERT INTO {target} ({', '.join(q(c) for c in table.columns)}) "  # noqa: S608
        f"SELECT {', '.join(exprs)} FROM json_populate_recordset(NULL::{target}, %s::json) r"
    )


def _load(cur, insert: str, lines: list[str]) -> int:
    cur.execute(insert, ["[" + ",".join(lines) + "]"])
    return cur.rowcount


def _reset_sequence(cur, schema: str, table) -> None:
    cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [f"{q(schema)}.{q(table.name)}", table.pk])
    sequence = cur.fetchone()[0]
    if sequence is None:
        return
    cur.execute(
        f"SELECT setval(%s::regclass, COALESCE(max({q(table.pk)}), 1), max({q(table.pk)}) "  # noqa: S608
        f"IS NOT NULL) FROM {qt(schema, table.name)}",
        [sequence],
    )
