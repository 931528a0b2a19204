"""The agency's team: agency administrators (`User.is_agency_admin`) invite, resend, revoke,
change roles and deactivate people, one by one or from a CSV file (all rows valid, or
nothing is created). Province roles can never be given inside an agency."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from iso_platform import untrusted
from iso_platform.accounts.identifiers import normalise_email
from iso_platform.accounts.invitations import (
    IMPORT_MAX_ROWS,
    MSG_FILE_COLUMNS,
    MSG_FILE_CSV,
    MSG_FILE_EMPTY,
    MSG_FILE_ENCODING,
    MSG_FILE_TOO_LONG,
    MSG_HAS_PASSWORD,
    MSG_INACTIVE,
    MSG_LAST_ADMIN,
    MSG_NOT_ADMIN,
    MSG_NOT_YOURSELF,
    MSG_NOTHING_TO_REVOKE,
    MSG_PROVINCE_ROLE,
    MSG_ROLE_UNKNOWN,
    MSG_ROW_EMAIL,
    MSG_ROW_EMAIL_TAKEN,
    MSG_ROW_EMAIL_TWICE,
    MSG_ROW_NAME,
    MSG_ROW_NAME_LONG,
    MSG_ROW_ROLE_MISSING,
    MSG_ROW_UNIT,
    MSG_ROW_UNIT_AMBIGUOUS,
    IssuedInvitation,
    _admin_event,
    _audit,
    _in_agency,
    _people_changed,
    _revoke_open,
    invitation_issue,
    invitation_send_on_commit,
)
from iso_platform.accounts.models import AGENCY_ROLES, PROVINCE_ROLES, Role, User
from iso_platform.accounts.services import user_create
from iso_platform.quotas import quota_check
from iso_platform.text import fold
from quality.core.models import Unit

# --------------------------------------------------------------------------- the agency's team


def _require_admin(actor) -> None:
    if not _in_agency():
        raise PermissionDenied("agency schema only")
    if not (
        actor is not None
        and actor.is_authenticated
        and actor.is_active
        and getattr(actor, "is_agency_admin", False)
    ):
        raise PermissionDenied(_(MSG_NOT_ADMIN))


def _check_users_limit(adding: int) -> None:
    """A plan with hard limits refuses people beyond its included users."""
    quota_check("users", adding=adding)


def _check_role(role: str, field_name: str = "role") -> None:
    if role in PROVINCE_ROLES:
        raise ValidationError({field_name: _(MSG_PROVINCE_ROLE)}, code="province_role")
    if role not in AGENCY_ROLES:
        raise ValidationError({field_name: _(MSG_ROLE_UNKNOWN) % {"value": role}}, code="role")


def _invite(*, actor, email, full_name, role, unit=None, is_agency_admin=False):

    _check_role(role)
    user = user_create(
        email=email,
        full_name=full_name,
        role=role,
        in_public=False,
        is_agency_admin=is_agency_admin,
    )
    if unit is not None:
        unit.members.add(user)
    issued = invitation_issue(user, invited_by=actor.email)
    invitation_send_on_commit(issued)
    _audit(
        actor,
        "invite",
        user,
        {"role": role, "unit": unit.code if unit else None, "admin": is_agency_admin},
    )
    return issued


@transaction.atomic
def person_invite(
    *, actor, email: str, full_name: str, role: str, unit=None, is_agency_admin: bool = False
) -> IssuedInvitation:
    """Create a person without a password (and their unit membership) and e-mail the link."""
    _require_admin(actor)
    _check_users_limit(1)
    issued = _invite(
        actor=actor,
        email=email,
        full_name=full_name,
        role=role,
        unit=unit,
        is_agency_admin=is_agency_admin,
    )
    _people_changed()
    return issued


def _resend(user: User, *, by: str, actor) -> IssuedInvitation:
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError(_(MSG_INACTIVE), code="inactive")
    if user.has_usable_password():
        raise ValidationError(_(MSG_HAS_PASSWORD), code="has_password")
    issued = invitation_issue(user, invited_by=by)
    invitation_send_on_commit(issued)
    _audit(actor, "invitation_resend", user)
    _people_changed()
    return issued


def _revoke(user: User, *, by: str, actor) -> int:
    user = User.objects.select_for_update().get(pk=user.pk)
    revoked = _revoke_open(user, timezone.now())
    if not revoked:
        raise ValidationError(_(MSG_NOTHING_TO_REVOKE), code="nothing")
    _admin_event(user, "revoked", by=by)
    _audit(actor, "invitation_revoke", user)
    _people_changed()
    return revoked


@transaction.atomic
def invitation_resend(*, actor, user: User) -> IssuedInvitation:
    """A new link by e-mail; the earlier links die at once."""
    _require_admin(actor)
    return _resend(user, by=actor.email, actor=actor)


@transaction.atomic
def invitation_revoke(*, actor, user: User) -> int:
    """Every open link of this person stops working at once."""
    _require_admin(actor)
    return _revoke(user, by=actor.email, actor=actor)


def _other_active_admins(user: User) -> bool:
    return User.objects.filter(is_agency_admin=True, is_active=True).exclude(pk=user.pk).exists()


@transaction.atomic
def person_update(*, actor, user: User, role: str, is_agency_admin: bool, units=None) -> User:
    """Change a person's role, administrator right and units."""
    _require_admin(actor)
    _check_role(role)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_agency_admin and not is_agency_admin and not _other_active_admins(user):
        raise ValidationError({"is_agency_admin": _(MSG_LAST_ADMIN)}, code="last_admin")
    before = {"role": user.role, "admin": user.is_agency_admin}
    user.role, user.is_agency_admin = role, is_agency_admin
    user.save(update_fields=["role", "is_agency_admin"])
    changes = {k: [v, n] for (k, v), n in zip(before.items(), (role, is_agency_admin), strict=True)}
    if units is not None:
        old = sorted(user.units.values_list("code", flat=True))
        user.units.set(units)
        new = sorted(u.code for u in units)
        if old != new:
            changes["units"] = [old, new]
    changes = {k: v for k, v in changes.items() if v[0] != v[1]}
    if changes:
        _audit(actor, "person_update", user, changes)
    _people_changed()
    return user


