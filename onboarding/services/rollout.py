"""Bulk rollout: a CSV or XLSX file of agencies, validated first, then provisioned in order.

1. `rollout_upload` reads the file (CSV in UTF-8 with or without BOM, comma or semicolon;
   or XLSX; Vietnamese or English headers) and checks every row with the provisioning
   service's own rules plus the file's (e-mail, duplicates, parents defined in the file,
   plan code). It writes the batch and its rows, nothing else. Any wrong row refuses
   the whole file unless the administrator chose to create only the valid rows.
2. `rollout_start` queues a validated batch (the Celery task is sent on commit).
3. `rollout_run` provisions the rows, parents first, each with `agency_provision`.
   One runner per batch (a session advisory lock). Each row is marked RUNNING and
   committed first; then ONE transaction creates the agency, records a `rollout` event
   naming the batch and marks the row DONE, so an agency and its row's DONE commit
   together. Spares are built ahead of need by replaying the template
   (`pool.METHOD_REPLAY`, ~0.25 s each instead of a clone per agency).
4. `rollout_batches_resume` (beat) queues again batches left QUEUED or RUNNING without a
   live runner. A resumed run marks DONE every PENDING or RUNNING row whose agency this
   batch already created (never provisioned twice) and provisions the others.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import logging
import re
import time
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform import spreadsheets, untrusted
from iso_platform.accounts.identifiers import normalise_email
from tenants.models import (
    AGENCY_KINDS_FOR_NEW,
    Agency,
    AgencyEvent,
    AgencyKind,
    RolloutBatch,
    RolloutRow,
    RolloutStatus,
    RowStatus,
)
from tenants.services import events, pool
from tenants.services.provisioning import AgencySpec, agency_provision, agency_spec_validate

logger = logging.getLogger(__name__)

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
STALE_AFTER = timedelta(seconds=30)
LOCK_CLASS = 0x6E15  # pg_try_advisory_lock(LOCK_CLASS, <batch key>): one runner per batch
EVENT_ACTION = "rollout"
PLAN_RE = re.compile(r"^[a-z0-9-]{1,40}$")

# Field -> accepted header names, compared without accents, case or punctuation.
FIELDS = ("code", "name", "kind", "parent_code", "admin_name", "admin_email", "plan_code")
REQUIRED = ("code", "name", "kind", "admin_name", "admin_email")
HEADERS = {
    "code": ("ma", "code", "ma co quan", "agency code"),
    "name": ("ten", "name", "ten co quan", "agency name"),
    "kind": ("loai", "kind", "loai co quan", "type"),
    "parent_code": ("co quan cap tren", "parent", "parent code", "ma co quan cap tren"),
    "admin_name": ("ho ten quan tri vien", "admin name", "ten quan tri vien", "quan tri vien"),
    "admin_email": (
        "email quan tri vien",
        "e mail quan tri vien",
        "thu dien tu quan tri vien",
        "admin email",
        "admin e mail",
        "email",
        "e mail",
    ),
    "plan_code": ("goi", "plan", "goi dich vu", "plan code"),
}
TEMPLATE_HEADER = (
    "mã",
    "tên",
    "loại",
    "cơ quan cấp trên",
    "họ tên quản trị viên",
    "email quản trị viên",
    "gói",
)
FIELD_LABELS = {
    "code": gettext_noop("Mã"),
    "name": gettext_noop("Tên cơ quan"),
    "kind": gettext_noop("Loại"),
    "parent_code": gettext_noop("Cơ quan cấp trên"),
    "admin_name": gettext_noop("Họ tên quản trị viên"),
    "admin_email": gettext_noop("Email quản trị viên"),
    "plan_code": gettext_noop("Gói"),
}

MSG_TOO_BIG = gettext_noop("Tệp lớn quá 5 MB.")
MSG_NOT_UTF8 = gettext_noop("Tệp CSV phải được lưu với bảng mã UTF-8.")
MSG_XLS = gettext_noop("Tệp .xls (Excel 97-2003) không được hỗ trợ; hãy lưu thành .xlsx hoặc CSV.")
MSG_XLSX_BROKEN = gettext_noop("Không đọc được tệp XLSX: %(error)s")
MSG_CSV_BROKEN = gettext_noop("Không đọc được tệp CSV: %(error)s")
MSG_EMPTY = gettext_noop("Tệp trống: không có dòng tiêu đề.")
MSG_NO_ROWS = gettext_noop("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")
MSG_TOO_MANY = gettext_noop(
    "Tệp có hơn %(max)s dòng dữ liệu; hãy chia thành nhiều tệp, mỗi tệp tối đa %(max)s dòng."
)
MSG_MISSING_COLUMNS = gettext_noop("Thiếu cột: %(columns)s.")
MSG_DUPLICATE_COLUMN = gettext_noop("Cột “%(column)s” xuất hiện nhiều lần.")
MSG_KIND_REQUIRED = gettext_noop("Cần nhập loại cơ quan.")
MSG_KIND_UNKNOWN = gettext_noop("Loại “%(value)s” không hợp lệ; dùng một trong: %(choices)s.")
MSG_ADMIN_NAME_REQUIRED = gettext_noop("Cần nhập họ tên quản trị viên.")
MSG_ADMIN_NAME_TOO_LONG = gettext_noop("Họ tên quản trị viên dài quá 150 ký tự.")
MSG_EMAIL_REQUIRED = gettext_noop("Cần nhập email quản trị viên.")
MSG_EMAIL_INVALID = gettext_noop("Địa chỉ email “%(value)s” không hợp lệ.")
MSG_PLAN_FORMAT = gettext_noop(
    "Mã gói “%(value)s” không hợp lệ: chỉ gồm chữ thường không dấu, chữ số và dấu gạch "
    "ngang, tối đa 40 ký tự."
)
MSG_CODE_DUPLICATE = gettext_noop("Mã “%(code)s” trùng với dòng %(line)s.")
MSG_EMAIL_DUPLICATE = gettext_noop("Email “%(value)s” trùng với dòng %(line)s.")
MSG_PARENT_SELF = gettext_noop("Cơ quan không thể là cấp trên của chính nó.")
MSG_PARENT_INVALID = gettext_noop("Cơ quan cấp trên “%(code)s” (dòng %(line)s) có lỗi.")
MSG_PARENT_CYCLE = gettext_noop("Quan hệ cấp trên tạo thành vòng lặp (các dòng %(lines)s).")
MSG_PARENT_NOT_CREATED = gettext_noop(
    "Cơ quan cấp trên “%(code)s” (dòng %(line)s) không khởi tạo được nên dòng này bị bỏ qua."
)
MSG_NOT_STARTABLE = gettext_noop("Chỉ khởi tạo được tệp đã kiểm tra không có lỗi.")
MSG_SYSTEM = gettext_noop(
    "Lỗi hệ thống khi khởi tạo (%(error)s); không có dữ liệu nào được giữ lại."
)


# --------------------------------------------------------------------------- reading the file


@dataclass
class ParsedFile:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (line, field->value)
    errors: list[str] = field(default_factory=list)


def _plain(text: str) -> str:
    """Lowercase, no Vietnamese accents, punctuation as spaces: 'Email quản trị viên'."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(re.sub(r"[^a-z0-9@]+", " ", text).split())


