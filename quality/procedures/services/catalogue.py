"""The procedure catalogue: procedures, their versions (rules with effective dates), steps,
and import from CSV or XLSX with a per-row report and nothing half-imported."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform import untrusted
from iso_platform.workdays.calendar import get_calendar
from quality.core.models import Unit
from quality.core.permissions import can
from quality.core.services import audit_record, changes_between
from quality.documents.models import Document
from quality.procedures.models import (
    Procedure,
    ProcedureLevel,
    ProcedureStep,
    ProcedureVersion,
    SupplementRule,
)

MSG_ONE_LIMIT = gettext_noop(
    "Cần đúng một thời hạn: số ngày làm việc, số ngày theo lịch hoặc số giờ làm việc."
)
MSG_LIMIT_POSITIVE = gettext_noop("Thời hạn giải quyết phải lớn hơn 0.")
MSG_STEPS_OVER = gettext_noop(
    "Tổng thời gian các bước (%(steps)s giờ) vượt thời hạn của thủ tục (%(limit)s giờ)."
)
MSG_NO_STEPS = gettext_noop("Cần ít nhất một bước xử lý.")
MSG_CODE_REQUIRED = gettext_noop("Cần mã thủ tục.")
MSG_NAME_REQUIRED = gettext_noop("Cần tên thủ tục.")
MSG_DATE_TAKEN = gettext_noop("Thủ tục %(code)s đã có phiên bản áp dụng từ %(date)s.")
MSG_BAD_NUMBER = gettext_noop("“%(value)s” không phải là số hợp lệ ở cột %(column)s.")
MSG_BAD_DATE = gettext_noop(
    "“%(value)s” không phải là ngày (dd/mm/yyyy hoặc yyyy-mm-dd) ở cột %(column)s."
)
MSG_BAD_CHOICE = gettext_noop(
    "“%(value)s” không phải là giá trị hợp lệ ở cột %(column)s (%(allowed)s)."
)
MSG_BAD_FILE = gettext_noop("Không đọc được tệp: chỉ nhận CSV (UTF-8) hoặc XLSX.")
MSG_NUMBER_TOO_BIG = gettext_noop("“%(value)s” ở cột %(column)s lớn quá (tối đa %(max)s).")
MSG_MISSING_COLUMNS = gettext_noop("Thiếu cột: %(columns)s.")
MSG_DUPLICATE_ROW = gettext_noop("Mã thủ tục %(code)s lặp lại ở dòng %(row)s.")
MSG_UNKNOWN_DOCUMENT = gettext_noop("Không có tài liệu mã “%(code)s” để liên kết.")
MSG_NATIONAL_STEPS_OVER = gettext_noop(
    "Thời hạn mới (%(limit)s giờ làm việc) ngắn hơn tổng thời gian các bước của cơ quan "
    "(%(steps)s giờ): cần phân bổ lại thời gian các bước."
)
MSG_NATIONAL_NO_STEPS = gettext_noop(
    "Thủ tục mới chưa có các bước xử lý: cần lập quy trình và phân bổ thời gian các bước."
)
MSG_NATIONAL_CODE_TAKEN = gettext_noop(
    "Mã %(code)s đã được dùng cho một thủ tục khác của cơ quan (mã quốc gia %(other)s)."
)


@dataclass
class StepSpec:
    name: str
    budget_hours: Decimal
    unit_name: str = ""


@dataclass
class VersionSpec:
    effective_from: dt.date
    limit_days: int | None
    limit_hours: Decimal | None
    limit_calendar_days: int | None = None
    fee: int = 0
    cutoff_applies: bool = False
    supplement_rule: str = SupplementRule.RESTART
    note: str = ""
    steps: list[StepSpec] = field(default_factory=list)


def _require(actor) -> None:
    if not can(actor, "procedures.manage"):
        raise PermissionDenied("procedures.manage")


def version_check(spec: VersionSpec) -> None:
    """The rules of one version: one limit, above 0, at least one step, steps fit the
    limit."""
    limits = (spec.limit_days, spec.limit_calendar_days, spec.limit_hours)
    limit_check(*limits)
    if not spec.steps:
        raise ValidationError({"steps": _(MSG_NO_STEPS)})
    limit = limit_working_hours(*limits)
    total = sum((s.budget_hours for s in spec.steps), Decimal(0))
    if total > limit:
        raise ValidationError(
            {
                "steps": _(MSG_STEPS_OVER)
                % {"steps": f"{total.normalize():f}", "limit": f"{limit.normalize():f}"}
            }
        )


def limit_check(days, calendar_days, hours) -> None:
    """Exactly one limit, and above 0 (the database holds the first rule too)."""
    given = [value for value in (days, calendar_days, hours) if value is not None]
    if len(given) != 1:
        raise ValidationError({"limit_days": _(MSG_ONE_LIMIT)})
    if given[0] <= 0:
        raise ValidationError({"limit_days": _(MSG_LIMIT_POSITIVE)})


def limit_working_hours(days, calendar_days, hours) -> Decimal:
    """The working hours a limit is sure to hold, to compare with the steps' budgets.

    Calendar days hold at least the working days of their worst week-alignment (a run
    that begins on a Saturday): five in every seven, and of the rest all but two. Public
    holidays are not counted against them: the comparison is a planning check, and the
    deadline itself moves past a closing day off (WorkCalendar.due_date)."""
    hours_per_day = Decimal(get_calendar().seconds_per_day) / 3600
    if days is not None:
        return Decimal(days) * hours_per_day
    if calendar_days is not None:
        weeks, rest = divmod(calendar_days, 7)
        return Decimal(weeks * 5 + max(rest - 2, 0)) * hours_per_day
    return Decimal(hours)


def _unit(name: str) -> Unit | None:
    name = (name or "").strip()
    if not name:
        return None
    unit = (
        Unit.objects.filter(name__iexact=name).first()
        or Unit.objects.filter(code__iexact=name).first()
    )
    if unit is None:
        code = "".join(w[0] for w in name.split() if w)[:24].upper() or "DV"
        base, n = code, 1
        while Unit.objects.filter(code=code).exists():
            n += 1
            code = f"{base}{n}"
        unit = Unit.objects.create(code=code, name=name)
    return unit


def _save_version(procedure: Procedure, spec: VersionSpec) -> ProcedureVersion:
    if procedure.versions.filter(effective_from=spec.effective_from).exists():
        raise ValidationError(
            {
                "effective_from": _(MSG_DATE_TAKEN)
                % {"code": procedure.code, "date": spec.effective_from.strftime("%d/%m/%Y")}
            }
        )
    number = (procedure.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=number,
        effective_from=spec.effective_from,
        limit_days=spec.limit_days,
        limit_hours=spec.limit_hours,
        limit_calendar_days=spec.limit_calendar_days,
        fee=spec.fee,
        cutoff_applies=spec.cutoff_applies,
        supplement_rule=spec.supplement_rule,
        note=spec.note,
    )
    ProcedureStep.objects.bulk_create(
        [
            ProcedureStep(
                version=version,
                order=i,
                name=s.name,
                unit=_unit(s.unit_name),
                budget_hours=s.budget_hours,
            )
            for i, s in enumerate(spec.steps, start=1)
        ]
    )
    return version


@transaction.atomic
def procedure_create(
    *,
    actor,
    code: str,
    name: str,
    field: str = "",
    level: str = ProcedureLevel.PROVINCE,
    document=None,
    version: VersionSpec,
) -> Procedure:
    _require(actor)
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        raise ValidationError({"code": _(MSG_CODE_REQUIRED)})
    if not name:
        raise ValidationError({"name": _(MSG_NAME_REQUIRED)})
    if Procedure.objects.filter(code=code).exists():
        raise ValidationError({"code": _("Mã thủ tục “%(code)s” đã có.") % {"code": code}})
    version_check(version)
    procedure = Procedure.objects.create(
        code=code, name=name, field=field.strip(), level=level, document=document
    )
    _save_version(procedure, version)
    audit_record(
        actor=actor, action="create", subject=procedure, changes={"code": code, "name": name}
    )
    return procedure


@transaction.atomic
def procedure_version_add(*, actor, procedure: Procedure, version: VersionSpec) -> ProcedureVersion:
    """New rules from a date; applications received before it keep their version."""
    _require(actor)
    version_check(version)
    created = _save_version(procedure, version)
    audit_record(
        actor=actor,
        action="version",
        subject=procedure,
        changes={"version": created.number, "effective_from": version.effective_from},
    )
    return created


# --------------------------------------------------------------------------- import

COLUMNS = (
    "code",
    "name",
    "field",
    "level",
    "limit_days",
    "limit_calendar_days",
    "limit_hours",
    "fee",
    "cutoff",
    "supplement_rule",
    "effective_from",
    "document_code",
)
REQUIRED = ("code", "name")
STEP_PREFIX = "step"  # step1_name, step1_unit, step1_hours, step2_name, ...


@dataclass
class RowError:
    row: int
    messages: list[str]


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    versions: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_table(name: str, data: bytes) -> tuple[list[dict], list[dict]]:
    """(procedure rows, step rows) from CSV or XLSX; an XLSX may carry steps on a 2nd sheet.
    The file is read within iso_platform.untrusted's TABLE limits (size, rows, columns,
    and for an XLSX its expanded size)."""
    try:
        if name.lower().endswith(".xlsx"):
            return _read_xlsx(data)
        return _read_csv(data), []
    except untrusted.Refused as exc:
        messages = [_(MSG_BAD_FILE)] if exc.code == "damaged" else exc.messages
        raise ValidationError({"file": messages}) from exc


def _read_csv(data: bytes) -> list[dict]:
    untrusted.check_size(len(data), untrusted.TABLE)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": _(MSG_BAD_FILE)}) from exc
    if "\x00" in text:  # UTF-16 or a binary file; PostgreSQL stores no NUL character
        raise ValidationError({"file": _(MSG_BAD_FILE)})
    try:
        table = list(untrusted.csv_rows(text))
    except csv.Error as exc:
        raise ValidationError({"file": _(MSG_BAD_FILE)}) from exc
    return _records(table)


def _read_xlsx(data: bytes):
    sheets: list[list[tuple]] = [[], []]
    for index, _number, values in untrusted.xlsx_rows(data, sheets=2):
        sheets[index].append(values)
    return _records(sheets[0], skip_blank=True), _records(sheets[1], skip_blank=True)


def _records(table, *, skip_blank: bool = False) -> list[dict]:
    """Rows as dicts keyed by the header's names (as csv.DictReader would)."""
    if not table:
        return []
    head = [str(h or "").strip().lower() for h in table[0]]
    return [
        _clean(dict.fromkeys(head, "") | dict(zip(head, r, strict=False)))
        for r in table[1:]
        if r and not (skip_blank and not any(v not in (None, "") for v in r))
    ]


