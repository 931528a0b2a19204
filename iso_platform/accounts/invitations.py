"""Invitations: a one-time, expiring link to set a password.

- A link carries a random token (`secrets.token_urlsafe`); only its SHA-256 digest is stored
  (`accounts.Invitation`). It works on the host whose schema holds the row, and nowhere else.
- It expires after INVITATION_TTL_SECONDS; accepting it (setting the password) ends it, and
  so does revoking it. Sending again issues a new token and revokes the earlier ones.
- The e-mail goes through Celery with the agency schema in the headers, after commit.
- The agency's team (invite, resend, revoke, change, deactivate, import from CSV) is
  `quality.core.team.services`, which uses these links.
- The first administrator's invitation is announced (`first_admin_invitation`); `tenants`
  mirrors it as a public `AgencyEvent` (action `admin_invitation`), so the province console
  can follow it without entering the agency's schema.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from iso_platform import audit
from iso_platform.accounts.models import Invitation, User
from iso_platform.accounts.signals import first_admin_invitation, people_changed

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
    # A cycle otherwise: accounts.tasks imports this module.
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
    _people_changed()
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


# --------------------------------------------------------------------------- side effects


def _in_agency() -> bool:
    return connection.schema_name != settings.PUBLIC_SCHEMA_NAME


def _audit(actor, action: str, subject, changes: dict | None = None) -> None:
    """The agency's audit trail (agency schemas only: the public schema has none)."""
    if not _in_agency():
        return
    audit.here_record(
        actor=actor,
        action=action,
        subject_type=subject._meta.model_name,
        subject_id=subject.pk,
        subject_label=str(subject),
        changes=changes,
    )


def _people_changed() -> None:
    """Tell the layers above that the agency's people changed (the onboarding checklist)."""
    if _in_agency():
        people_changed.send(sender=User)


def _admin_event(user: User, state: str, *, invitation: Invitation | None = None, by="") -> None:
    """Announce a step of the first administrator's invitation; `tenants` mirrors it into the
    public operations log (ADMIN_EVENT), so the console follows it without entering the
    agency's schema."""
    if not (_in_agency() and user.is_agency_admin):
        return
    first = User.objects.filter(is_agency_admin=True).order_by("pk").values_list("pk", flat=True)
    if first.first() != user.pk:
        return
    first_admin_invitation.send(sender=User, user=user, state=state, invitation=invitation, by=by)