_HEADER_FIELD = {alias: key for key, aliases in HEADERS.items() for alias in aliases}


@functools.cache
def _kind_values() -> dict[str, str]:
    """Accepted spellings of a kind: its value, its Vietnamese label and its English one."""
    spellings = {}
    for language in ("en", "vi"):
        with translation.override(language):
            spellings |= {_plain(str(k.label)): k.value for k in AgencyKind}
    return spellings | {_plain(k.value): k.value for k in AgencyKind}


def rollout_parse(*, content: bytes, file_name: str = "") -> ParsedFile:
    """The file's data rows keyed by field, or file-level errors (nothing else is judged).
    Read within iso_platform.untrusted's TABLE limits."""
    if len(content) > MAX_BYTES:
        return ParsedFile(errors=[_(MSG_TOO_BIG)])
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        return ParsedFile(errors=[_(MSG_XLS)])
    try:
        if content.startswith(b"PK\x03\x04") or file_name.lower().endswith(".xlsx"):
            records = _xlsx_records(content)
        else:
            records = _csv_records(content)
    except untrusted.Refused as exc:
        if exc.code == "rows":
            return ParsedFile(errors=[_(MSG_TOO_MANY) % {"max": MAX_ROWS}])
        if exc.code == "damaged" and content.startswith(b"PK"):
            return ParsedFile(errors=[_(MSG_XLSX_BROKEN) % {"error": " ".join(exc.messages)}])
        return ParsedFile(errors=exc.messages)
    if isinstance(records, str):
        return ParsedFile(errors=[records])
    return _from_records(records)