def _clean(row: dict) -> dict:
    return {str(k or "").strip().lower(): ("" if v is None else v) for k, v in row.items()}


def catalogue_import(*, actor, name: str, data: bytes) -> ImportReport:
    """Validate every row first; import only when no row is wrong, in one transaction."""
    _require(actor)
    rows, step_rows = read_table(name, data)
    report = ImportReport(rows=len(rows))
    missing = [c for c in REQUIRED if rows and c not in rows[0]]
    if missing:
        report.errors.append(
            RowError(1, [_(MSG_MISSING_COLUMNS) % {"columns": ", ".join(missing)}])
        )
        return report
    steps_by_code = _steps_from_sheet(step_rows)
    parsed, seen = [], {}
    for index, row in enumerate(rows, start=2):
        try:
            item = _parse_row(row, steps_by_code.get(str(row.get("code", "")).strip(), []))
            if item[0]["code"] in seen:
                raise ValidationError(
                    _(MSG_DUPLICATE_ROW) % {"code": item[0]["code"], "row": seen[item[0]["code"]]}
                )
            seen[item[0]["code"]] = index
            parsed.append((index, *item))
        except ValidationError as exc:
            report.errors.append(RowError(index, exc.messages))
    if report.errors:
        return report
    try:
        with transaction.atomic():
            for index, base, spec in parsed:
                try:
                    _import_one(actor, base, spec, report)
                except ValidationError as exc:
                    report.errors.append(RowError(index, exc.messages))
            if report.errors:
                raise _Rollback
    except _Rollback:
        report.created = report.versions = 0
    return report


