"""Invitations: a one-time, expiring link to set a password, and the agency's team.

- A link carries a random token (`secrets.token_urlsafe`); only its SHA-256 digest is stored
  (`accounts.Invitation`). It works on the host whose schema holds the row, and nowhere else.
- It expires after INVITATION_TTL_SECONDS; accepting it (setting the password) ends it, and
  so does revoking it. Sending again issues a new token and revokes the earlier ones.
- The e-mail goes through Celery with the agency schema in the headers, after commit.
- Agency administrators (`User.is_agency_admin`) invite, resend, revoke, change roles and
  deactivate people, one by one or from a CSV file (all rows valid, or nothing is created).
  Province roles can never be given inside an agency.
- The first administrator's invitation is mirrored as a public `AgencyEvent`
  (action `admin_invitation`), so the province console can follow it without entering the
  agency's schema.
"""

from __future__ import annotations

import csv
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from iso_platform import untrusted
from iso_platform.accounts.identifiers import normalise_email
from iso_platform.accounts.models import AGENCY_ROLES, PROVINCE_ROLES, Invitation, Role, User
from iso_platform.text import fold

TOKEN_BYTES = 32
ADMIN_EVENT = "admin_invitation"
IMPORT_MAX_ROWS = 500

MSG_NOT_ADMIN = gettext_noop("Chỉ quản trị viên của cơ quan được mời và quản lý người dùng.")
MSG_PROVINCE_ROLE = gettext_noop("Không thể mời vai trò cấp tỉnh vào cơ quan.")
MSG_ROLE_UNKNOWN = gettext_noop("Vai trò “%(value)s” không có trong danh sách vai trò của cơ quan.")
MSG_INACTIVE = gettext_noop("Tài khoản này đã bị khoá; hãy mở khoá trước khi gửi thư mời.")
MSG_HAS_PASSWORD = gettext_noop(
    "Người này đã đặt mật khẩu và đăng nhập được; không cần gửi lại thư mời."
)
MSG_NOTHING_TO_REVOKE = gettext_noop("Người này không có lời mời nào đang chờ để thu hồi.")
MSG_NOT_YOURSELF = gettext_noop("Bạn không thể tự khoá tài khoản của mình.")
MSG_LAST_ADMIN = gettext_noop(
    "Cơ quan phải còn ít nhất một quản trị viên đang hoạt động; hãy giao quyền quản trị cho "
    "người khác trước."
)
MSG_LINK_UNKNOWN = gettext_noop("Liên kết không đúng hoặc không thuộc cơ quan này.")
MSG_LINK_USED = gettext_noop("Liên kết này đã được dùng để đặt mật khẩu.")
MSG_LINK_REVOKED = gettext_noop("Lời mời này đã bị thu hồi hoặc đã được thay bằng thư mời mới.")
MSG_LINK_EXPIRED = gettext_noop("Liên kết mời đã hết hạn.")
# CSV import
MSG_FILE_ENCODING = gettext_noop("Tệp phải là CSV mã hoá UTF-8 (Excel: Lưu thành “CSV UTF-8”).")
MSG_FILE_EMPTY = gettext_noop("Tệp không có dòng dữ liệu nào.")
MSG_FILE_CSV = gettext_noop("Không đọc được tệp CSV: %(error)s")
MSG_FILE_TOO_LONG = gettext_noop("Tệp có %(n)s dòng; mỗi lần nhập tối đa %(max)s dòng.")
MSG_FILE_COLUMNS = gettext_noop(
    "Thiếu cột: %(columns)s. Dòng đầu tiên phải là tên cột: họ tên, email, đơn vị, vai trò."
)
MSG_ROW_NAME = gettext_noop("Thiếu họ tên.")
MSG_ROW_NAME_LONG = gettext_noop("Họ tên dài quá 150 ký tự.")
MSG_ROW_EMAIL = gettext_noop("Thư điện tử “%(value)s” không hợp lệ.")
MSG_ROW_EMAIL_TWICE = gettext_noop("Thư điện tử “%(value)s” đã có ở dòng %(row)s.")
MSG_ROW_EMAIL_TAKEN = gettext_noop("Thư điện tử “%(value)s” đã có tài khoản trong cơ quan.")
MSG_ROW_ROLE_MISSING = gettext_noop("Thiếu vai trò.")
MSG_ROW_UNIT = gettext_noop("Không tìm thấy đơn vị “%(value)s” (nhập mã hoặc tên đơn vị).")
MSG_ROW_UNIT_AMBIGUOUS = gettext_noop(
    "Có nhiều đơn vị tên “%(value)s”; hãy nhập mã đơn vị để phân biệt."
)