@transaction.atomic
def person_deactivate(*, actor, user: User) -> User:
    """Lock the account: no sign-in, no API token, every open link revoked."""
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk:
        raise ValidationError(_(MSG_NOT_YOURSELF), code="self")
    if user.is_agency_admin and not _other_active_admins(user):
        raise ValidationError(_(MSG_LAST_ADMIN), code="last_admin")
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        _revoke_open(user, timezone.now())
        _audit(actor, "person_deactivate", user)
        _people_changed()
    return user


@transaction.atomic
def person_activate(*, actor, user: User) -> User:
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        _check_users_limit(1)
        user.is_active = True
        user.save(update_fields=["is_active"])
        _audit(actor, "person_activate", user)
        _people_changed()
    return user


# --------------------------------------------------------------------------- CSV import

COLUMN_ALIASES = {
    "name": ("name", "full name", "fullname", "ho ten", "ho va ten", "ten"),
    "email": ("email", "e-mail", "e mail", "mail", "thu dien tu", "dia chi thu dien tu"),
    "unit": ("unit", "unit code", "unit name", "don vi", "ma don vi", "ten don vi", "phong ban"),
    "role": ("role", "vai tro", "chuc danh"),
}
REQUIRED_COLUMNS = ("name", "email", "role")
COLUMN_LABELS = {"name": "họ tên", "email": "email", "unit": "đơn vị", "role": "vai trò"}


@dataclass
class RowError:
    row: int
    messages: list[str]


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    people: list[User] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors


def _header_key(text: str) -> str:
    return " ".join(fold(str(text or "")).replace("_", " ").split())


def _column_map(header: list[str]) -> dict[str, int]:
    found = {}
    for index, name in enumerate(header):
        key = _header_key(name)
        for column, aliases in COLUMN_ALIASES.items():
            if key in aliases and column not in found:
                found[column] = index
    return found


def role_lookup() -> dict[str, str]:
    """Folded role value or label (Vietnamese and English) -> role value."""
    table = {}
    for role in Role:
        table[fold(role.value)] = role.value
        table[fold(role.value.replace("_", " "))] = role.value
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                table[" ".join(fold(str(role.label)).split())] = role.value
    return table


def _unit_lookup():
    by_code, by_name = {}, {}
    for unit in Unit.objects.filter(is_active=True):
        by_code[fold(unit.code)] = unit
        by_name.setdefault(" ".join(fold(unit.name).split()), []).append(unit)
    return by_code, by_name


def _read_csv(data: bytes) -> list[list[str]]:
    """Rows of the file, within iso_platform.untrusted's TABLE limits (Refused is a
    ValidationError: the report shows its message)."""
    untrusted.check_size(len(data), untrusted.TABLE)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_(MSG_FILE_ENCODING), code="encoding") from exc
    if "\x00" in text:  # a binary file renamed .csv; PostgreSQL stores no NUL character
        raise ValidationError(_(MSG_FILE_ENCODING), code="encoding")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    try:
        return list(untrusted.csv_rows(text, delimiter=delimiter))
    except csv.Error as exc:
        raise ValidationError(_(MSG_FILE_CSV) % {"error": exc}, code="csv") from exc


def staff_import(*, actor, data: bytes) -> ImportReport:
    """Invite everybody in a CSV file (name, e-mail, unit, role), or nobody: every row is
    checked first and each wrong row is reported; people are created only when all rows are
    right, in one transaction, and e-mailed after it commits."""
    _require_admin(actor)
    report = ImportReport()
    read = _import_read(data, report)
    if read is None:
        return report
    columns, rows = read
    valid = _import_check(columns, rows, report)
    if report.errors:
        return report
    try:
        _check_users_limit(len(valid))
    except ValidationError as exc:
        report.file_errors.extend(exc.messages)
        return report
    _import_create(actor, valid, report)
    return report