class _Rollback(Exception):
    """Leave the import transaction without keeping anything."""


def _import_one(actor, base: dict, spec: VersionSpec, report: ImportReport) -> None:
    existing = Procedure.objects.filter(code=base["code"]).first()
    if existing is None:
        procedure_create(actor=actor, version=spec, **base)
        report.created += 1
    else:
        procedure_version_add(actor=actor, procedure=existing, version=spec)
        report.versions += 1


def _steps_from_sheet(step_rows: list[dict]) -> dict[str, list[StepSpec]]:
    result: dict[str, list[tuple[int, StepSpec]]] = {}
    for row in step_rows:
        code = str(row.get("code", "")).strip()
        order = int(_number(row.get("order") or 0, "order") or 0)
        result.setdefault(code, []).append(
            (
                order,
                StepSpec(
                    name=str(row.get("name", "")).strip(),
                    budget_hours=_decimal(row.get("hours"), "hours"),
                    unit_name=str(row.get("unit", "")).strip(),
                ),
            )
        )
    return {
        code: [s for _o, s in sorted(items, key=lambda x: x[0])] for code, items in result.items()
    }


def _parse_row(row: dict, sheet_steps: list[StepSpec]):

    code, name = str(row.get("code", "")).strip(), str(row.get("name", "")).strip()
    errors = []
    if not code:
        errors.append(_(MSG_CODE_REQUIRED))
    if not name:
        errors.append(_(MSG_NAME_REQUIRED))
    level = str(row.get("level") or ProcedureLevel.PROVINCE).strip()
    if level not in ProcedureLevel.values:
        errors.append(
            _(MSG_BAD_CHOICE)
            % {"value": level, "column": "level", "allowed": ", ".join(ProcedureLevel.values)}
        )
    rule = str(row.get("supplement_rule") or SupplementRule.RESTART).strip()
    if rule not in SupplementRule.values:
        errors.append(
            _(MSG_BAD_CHOICE)
            % {
                "value": rule,
                "column": "supplement_rule",
                "allowed": ", ".join(SupplementRule.values),
            }
        )
    document = None
    if str(row.get("document_code", "")).strip():
        document = Document.objects.filter(code__iexact=str(row["document_code"]).strip()).first()
        if document is None:
            errors.append(_(MSG_UNKNOWN_DOCUMENT) % {"code": row["document_code"]})

    def field(parse, *args):
        try:
            return parse(*args)
        except ValidationError as exc:
            errors.extend(exc.messages)
            return None

    effective = field(_date, row.get("effective_from"), "effective_from")
    limit_days = field(_integer, row.get("limit_days"), "limit_days", DAYS_MAX)
    calendar_days = field(_integer, row.get("limit_calendar_days"), "limit_calendar_days", DAYS_MAX)
    limit_hours = field(_decimal, row.get("limit_hours"), "limit_hours", True, LIMIT_HOURS_MAX)
    fee = field(_integer, row.get("fee"), "fee", FEE_MAX)
    steps = sheet_steps or field(_steps_from_columns, row) or []
    spec = None
    if not errors:
        spec = VersionSpec(
            effective_from=effective or timezone.localdate(),
            limit_days=limit_days,
            limit_hours=limit_hours,
            limit_calendar_days=calendar_days,
            fee=fee or 0,
            cutoff_applies=str(row.get("cutoff", "")).strip().lower()
            in ("1", "x", "yes", "có", "co", "true"),
            supplement_rule=rule,
            steps=steps,
        )
        field(version_check, spec)
    if errors:
        raise ValidationError(errors)
    return {
        "code": code,
        "name": name,
        "field": str(row.get("field", "")).strip(),
        "level": level,
        "document": document,
    }, spec