def _csv_records(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _(MSG_NOT_UTF8)
    if "\x00" in text:  # UTF-16 or a binary file; PostgreSQL stores no NUL character
        return _(MSG_NOT_UTF8)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = untrusted.csv_rows(text, delimiter=delimiter, max_rows=MAX_ROWS + 1)  # + the header
    try:
        return list(enumerate(rows, start=1))
    except csv.Error as exc:
        return _(MSG_CSV_BROKEN) % {"error": exc}


def _xlsx_records(content: bytes):
    rows = untrusted.xlsx_rows(content, max_rows=MAX_ROWS + 1)  # + the header
    return [(number, [_cell(value) for value in values]) for _sheet, number, values in rows]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _from_records(records) -> ParsedFile:
    records = [(line, [str(v).strip() for v in row]) for line, row in records]
    records = [(line, row) for line, row in records if any(row)]
    if not records:
        return ParsedFile(errors=[_(MSG_EMPTY)])
    (_header_line, header), data = records[0], records[1:]
    columns, errors = {}, []
    for index, title in enumerate(header):
        key = _HEADER_FIELD.get(_plain(title))
        if key is None:
            continue  # an extra column (notes, a row number): ignored
        if key in columns:
            errors.append(_(MSG_DUPLICATE_COLUMN) % {"column": title})
        columns[key] = index
    missing = [_(FIELD_LABELS[key]).lower() for key in REQUIRED if key not in columns]
    if missing:
        errors.append(_(MSG_MISSING_COLUMNS) % {"columns": ", ".join(missing)})
    if errors:
        return ParsedFile(errors=errors)
    rows = []
    for line, row in data:
        values = {key: (row[i] if i < len(row) else "") for key, i in columns.items()}
        if any(values.values()):
            rows.append((line, {key: values.get(key, "") for key in FIELDS}))
    if not rows:
        return ParsedFile(errors=[_(MSG_NO_ROWS)])
    if len(rows) > MAX_ROWS:
        return ParsedFile(errors=[_(MSG_TOO_MANY) % {"max": MAX_ROWS}])
    return ParsedFile(rows=rows)


# --------------------------------------------------------------------------- checking the rows


@dataclass
class CheckedRow:
    line: int
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, [])
        if message not in self.errors[key]:
            self.errors[key].append(message)


def rollout_check(rows: list[tuple[int, dict[str, str]]]) -> list[CheckedRow]:
    """Every error of every row, per field (a row may have several)."""
    checked = [CheckedRow(line, _cleaned(values)) for line, values in rows]
    in_file = {row.values["code"] for row in checked if row.values["code"]}
    first_code, first_email = {}, {}
    for row in checked:
        _check_row(row, in_file)
        code, email = row.values["code"], row.values["admin_email"]
        if code and code in first_code:
            row.add("code", _(MSG_CODE_DUPLICATE) % {"code": code, "line": first_code[code]})
        first_code.setdefault(code, row.line)
        if email and email in first_email:
            row.add(
                "admin_email", _(MSG_EMAIL_DUPLICATE) % {"value": email, "line": first_email[email]}
            )
        first_email.setdefault(email, row.line)
    _check_parents_in_file(checked)
    return checked