def _import_read(data: bytes, report: ImportReport):
    """(column map, [(line, row)] of the non-blank data rows), or None when the file as a
    whole is refused (unreadable, empty, a required column missing, too long): the reason
    goes to report.file_errors."""
    try:
        table = _read_csv(data)
    except ValidationError as exc:
        report.file_errors.extend(exc.messages)
        return None
    while table and not any(cell.strip() for cell in table[-1]):
        table.pop()
    if not table:
        report.file_errors.append(_(MSG_FILE_EMPTY))
        return None
    columns = _column_map(table[0])
    missing = [COLUMN_LABELS[c] for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        report.file_errors.append(_(MSG_FILE_COLUMNS) % {"columns": ", ".join(missing)})
        return None
    rows = [
        (line, row)
        for line, row in enumerate(table[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
    report.rows = len(rows)
    if not rows:
        report.file_errors.append(_(MSG_FILE_EMPTY))
        return None
    if len(rows) > IMPORT_MAX_ROWS:
        report.file_errors.append(_(MSG_FILE_TOO_LONG) % {"n": len(rows), "max": IMPORT_MAX_ROWS})
        return None
    return columns, rows


def _cell(columns: dict[str, int], row: list[str], column: str) -> str:
    index = columns.get(column)
    return row[index].strip() if index is not None and index < len(row) else ""


@dataclass
class _RowChecker:
    """What checking one row needs to know about the others and about the agency."""

    taken: set[str]  # e-mails that already have an account
    roles: dict[str, str]
    units_by_code: dict
    units_by_name: dict
    seen: dict[str, int] = field(default_factory=dict)  # e-mail -> first line that has it

    def name(self, name: str) -> list[str]:
        if not name:
            return [_(MSG_ROW_NAME)]
        if len(name) > 150:
            return [_(MSG_ROW_NAME_LONG)]
        return []

    def email(self, email: str, line: int) -> list[str]:
        try:
            validate_email(email)
        except ValidationError:
            return [_(MSG_ROW_EMAIL) % {"value": email}]
        errors = []
        if email in self.seen:
            errors.append(_(MSG_ROW_EMAIL_TWICE) % {"value": email, "row": self.seen[email]})
        elif email in self.taken:
            errors.append(_(MSG_ROW_EMAIL_TAKEN) % {"value": email})
        self.seen.setdefault(email, line)
        return errors

    def role(self, role_text: str) -> tuple[str | None, list[str]]:
        role = self.roles.get(" ".join(fold(role_text).split())) if role_text else None
        if not role_text:
            return role, [_(MSG_ROW_ROLE_MISSING)]
        if role in PROVINCE_ROLES:
            return role, [_(MSG_PROVINCE_ROLE)]
        if role not in AGENCY_ROLES:
            return role, [_(MSG_ROLE_UNKNOWN) % {"value": role_text}]
        return role, []

    def unit(self, unit_text: str) -> tuple[Unit | None, list[str]]:
        """No unit is fine; a unit is found by code, else by a name only one unit has."""
        if not unit_text:
            return None, []
        key = " ".join(fold(unit_text).split())
        unit = self.units_by_code.get(key)
        if unit is not None:
            return unit, []
        named = self.units_by_name.get(key, [])
        if len(named) > 1:
            return None, [_(MSG_ROW_UNIT_AMBIGUOUS) % {"value": unit_text}]
        if named:
            return named[0], []
        return None, [_(MSG_ROW_UNIT) % {"value": unit_text}]


def _import_check(columns: dict[str, int], rows, report: ImportReport) -> list[tuple]:
    """Check every row: each wrong one goes to report.errors with all that is wrong in it;
    the right ones are returned as (line, name, email, role, unit)."""
    emails = [normalise_email(_cell(columns, row, "email")) for _line, row in rows]
    check = _RowChecker(
        set(User.objects.filter(email__in=emails).values_list("email", flat=True)),
        role_lookup(),
        *_unit_lookup(),
    )
    valid = []
    for line, row in rows:
        name, email = _cell(columns, row, "name"), normalise_email(_cell(columns, row, "email"))
        errors = check.name(name) + check.email(email, line)
        role, role_errors = check.role(_cell(columns, row, "role"))
        unit, unit_errors = check.unit(_cell(columns, row, "unit"))
        errors += role_errors + unit_errors
        if errors:
            report.errors.append(RowError(line, errors))
        else:
            valid.append((line, name, email, role, unit))
    return valid


def _import_create(actor, valid: list[tuple], report: ImportReport) -> None:
    """Invite the checked rows in one transaction; if one of them is refused after all (it lost
    a race with another invitation), nothing is kept and its row is reported."""
    try:
        with transaction.atomic():
            for line, name, email, role, unit in valid:
                try:
                    issued = _invite(actor=actor, email=email, full_name=name, role=role, unit=unit)
                except ValidationError as exc:  # lost a race with another invitation
                    report.errors.append(RowError(line, exc.messages))
                    raise _Rollback from exc
                report.people.append(issued.invitation.user)
            _people_changed()
    except _Rollback:
        report.people = []
        return
    report.created = len(report.people)


class _Rollback(Exception):
    """Leave the import transaction without keeping anything."""