def _steps_from_columns(row: dict) -> list[StepSpec]:
    steps = []
    for n in range(1, 31):
        step_name = str(row.get(f"{STEP_PREFIX}{n}_name", "")).strip()
        if not step_name:
            continue
        steps.append(
            StepSpec(
                name=step_name,
                budget_hours=_decimal(
                    row.get(f"{STEP_PREFIX}{n}_hours"), f"{STEP_PREFIX}{n}_hours"
                ),
                unit_name=str(row.get(f"{STEP_PREFIX}{n}_unit", "")).strip(),
            )
        )
    return steps


# The columns' own limits: beyond them PostgreSQL refuses the row (an error page, not a report).
DAYS_MAX = 2_147_483_647  # limit_days, limit_calendar_days: integer
FEE_MAX = 9_223_372_036_854_775_807  # fee: bigint
LIMIT_HOURS_MAX = Decimal("9999.99")  # limit_hours: max_digits=6, decimal_places=2
STEP_HOURS_MAX = Decimal("99999.99")  # budget_hours: max_digits=7, decimal_places=2


def _number(value, column, maximum=FEE_MAX):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationError(_(MSG_BAD_NUMBER) % {"value": value, "column": column}) from exc
    if not number.is_finite():  # NaN, Infinity: Decimal reads them, no column holds them
        raise ValidationError(_(MSG_BAD_NUMBER) % {"value": value, "column": column})
    if abs(number) > maximum:
        raise ValidationError(
            _(MSG_NUMBER_TOO_BIG) % {"value": value, "column": column, "max": maximum}
        )
    return number