def _cleaned(values: dict[str, str]) -> dict[str, str]:
    cleaned = {key: (values.get(key) or "").strip() for key in FIELDS}
    for key in ("code", "parent_code", "plan_code"):
        cleaned[key] = cleaned[key].lower()
    cleaned["admin_email"] = normalise_email(cleaned["admin_email"])
    cleaned["kind_raw"] = cleaned["kind"]
    cleaned["kind"] = _kind_values().get(_plain(cleaned["kind"]), cleaned["kind"])
    return cleaned


def _check_row(row: CheckedRow, in_file: set[str]) -> None:
    """The provisioning service's checks (a parent defined in the file is checked later)."""
    v = row.values
    spec = AgencySpec(
        code=v["code"],
        name=v["name"],
        kind=v["kind"],
        admin_email=v["admin_email"],
        admin_name=v["admin_name"],
        parent_code=None if v["parent_code"] in in_file else (v["parent_code"] or None),
    )
    try:
        agency_spec_validate(spec)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            for message in messages:
                row.add(key, message)
    if not v["kind_raw"]:
        row.errors["kind"] = [_(MSG_KIND_REQUIRED)]
    elif v["kind"] not in AgencyKind.values:
        choices = ", ".join(f"{k.value} ({k.label})" for k in AGENCY_KINDS_FOR_NEW)
        row.errors["kind"] = [_(MSG_KIND_UNKNOWN) % {"value": v["kind_raw"], "choices": choices}]
    if not v["admin_name"]:
        row.add("admin_name", _(MSG_ADMIN_NAME_REQUIRED))
    elif len(v["admin_name"]) > 150:
        row.add("admin_name", _(MSG_ADMIN_NAME_TOO_LONG))
    _check_email(row)
    if v["plan_code"] and not PLAN_RE.match(v["plan_code"]):
        row.add("plan_code", _(MSG_PLAN_FORMAT) % {"value": v["plan_code"]})
    if v["parent_code"] and v["parent_code"] == v["code"]:
        row.errors["parent_code"] = [_(MSG_PARENT_SELF)]


def _check_email(row: CheckedRow) -> None:
    email = row.values["admin_email"]
    if not email:
        row.add("admin_email", _(MSG_EMAIL_REQUIRED))
        return
    try:
        validate_email(email)
    except ValidationError:
        row.add("admin_email", _(MSG_EMAIL_INVALID) % {"value": email})


def _check_parents_in_file(checked: list[CheckedRow]) -> None:
    """A parent defined in the file is fine (it is created first), unless it is wrong itself
    or the parents go round in a circle. Errors flow down to children, grandchildren..."""
    by_code = {}
    for row in checked:
        by_code.setdefault(row.values["code"], row)
    existing = set(
        Agency.objects.filter(
            code__in=[r.values["parent_code"] for r in checked if r.values["parent_code"]]
        ).values_list("code", flat=True)
    )
    for cycle in _cycles(checked, by_code, existing):
        lines = ", ".join(str(r.line) for r in cycle)
        for row in cycle:
            row.add("parent_code", _(MSG_PARENT_CYCLE) % {"lines": lines})
    changed = True
    while changed:  # children of wrong rows are wrong too
        changed = False
        for row in checked:
            parent = _file_parent(row, by_code, existing)
            if parent is not None and parent.errors and "parent_code" not in row.errors:
                row.add(
                    "parent_code",
                    _(MSG_PARENT_INVALID) % {"code": parent.values["code"], "line": parent.line},
                )
                changed = True


def _file_parent(row, by_code, existing):
    parent = row.values["parent_code"]
    if not parent or parent in existing or by_code.get(parent) in (None, row):
        return None
    return by_code[parent]


def _cycles(checked, by_code, existing) -> list[list[CheckedRow]]:
    cycles, state = [], {}  # state: id -> "open" while walking, "done" after
    for start in checked:
        path, row = [], start
        while row is not None and state.get(id(row)) is None:
            state[id(row)] = "open"
            path.append(row)
            row = _file_parent(row, by_code, existing)
        if row is not None and state.get(id(row)) == "open":
            cycles.append(path[path.index(row) :])
        for visited in path:
            state[id(visited)] = "done"
    return cycles