class LinkState(models.TextChoices):
    OK = "ok", gettext_lazy("Còn hiệu lực")
    UNKNOWN = "unknown", gettext_lazy("Không hợp lệ")
    USED = "used", gettext_lazy("Đã dùng")
    REVOKED = "revoked", gettext_lazy("Đã thu hồi")
    EXPIRED = "expired", gettext_lazy("Hết hạn")


LINK_MESSAGES = {
    LinkState.UNKNOWN: MSG_LINK_UNKNOWN,
    LinkState.USED: MSG_LINK_USED,
    LinkState.REVOKED: MSG_LINK_REVOKED,
    LinkState.EXPIRED: MSG_LINK_EXPIRED,
}


class PersonState(models.TextChoices):
    """Where a person stands with signing in (the team page, the console)."""

    NOT_INVITED = "not_invited", gettext_lazy("Chưa mời")
    PENDING = "pending", gettext_lazy("Đang chờ nhận lời mời")
    EXPIRED = "expired", gettext_lazy("Lời mời hết hạn")
    REVOKED = "revoked", gettext_lazy("Lời mời đã thu hồi")
    ACTIVE = "active", gettext_lazy("Đã đặt mật khẩu")
    INACTIVE = "inactive", gettext_lazy("Đã khoá")


# --------------------------------------------------------------------------- tokens


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def ttl() -> timedelta:
    return timedelta(seconds=settings.INVITATION_TTL_SECONDS)