def _decimal(value, column, optional=False, maximum=STEP_HOURS_MAX):
    number = _number(value, column, maximum)
    if number is None:
        if optional:
            return None
        raise ValidationError(_(MSG_BAD_NUMBER) % {"value": value, "column": column})
    if number < 0:
        raise ValidationError(_(MSG_BAD_NUMBER) % {"value": value, "column": column})
    return number


def _integer(value, column, maximum=FEE_MAX):
    number = _number(value, column, maximum)
    if number is None:
        return None
    if number != number.to_integral_value() or number < 0:
        raise ValidationError(_(MSG_BAD_NUMBER) % {"value": value, "column": column})
    return int(number)


def _date(value, column):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(_(MSG_BAD_DATE) % {"value": value, "column": column})


# --------------------------------------------------------------------------- national catalogue

# What the national database of administrative procedures decides, per procedure (the
# attributes) and per version (the rules). Steps and their budgets are the agency's own.
NATIONAL_ATTRIBUTES = ("name", "field", "level", "authority")
NATIONAL_RULES = (
    "limit_days",
    "limit_calendar_days",
    "limit_hours",
    "fee",
    "fee_note",
    "legal_basis",
    "result",
)


def procedure_national_match(national_code: str) -> Procedure | None:
    """The agency's procedure for a national code: linked to it, or coded with it."""
    return (
        Procedure.objects.filter(national_code=national_code).first()
        or Procedure.objects.filter(national_code="", code=national_code).first()
    )