def provisioning_order(rows: list[RolloutRow]) -> list[RolloutRow]:
    """Rows by line, except that a parent defined in the file comes before its children."""
    by_code = {}
    for row in sorted(rows, key=lambda r: r.line):
        by_code.setdefault(row.code, row)
    ordered, placed = [], set()

    def place(row, depth=0):
        if row.pk in placed or depth > len(rows):
            return
        parent = by_code.get(row.parent_code) if row.parent_code else None
        if parent is not None and parent is not row:
            place(parent, depth + 1)
        placed.add(row.pk)
        ordered.append(row)

    for row in sorted(rows, key=lambda r: r.line):
        place(row)
    return ordered


# --------------------------------------------------------------------------- upload and start


def rollout_upload(
    *, content: bytes, file_name: str, create_valid_only: bool = False, uploaded_by=None
) -> RolloutBatch:
    """Read and check a file; store the batch and its rows (and nothing else)."""
    parsed = rollout_parse(content=content, file_name=file_name)
    checked = rollout_check(parsed.rows) if not parsed.errors else []
    valid = sum(1 for row in checked if not row.errors)
    refused = bool(parsed.errors) or not valid or (valid < len(checked) and not create_valid_only)
    with transaction.atomic():
        batch = RolloutBatch.objects.create(
            file_name=file_name[:255],
            file_sha256=hashlib.sha256(content).hexdigest(),
            status=RolloutStatus.REFUSED if refused else RolloutStatus.VALIDATED,
            create_valid_only=create_valid_only,
            total_rows=len(checked),
            valid_rows=valid,
            errors=parsed.errors,
            uploaded_by=uploaded_by,
        )
        RolloutRow.objects.bulk_create(
            [_row_for(batch, row, create_valid_only=create_valid_only) for row in checked],
            batch_size=500,
        )
    return batch


def _row_for(batch: RolloutBatch, row: CheckedRow, *, create_valid_only: bool) -> RolloutRow:
    v = row.values
    status = RowStatus.PENDING
    if row.errors:
        status = RowStatus.SKIPPED if create_valid_only else RowStatus.INVALID
    stored = {key: v[key] for key in FIELDS}
    if v["kind"] not in AgencyKind.values:
        stored["kind"] = v["kind_raw"]  # shown back as typed, next to its error
    limits = {f.name: f.max_length for f in RolloutRow._meta.fields if f.name in FIELDS}
    return RolloutRow(
        batch=batch,
        line=row.line,
        errors=row.errors,
        status=status,
        **{key: value[: limits[key]] for key, value in stored.items()},
    )


def rollout_start(*, batch: RolloutBatch) -> RolloutBatch:
    """Confirm a validated batch: queue its provisioning (after commit)."""
    with transaction.atomic():
        batch = RolloutBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != RolloutStatus.VALIDATED:
            raise ValidationError(_(MSG_NOT_STARTABLE), code="not_startable")
        batch.status, batch.started_at = RolloutStatus.QUEUED, timezone.now()
        batch.save(update_fields=["status", "started_at"])
        _audit_start(batch)
        transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def _audit_start(batch: RolloutBatch) -> None:
    from iso_platform.audit import platform_record

    platform_record(
        action="rollout_start",
        subject_type="rolloutbatch",
        subject_id=batch.pk,
        subject_label=batch.file_name,
        actor=batch.uploaded_by,
        changes={"rows": batch.valid_rows, "sha256": batch.file_sha256},
    )


def _enqueue(batch_id) -> None:
    from onboarding.tasks import rollout_run as task

    try:
        task.delay(str(batch_id))
    except Exception:  # the broker is down: rollout_batches_resume queues it again
        logger.exception("could not queue rollout batch %s", batch_id)


# --------------------------------------------------------------------------- running


def _lock_key(batch_id) -> int:
    return zlib.crc32(str(batch_id).encode()) - 2**31  # a signed int4