def ttl_hours() -> int:
    return max(1, settings.INVITATION_TTL_SECONDS // 3600)


def link_path(token: str) -> str:
    return f"/accounts/set-password/{token}/"


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation just made, with its token (known only now: the database keeps a digest)."""

    invitation: Invitation
    token: str

    def path(self) -> str:
        return link_path(self.token)


def _revoke_open(user: User, now, *, keep: int | None = None) -> int:
    open_ = Invitation.objects.filter(user=user, accepted_at__isnull=True, revoked_at__isnull=True)
    if keep is not None:
        open_ = open_.exclude(pk=keep)
    return open_.update(revoked_at=now)


@transaction.atomic
def invitation_issue(user: User, *, invited_by: str = "") -> IssuedInvitation:
    """A new one-time link for `user`; every earlier link of theirs stops working."""
    if not user.is_active:
        raise ValidationError(_(MSG_INACTIVE), code="inactive")
    now = timezone.now()
    _revoke_open(user, now)
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation.objects.create(
        user=user,
        digest=digest_of(raw),
        created_at=now,
        expires_at=now + ttl(),
        invited_by=(invited_by or "")[:254],
    )
    _admin_event(user, "sent", invitation=invitation, by=invited_by)
    return IssuedInvitation(invitation, raw)


def invitation_send_on_commit(issued: IssuedInvitation) -> None:
    """E-mail the link once the transaction commits (Celery, in this schema), through the
    outbox: a broker outage delays the e-mail, it does not lose it."""
    from iso_platform.accounts.tasks import send_invitation
    from iso_platform.outbox.services import task_enqueue

    task_enqueue(task=send_invitation, args=(issued.invitation.user_id, issued.token))


def invitation_check(token: str) -> tuple[Invitation | None, str]:
    """The invitation behind a link and whether it can still be used (a LinkState)."""
    if not token or len(token) > 200:
        return None, LinkState.UNKNOWN
    invitation = Invitation.objects.select_related("user").filter(digest=digest_of(token)).first()
    return invitation, _link_state(invitation)


def _link_state(invitation: Invitation | None, now=None) -> str:
    now = now or timezone.now()
    if invitation is None:
        return LinkState.UNKNOWN
    if invitation.accepted_at is not None:
        return LinkState.USED
    if invitation.revoked_at is not None or not invitation.user.is_active:
        return LinkState.REVOKED
    if invitation.expires_at <= now:
        return LinkState.EXPIRED
    if invitation.user.has_usable_password():
        return LinkState.USED
    return LinkState.OK


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Set the password through a link: once, before it expires, unless revoked."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("user")
        .filter(digest=digest_of(token or ""))
        .first()
    )
    state = _link_state(invitation)
    if state != LinkState.OK:
        raise ValidationError(_(LINK_MESSAGES[state]), code=state)
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    now = timezone.now()
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    _revoke_open(user, now, keep=invitation.pk)
    _admin_event(user, "accepted", invitation=invitation, by=user.email)
    _audit(user, "invitation_accept", user)
    _checklist_refresh_on_commit()
    return user


# --------------------------------------------------------------------------- who stands where


def person_state(user: User, invitations=None, now=None) -> tuple[str, Invitation | None]:
    """(PersonState, the latest invitation). `invitations`: the person's, newest first."""
    now = now or timezone.now()
    if invitations is None:
        invitations = list(user.invitations.order_by("-created_at")[:1])
    latest = invitations[0] if invitations else None
    if not user.is_active:
        return PersonState.INACTIVE, latest
    if user.has_usable_password():
        return PersonState.ACTIVE, latest
    if latest is None:
        return PersonState.NOT_INVITED, None
    if latest.accepted_at is not None:
        return PersonState.ACTIVE, latest
    if latest.revoked_at is not None:
        return PersonState.REVOKED, latest
    if latest.expires_at <= now:
        return PersonState.EXPIRED, latest
    return PersonState.PENDING, latest


def first_admin() -> User | None:
    """The agency's first administrator (the one the province invited at provisioning)."""
    return User.objects.filter(is_agency_admin=True).order_by("pk").first()


# --------------------------------------------------------------------------- the agency's team


def _in_agency() -> bool:
    return connection.schema_name != settings.PUBLIC_SCHEMA_NAME


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
    """Billing: a plan with hard limits refuses people beyond its included users."""
    from billing.services.limits import check

    check(current_agency(), "users", adding=adding)


def _check_role(role: str, field_name: str = "role") -> None:
    if role in PROVINCE_ROLES:
        raise ValidationError({field_name: _(MSG_PROVINCE_ROLE)}, code="province_role")
    if role not in AGENCY_ROLES:
        raise ValidationError({field_name: _(MSG_ROLE_UNKNOWN) % {"value": role}}, code="role")


def _invite(*, actor, email, full_name, role, unit=None, is_agency_admin=False):
    from iso_platform.accounts.services import user_create

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
    _checklist_refresh_on_commit()
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
    _checklist_refresh_on_commit()
    return issued


def _revoke(user: User, *, by: str, actor) -> int:
    user = User.objects.select_for_update().get(pk=user.pk)
    revoked = _revoke_open(user, timezone.now())
    if not revoked:
        raise ValidationError(_(MSG_NOTHING_TO_REVOKE), code="nothing")
    _admin_event(user, "revoked", by=by)
    _audit(actor, "invitation_revoke", user)
    _checklist_refresh_on_commit()
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
    _checklist_refresh_on_commit()
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
        _checklist_refresh_on_commit()
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
        _checklist_refresh_on_commit()
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
    from quality.core.models import Unit

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
    try:
        table = _read_csv(data)
    except ValidationError as exc:
        report.file_errors.extend(exc.messages)
        return report
    while table and not any(cell.strip() for cell in table[-1]):
        table.pop()
    if not table:
        report.file_errors.append(_(MSG_FILE_EMPTY))
        return report
    columns = _column_map(table[0])
    missing = [COLUMN_LABELS[c] for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        report.file_errors.append(_(MSG_FILE_COLUMNS) % {"columns": ", ".join(missing)})
        return report
    rows = [
        (line, row)
        for line, row in enumerate(table[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
    report.rows = len(rows)
    if not rows:
        report.file_errors.append(_(MSG_FILE_EMPTY))
        return report
    if len(rows) > IMPORT_MAX_ROWS:
        report.file_errors.append(_(MSG_FILE_TOO_LONG) % {"n": len(rows), "max": IMPORT_MAX_ROWS})
        return report

    def cell(row, column):
        index = columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    emails = [normalise_email(cell(row, "email")) for _line, row in rows]
    taken = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    roles, (units_by_code, units_by_name) = role_lookup(), _unit_lookup()
    seen: dict[str, int] = {}
    valid = []
    for line, row in rows:
        errors = []
        name, email = cell(row, "name"), normalise_email(cell(row, "email"))
        role_text, unit_text = cell(row, "role"), cell(row, "unit")
        if not name:
            errors.append(_(MSG_ROW_NAME))
        elif len(name) > 150:
            errors.append(_(MSG_ROW_NAME_LONG))
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_(MSG_ROW_EMAIL) % {"value": email})
        else:
            if email in seen:
                errors.append(_(MSG_ROW_EMAIL_TWICE) % {"value": email, "row": seen[email]})
            elif email in taken:
                errors.append(_(MSG_ROW_EMAIL_TAKEN) % {"value": email})
            seen.setdefault(email, line)
        role = roles.get(" ".join(fold(role_text).split())) if role_text else None
        if not role_text:
            errors.append(_(MSG_ROW_ROLE_MISSING))
        elif role in PROVINCE_ROLES:
            errors.append(_(MSG_PROVINCE_ROLE))
        elif role not in AGENCY_ROLES:
            errors.append(_(MSG_ROLE_UNKNOWN) % {"value": role_text})
        unit = None
        if unit_text:
            key = " ".join(fold(unit_text).split())
            unit = units_by_code.get(key)
            if unit is None:
                named = units_by_name.get(key, [])
                if len(named) > 1:
                    errors.append(_(MSG_ROW_UNIT_AMBIGUOUS) % {"value": unit_text})
                elif named:
                    unit = named[0]
                else:
                    errors.append(_(MSG_ROW_UNIT) % {"value": unit_text})
        if errors:
            report.errors.append(RowError(line, errors))
        else:
            valid.append((line, name, email, role, unit))
    if report.errors:
        return report
    try:
        _check_users_limit(len(valid))
    except ValidationError as exc:
        report.file_errors.extend(exc.messages)
        return report
    try:
        with transaction.atomic():
            for line, name, email, role, unit in valid:
                try:
                    issued = _invite(actor=actor, email=email, full_name=name, role=role, unit=unit)
                except ValidationError as exc:  # lost a race with another invitation
                    report.errors.append(RowError(line, exc.messages))
                    raise _Rollback from exc
                report.people.append(issued.invitation.user)
            _checklist_refresh_on_commit()
    except _Rollback:
        report.people = []
        return report
    report.created = len(report.people)
    return report


class _Rollback(Exception):
    """Leave the import transaction without keeping anything."""


# --------------------------------------------------------------------------- side effects


def _audit(actor, action: str, subject, changes: dict | None = None) -> None:
    """The agency's audit trail (agency schemas only: the public schema has none)."""
    if not _in_agency():
        return
    from quality.core.services import audit_record

    audit_record(actor=actor, action=action, subject=subject, changes=changes)


def _checklist_refresh_on_commit() -> None:
    if not _in_agency():
        return
    from onboarding.services.checklist import checklist_refresh_on_commit

    checklist_refresh_on_commit()


def current_agency():
    """The agency whose schema is active (None on the public schema)."""
    if not _in_agency():
        return None
    from tenants.models import Agency

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Agency) and tenant.schema_name == connection.schema_name and tenant.pk:
        return tenant
    return Agency.objects.filter(schema_name=connection.schema_name).first()


def _admin_event(user: User, state: str, *, invitation: Invitation | None = None, by="") -> None:
    """Mirror the first administrator's invitation into the public operations log."""
    if not (_in_agency() and user.is_agency_admin):
        return
    first = User.objects.filter(is_agency_admin=True).order_by("pk").values_list("pk", flat=True)
    if first.first() != user.pk:
        return
    agency = current_agency()
    if agency is None:
        return
    from tenants.models import AgencyEvent

    AgencyEvent.objects.create(
        agency=agency,
        action=ADMIN_EVENT,
        actor=None,  # people of an agency schema are not rows of the public user table
        actor_label=(by or "system")[:254],
        detail={
            "state": state,
            "email": user.email,
            "expires_at": invitation.expires_at.isoformat() if invitation else None,
        },
    )