def version_latest(procedure: Procedure) -> ProcedureVersion | None:
    return procedure.versions.order_by("-effective_from").first()


def national_warnings(budgets: list[Decimal], rules: dict) -> list[str]:
    """What the secretary must do after the national rules changed: steps to plan, or step
    budgets that no longer fit the limit (kept as they are: they are the agency's)."""
    if not budgets:
        return [_(MSG_NATIONAL_NO_STEPS)]
    limit = limit_working_hours(
        rules["limit_days"], rules.get("limit_calendar_days"), rules["limit_hours"]
    )
    total = sum(budgets, Decimal(0))
    if total <= limit:
        return []
    return [
        _(MSG_NATIONAL_STEPS_OVER)
        % {"limit": f"{limit.normalize():f}", "steps": f"{total.normalize():f}"}
    ]


@transaction.atomic
def procedure_national_apply(
    *, actor, national_code: str, attributes: dict, rules: dict, effective_from: dt.date
) -> tuple[Procedure, ProcedureVersion | None]:
    """The national catalogue's values for one procedure: attributes changed in place, rules
    that differ from the latest version as a new version from `effective_from` (the latest
    one's date at the earliest: then that version is corrected) carrying the agency's steps.
    Returns the procedure and the version written (None when the rules were the same)."""
    _require(actor)
    procedure = procedure_national_match(national_code)
    if procedure is None:
        return _national_create(actor, national_code, attributes, rules, effective_from)
    before = {name: getattr(procedure, name) for name in (*NATIONAL_ATTRIBUTES, "national_code")}
    after = {**attributes, "national_code": national_code}
    changed = changes_between(before, after)
    if changed:
        for name, value in after.items():
            setattr(procedure, name, value)
        procedure.full_clean(validate_unique=False, validate_constraints=False)
        procedure.save()
        audit_record(actor=actor, action="update", subject=procedure, changes=changed)
    latest = version_latest(procedure)
    if latest is not None and all(getattr(latest, n) == rules[n] for n in NATIONAL_RULES):
        return procedure, None
    return procedure, _national_version(actor, procedure, latest, rules, effective_from)


def _national_create(actor, national_code, attributes, rules, effective_from):
    taken = Procedure.objects.filter(code=national_code).first()
    if taken is not None:
        raise ValidationError(
            _(MSG_NATIONAL_CODE_TAKEN) % {"code": national_code, "other": taken.national_code}
        )
    procedure = Procedure.objects.create(
        code=national_code, national_code=national_code, **attributes
    )
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=1, effective_from=effective_from, **rules
    )
    audit_record(
        actor=actor,
        action="create",
        subject=procedure,
        changes={"code": national_code, "name": attributes["name"]},
    )
    return procedure, version


def _national_version(actor, procedure, latest, rules, effective_from):
    if latest is not None and effective_from <= latest.effective_from:
        before = {name: getattr(latest, name) for name in NATIONAL_RULES}
        ProcedureVersion.objects.filter(pk=latest.pk).update(**rules)
        latest.refresh_from_db()
        audit_record(
            actor=actor,
            action="version",
            subject=procedure,
            changes={"version": latest.number, **changes_between(before, rules)},
        )
        return latest
    number = (procedure.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    inherited = {"cutoff_applies": False, "supplement_rule": SupplementRule.RESTART, "note": ""}
    if latest is not None:
        inherited = {name: getattr(latest, name) for name in inherited}
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=number, effective_from=effective_from, **inherited, **rules
    )
    if latest is not None:
        ProcedureStep.objects.bulk_create(
            ProcedureStep(
                version=version,
                order=step.order,
                name=step.name,
                unit_id=step.unit_id,
                budget_hours=step.budget_hours,
            )
            for step in latest.steps.all()
        )
    audit_record(
        actor=actor,
        action="version",
        subject=procedure,
        changes={"version": number, "effective_from": effective_from},
    )
    return version