@contextlib.contextmanager
def _runner_lock(batch_id):
    """Session-level advisory lock: held across the run's many transactions, and released
    by PostgreSQL itself if the worker dies."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, _lock_key(batch_id)])
        locked = cur.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, _lock_key(batch_id)])


def rollout_run(*, batch_id) -> str:
    """Provision every pending row of a queued (or interrupted) batch; safe to call twice."""
    connection.set_schema_to_public()
    with _runner_lock(batch_id) as locked:
        if not locked:
            return "busy"  # another worker is running this batch
        batch = RolloutBatch.objects.get(pk=batch_id)
        if batch.status not in (RolloutStatus.QUEUED, RolloutStatus.RUNNING):
            return batch.status
        RolloutBatch.objects.filter(pk=batch.pk).update(status=RolloutStatus.RUNNING)
        rows = list(batch.rows.filter(status__in=_RUNNABLE + _FINISHED))
        _recover(batch, rows)
        by_code = {row.code: row for row in rows}
        todo = [row for row in provisioning_order(rows) if row.status == RowStatus.PENDING]
        for row in todo:
            _spares_ahead()
            _provision_row(batch, row, by_code)
        return _finish(batch)


_RUNNABLE = (RowStatus.PENDING, RowStatus.RUNNING)
_FINISHED = (RowStatus.DONE, RowStatus.FAILED)


def _recover(batch: RolloutBatch, rows: list[RolloutRow]) -> None:
    """After a crash: rows whose agency this batch created are DONE, other RUNNING rows
    run again."""
    created = {
        event.agency.code: event
        for event in AgencyEvent.objects.filter(
            action=EVENT_ACTION, detail__batch=str(batch.pk)
        ).select_related("agency")
    }
    for row in rows:
        if row.status not in _RUNNABLE:
            continue
        event = created.get(row.code)
        if event is not None:
            row.status, row.agency = RowStatus.DONE, event.agency
            row.method = row.method or event.detail.get("method", "")
            row.finished_at = row.finished_at or event.at
            row.save(update_fields=["status", "agency", "method", "finished_at"])
            logger.info(
                "rollout %s line %s: agency already created, marked done", batch.pk, row.line
            )
        elif row.status == RowStatus.RUNNING:
            row.status = RowStatus.PENDING
            row.save(update_fields=["status"])
    _recount(batch)


def _spares_ahead() -> None:
    """Before each row: one spare above the standing pool (AGENCY_POOL_SIZE), built by replay.

    A batch thus builds exactly the spares it claims, at the same cost for the 1st row and
    the 1,000th (replay does not slow down as schemas accumulate, cloning does), and leaves
    the standing pool as full as it found it; the background refill, which clones, has
    nothing to do meanwhile. Building the whole batch's spares first would cost the same
    in all and only delay the first agencies.
    """
    for _i in range(settings.AGENCY_POOL_SIZE + 1 - pool.pool_size()):
        pool.spare_build(method=pool.METHOD_REPLAY)


def _provision_row(batch: RolloutBatch, row: RolloutRow, by_code: dict) -> None:
    parent = by_code.get(row.parent_code) if row.parent_code else None
    if parent is not None and parent is not row and parent.status != RowStatus.DONE:
        message = _(MSG_PARENT_NOT_CREATED) % {"code": parent.code, "line": parent.line}
        _row_failed(batch, row, {"parent_code": [message]})
        return
    row.status, row.started_at = RowStatus.RUNNING, timezone.now()
    row.save(update_fields=["status", "started_at"])  # committed before the work starts
    started = time.perf_counter()
    try:
        with transaction.atomic():
            _create_agency(batch, row, started)
    except ValidationError as exc:
        _row_failed(batch, row, _messages_by_field(exc))
    except Exception as exc:
        if isinstance(exc, OperationalError | InterfaceError) and not connection.is_usable():
            raise  # the database is unreachable: the row stays RUNNING for the resumed run
        logger.exception("rollout %s line %s failed", batch.pk, row.line)
        _row_failed(batch, row, {"__all__": [_(MSG_SYSTEM) % {"error": type(exc).__name__}]})


def _create_agency(batch: RolloutBatch, row: RolloutRow, started: float) -> None:
    """One transaction: the agency (via the provisioning service), its plan, the event that
    names this batch, the row DONE and the counter."""
    result = agency_provision(
        spec=AgencySpec(
            code=row.code,
            name=row.name,
            kind=row.kind,
            admin_email=row.admin_email,
            admin_name=row.admin_name,
            parent_code=row.parent_code or None,
            plan_code=row.plan_code or None,
        ),
    )
    agency = result.agency
    agency.refresh_from_db(fields=["plan_code"])
    if row.plan_code and not agency.plan_code:  # no billing plans: keep the requested code
        Agency.objects.filter(pk=agency.pk).update(plan_code=row.plan_code)
    events.record(
        agency=agency,
        action=EVENT_ACTION,
        actor=batch.uploaded_by,
        detail={
            "batch": str(batch.pk),
            "line": row.line,
            "file": batch.file_name,
            "method": result.method,
        },
    )
    row.status, row.agency, row.method = RowStatus.DONE, agency, result.method
    row.duration_ms = int((time.perf_counter() - started) * 1000)
    row.finished_at = timezone.now()
    row.save(update_fields=["status", "agency", "method", "duration_ms", "finished_at"])
    RolloutBatch.objects.filter(pk=batch.pk).update(done_rows=F("done_rows") + 1)


def _messages_by_field(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {key: list(messages) for key, messages in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


def _row_failed(batch: RolloutBatch, row: RolloutRow, errors: dict[str, list[str]]) -> None:
    with transaction.atomic():
        updated = (
            RolloutRow.objects.filter(pk=row.pk)
            .exclude(status=RowStatus.DONE)
            .update(status=RowStatus.FAILED, errors=errors, finished_at=timezone.now())
        )
        if updated:
            RolloutBatch.objects.filter(pk=batch.pk).update(failed_rows=F("failed_rows") + 1)
    row.status, row.errors = RowStatus.FAILED, errors


def _recount(batch: RolloutBatch) -> None:
    counts = batch.rows.aggregate(
        done=Count("pk", filter=Q(status=RowStatus.DONE)),
        failed=Count("pk", filter=Q(status=RowStatus.FAILED)),
    )
    RolloutBatch.objects.filter(pk=batch.pk).update(
        done_rows=counts["done"], failed_rows=counts["failed"]
    )


def _finish(batch: RolloutBatch) -> str:
    _recount(batch)
    batch.refresh_from_db()
    batch.status = RolloutStatus.FAILED if batch.failed_rows else RolloutStatus.SUCCEEDED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    return batch.status


def rollout_batches_resume() -> int:
    """Queue again the batches nobody is running: a lost message, a crash, a restart."""
    cutoff = timezone.now() - STALE_AFTER
    candidates = RolloutBatch.objects.filter(
        Q(status=RolloutStatus.QUEUED, started_at__lt=cutoff) | Q(status=RolloutStatus.RUNNING)
    ).values_list("pk", flat=True)
    queued = 0
    for batch_id in candidates:
        with _runner_lock(batch_id) as free:
            pass
        if free:
            _enqueue(batch_id)
            queued += 1
    return queued


# --------------------------------------------------------------------------- reading back


def rollout_progress(batch: RolloutBatch) -> int:
    """Per cent of the rows to create that are finished (created or failed)."""
    if batch.status in (RolloutStatus.SUCCEEDED, RolloutStatus.FAILED):
        return 100
    if not batch.valid_rows:
        return 0
    return min(100, round(100 * (batch.done_rows + batch.failed_rows) / batch.valid_rows))


def rollout_template_csv() -> bytes:
    """The downloadable template: UTF-8 with BOM (Excel opens it with the accents right)."""
    with translation.override("vi"):
        department = str(AgencyKind.PROVINCIAL_DEPARTMENT.label)
    rows = [
        ["so-vi-du", "Sở Ví Dụ", department, "", "Nguyễn Văn An", "an.nv@so-vi-du.gov.vn", ""],
        [
            "chi-cuc-vi-du",
            "Chi cục Ví Dụ",
            AgencyKind.OTHER.value,
            "so-vi-du",
            "Trần Thị Bình",
            "binh.tt@chi-cuc-vi-du.gov.vn",
            "co-ban",
        ],
    ]
    return spreadsheets.csv_bytes(rows, header=TEMPLATE_HEADER)
