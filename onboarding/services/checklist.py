"""The agency's first-run checklist, computed from its data, mirrored to the province.

Seven steps: the profile and scope confirmed, the quality policy set from the
template, the ISO steering committee and secretary named, the procedure catalogue imported,
the template pack chosen, staff invited, an integration key created. Only what cannot be
read from the data (a confirmation, the scope text, which unit is the steering committee,
when the pack was chosen) is kept in `onboarding.Checklist`.

Every computation is mirrored into the public `AgencyOnboarding` row of the agency,
which the province console reads (it never enters agency schemas on a page view). The mirror
is refreshed when the page is viewed, after this package's own writes, and hourly for the
writes of other apps (`onboarding.checklist_refresh_all`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django_tenants.utils import schema_context

from integrations.models import ApiKey
from iso_platform.accounts.invitations import first_admin
from iso_platform.accounts.models import Invitation, Role, User
from iso_platform.current import current_agency
from onboarding.models import Checklist, PackInstall
from onboarding.province.models import AgencyOnboarding
from quality.core.models import AuditEvent, Unit
from quality.core.permissions import can
from quality.core.services import audit_record
from quality.documents.models import DocType, Document, DocumentStatus
from quality.procedures.models import Procedure

logger = logging.getLogger(__name__)

STEP_KEYS = ("profile", "policy", "steering", "procedures", "pack", "staff", "integration")
STEP_TITLES = {
    "profile": gettext_lazy("Xác nhận thông tin cơ quan và phạm vi áp dụng"),
    "policy": gettext_lazy("Chính sách chất lượng từ mẫu"),
    "steering": gettext_lazy("Ban chỉ đạo ISO và thư ký ISO"),
    "procedures": gettext_lazy("Nhập danh mục thủ tục hành chính"),
    "pack": gettext_lazy("Chọn bộ tài liệu mẫu theo loại cơ quan"),
    "staff": gettext_lazy("Mời cán bộ, công chức"),
    "integration": gettext_lazy("Tạo khoá tích hợp một cửa"),
}
STEP_HELP = {
    "profile": gettext_lazy(
        "Kiểm tra tên, loại và cơ quan cấp trên do tỉnh khai báo, và ghi phạm vi áp dụng hệ "
        "thống quản lý chất lượng (các lĩnh vực, thủ tục hành chính thuộc phạm vi)."
    ),
    "policy": gettext_lazy(
        "Bộ tài liệu mẫu có sẵn dự thảo chính sách chất lượng. Sửa cho phù hợp với cơ quan, "
        "trình lãnh đạo phê duyệt và ban hành."
    ),
    "steering": gettext_lazy(
        "Chọn hoặc tạo đơn vị “Ban chỉ đạo ISO” với các thành viên, và có ít nhất một người "
        "giữ vai trò thư ký ISO."
    ),
    "procedures": gettext_lazy(
        "Nhập danh mục thủ tục hành chính của cơ quan (tệp CSV hoặc XLSX) để theo dõi hồ sơ "
        "và thời hạn giải quyết."
    ),
    "pack": gettext_lazy(
        "Xác nhận bộ tài liệu mẫu theo mô hình khung phù hợp với loại cơ quan; tài liệu mẫu "
        "được thêm dưới dạng dự thảo để cơ quan chỉnh sửa."
    ),
    "staff": gettext_lazy(
        "Mời cán bộ từng người hoặc bằng tệp CSV (họ tên, email, đơn vị, vai trò). Mỗi người "
        "nhận thư có liên kết đặt mật khẩu dùng một lần."
    ),
    "integration": gettext_lazy(
        "Tạo khoá để phần mềm một cửa hoặc cổng dịch vụ công gửi hồ sơ sang eISO."
    ),
}

MSG_NOT_ALLOWED = gettext_noop(
    "Chỉ quản trị viên cơ quan, lãnh đạo hoặc thư ký ISO thực hiện các bước khởi đầu."
)
MSG_SCOPE_REQUIRED = gettext_noop("Hãy ghi phạm vi áp dụng hệ thống quản lý chất lượng.")
MSG_STEERING_NAME = gettext_noop("Hãy chọn một đơn vị có sẵn, hoặc nhập mã và tên đơn vị mới.")
MSG_STEERING_CODE_TAKEN = gettext_noop(
    "Mã đơn vị “%(code)s” đã có; hãy chọn đơn vị đó trong danh sách hoặc dùng mã khác."
)
MSG_STEERING_MEMBERS = gettext_noop("Ban chỉ đạo ISO cần ít nhất một thành viên.")
MSG_NO_PACK = gettext_noop("Cơ quan chưa có bộ tài liệu mẫu nào được cài.")


@dataclass
class StepState:
    key: str
    done: bool
    detail: str = ""
    url: str | None = None
    link_label: str = ""

    @property
    def title(self):
        return STEP_TITLES[self.key]

    @property
    def help(self):
        return STEP_HELP[self.key]


@dataclass
class Progress:
    steps: list[StepState]
    checklist: Checklist

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def as_mirror(self) -> dict[str, bool]:
        return {s.key: s.done for s in self.steps}

    def step(self, key: str) -> StepState:
        return next(s for s in self.steps if s.key == key)


def url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# --------------------------------------------------------------------------- computing


def checklist_compute() -> Progress:
    """The steps of the agency whose schema is active, read from its data."""
    checklist = Checklist.load()
    steps = [
        _profile(checklist),
        _policy(),
        _steering(checklist),
        _procedures(),
        _pack(checklist),
        _staff(),
        _integration(),
    ]
    return Progress(steps, checklist)


def _profile(checklist: Checklist) -> StepState:
    done = checklist.profile_confirmed_at is not None and bool(checklist.scope.strip())
    detail = ""
    if checklist.profile_confirmed_at:
        detail = _("Đã xác nhận ngày %(d)s.") % {
            "d": timezone.localtime(checklist.profile_confirmed_at).strftime("%d/%m/%Y")
        }
    return StepState("profile", done, detail)


def _policy() -> StepState:

    policies = list(
        Document.objects.filter(doc_type=DocType.QUALITY_POLICY)
        .exclude(status=DocumentStatus.WITHDRAWN)
        .order_by("-pack_key", "pk")
        .only("pk", "code", "status", "pack_key")
    )
    ids = [str(d.pk) for d in policies]
    issued = any(d.status == DocumentStatus.IN_FORCE for d in policies)
    edited = (
        bool(ids)
        and AuditEvent.objects.filter(
            Q(parent_type="document", parent_id__in=ids)
            | Q(subject_type="document", subject_id__in=ids),
            actor_id__isnull=False,
        )
        .exclude(action="create_from_pack")
        .exists()
    )
    if issued:
        detail = _("Chính sách chất lượng đã được ban hành.")
    elif edited:
        detail = _("Đã chỉnh sửa từ mẫu; còn trình phê duyệt và ban hành.")
    elif policies:
        detail = _("Bản mẫu chưa được chỉnh sửa.")
    else:
        detail = _("Chưa có tài liệu chính sách chất lượng.")
    url = (
        url_or_none("documents:detail", policies[0].pk)
        if policies
        else url_or_none("documents:create")
    )
    return StepState("policy", issued or edited, detail, url, _("Mở chính sách chất lượng"))


def _steering(checklist: Checklist) -> StepState:

    unit = checklist.steering_unit
    members = unit.members.filter(is_active=True).count() if unit else 0
    secretaries = list(
        User.objects.filter(role=Role.ISO_SECRETARY, is_active=True)
        .order_by("full_name")
        .values_list("full_name", flat=True)[:3]
    )
    parts = []
    if unit:
        parts.append(
            _("Ban chỉ đạo: %(name)s (%(n)s thành viên).") % {"name": unit.name, "n": members}
        )
    else:
        parts.append(_("Chưa chỉ định ban chỉ đạo ISO."))
    if secretaries:
        parts.append(_("Thư ký ISO: %(names)s.") % {"names": ", ".join(secretaries)})
    else:
        parts.append(_("Chưa có người giữ vai trò thư ký ISO."))
    done = unit is not None and members > 0 and bool(secretaries)
    return StepState("steering", done, " ".join(parts))


def _procedures() -> StepState:

    count = Procedure.objects.count()
    detail = (
        _("%(n)s thủ tục trong danh mục.") % {"n": count} if count else _("Danh mục đang trống.")
    )
    return StepState(
        "procedures",
        count > 0,
        detail,
        url_or_none("procedures:catalogue"),
        _("Mở danh mục và nhập tệp"),
    )


def _pack(checklist: Checklist) -> StepState:

    installed = ", ".join(
        f"{p.pack} v{p.version}" for p in PackInstall.objects.order_by("pack", "version")
    )
    detail = _("Đã cài: %(packs)s.") % {"packs": installed} if installed else _(MSG_NO_PACK)
    if checklist.pack_chosen_at:
        detail = (
            _("Đã xác nhận ngày %(d)s. ")
            % {"d": timezone.localtime(checklist.pack_chosen_at).strftime("%d/%m/%Y")}
            + detail
        )
    url = url_or_none("agency_packs:list")
    label = _("Chọn bộ tài liệu mẫu")
    if url is None:
        url, label = url_or_none("documents:register"), _("Xem các tài liệu mẫu")
    return StepState("pack", checklist.pack_chosen_at is not None, detail, url, label)


def _staff() -> StepState:

    # Done once someone besides the first administrator has an account (invited people
    # have one from the moment they are invited); the first administrator's own link,
    # sent by the province, does not count as inviting staff.
    people = User.objects.filter(is_active=True).count()
    admin = first_admin()
    pending = (
        Invitation.objects.filter(
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .exclude(user=admin)
        .count()
    )
    detail = _("%(people)s người dùng, %(pending)s lời mời đang chờ.") % {
        "people": people,
        "pending": pending,
    }
    return StepState("staff", people > 1, detail, url_or_none("team:list"), _("Mời người dùng"))


def _integration() -> StepState:

    keys = ApiKey.objects.count()
    usable = sum(1 for k in ApiKey.objects.only("revoked_at", "expires_at") if k.is_usable())
    detail = _("%(n)s khoá đang dùng được.") % {"n": usable} if keys else _("Chưa có khoá nào.")
    return StepState(
        "integration", usable > 0, detail, url_or_none("integrations:keys"), _("Tạo khoá tích hợp")
    )


# --------------------------------------------------------------------------- the public mirror


def checklist_refresh() -> Progress:
    """Compute the steps and mirror them to the province (and mark the checklist complete
    the first time every step is done)."""

    progress = checklist_compute()
    _bar_remember(progress)
    agency = current_agency()
    if agency is not None and agency.status != "active":
        return progress  # an archived agency is read-only: shown, never written
    checklist = progress.checklist
    if progress.complete and checklist.completed_at is None:
        checklist.completed_at = timezone.now()
        checklist.save(update_fields=["completed_at"])
    mirror_write(progress.as_mirror())
    return progress


# --------------------------------------------------------------------------- the dashboard bar

# The dashboard shows "done/total" to agency administrators until the checklist is complete.
# Computing the steps takes a dozen queries, on every dashboard view; the figures are kept in
# the cache (its keys carry the agency schema) for BAR_CACHE_SECONDS, and replaced each time
# the steps are computed anyway (the checklist page, this package's writes, the hourly task).
# A step done elsewhere (an integration key, an invitation) reaches the bar within that time;
# the checklist page itself is always computed afresh.
BAR_CACHE_KEY = "onboarding:checklist-bar"
BAR_CACHE_SECONDS = 30


@dataclass(frozen=True)
class Bar:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def checklist_bar() -> Bar | None:
    """The dashboard bar's figures; None once every step is done."""
    if Checklist.objects.filter(pk=1, completed_at__isnull=False).exists():
        return None
    found = cache.get(BAR_CACHE_KEY) if _bar_shared() else None
    if found is None:
        progress = checklist_refresh()
        found = (progress.done, progress.total)
    bar = Bar(*found)
    return None if bar.done >= bar.total else bar


def _bar_shared() -> bool:
    # Figures read inside a transaction may be rolled back (tests run in one): never shared.
    return not connection.in_atomic_block


def _bar_remember(progress: Progress) -> None:
    if _bar_shared():
        cache.set(BAR_CACHE_KEY, (progress.done, progress.total), BAR_CACHE_SECONDS)


def mirror_write(steps: dict[str, bool]) -> None:
    """Upsert the agency's public `AgencyOnboarding` row (no write when nothing changed)."""

    agency = current_agency()
    if agency is None:
        return
    done, total = sum(1 for v in steps.values() if v), len(steps)
    if AgencyOnboarding.objects.filter(agency=agency, steps=steps, done=done, total=total).exists():
        return
    AgencyOnboarding.objects.bulk_create(
        [
            AgencyOnboarding(
                agency=agency, steps=steps, done=done, total=total, updated_at=timezone.now()
            )
        ],
        update_conflicts=True,
        unique_fields=["agency"],
        update_fields=["steps", "done", "total", "updated_at"],
    )


def checklist_refresh_on_commit() -> None:
    """Refresh the mirror once the current transaction commits, in this agency's schema; a
    failure there is logged and never undoes the write that asked for it."""
    schema = connection.schema_name

    def refresh():
        try:
            with schema_context(schema):
                checklist_refresh()
        except Exception:
            logger.exception("onboarding mirror refresh failed for %s", schema)

    transaction.on_commit(refresh)


# --------------------------------------------------------------------------- writes


def _require(actor) -> None:

    if not can(actor, "settings.manage"):
        raise PermissionDenied(_(MSG_NOT_ALLOWED))


@transaction.atomic
def checklist_profile_confirm(*, actor, scope: str) -> Checklist:
    """The agency confirms the profile the province recorded and writes its QMS scope."""

    _require(actor)
    scope = (scope or "").strip()
    if not scope:
        raise ValidationError({"scope": _(MSG_SCOPE_REQUIRED)})
    checklist = Checklist.objects.select_for_update().get(pk=Checklist.load().pk)
    before = checklist.scope
    checklist.scope = scope
    checklist.profile_confirmed_at = timezone.now()
    checklist.save(update_fields=["scope", "profile_confirmed_at"])
    audit_record(
        actor=actor,
        action="checklist_profile",
        subject=checklist,
        changes={"scope": [before, scope]} if before != scope else None,
    )
    checklist_refresh_on_commit()
    return checklist


@transaction.atomic
def checklist_steering_set(*, actor, unit=None, code: str = "", name: str = "", members=()):
    """Name the ISO steering committee: an existing unit, or a new one; `members` are added
    (nobody is removed here: that is done on the units page)."""

    _require(actor)
    created = False
    if unit is None:
        code, name = (code or "").strip().upper(), (name or "").strip()
        if not code or not name:
            raise ValidationError(_(MSG_STEERING_NAME))
        if Unit.objects.filter(code__iexact=code).exists():
            raise ValidationError({"code": _(MSG_STEERING_CODE_TAKEN) % {"code": code}})
        unit = Unit.objects.create(code=code, name=name)
        created = True
    if members:
        unit.members.add(*members)
    if not unit.members.filter(is_active=True).exists():
        raise ValidationError({"members": _(MSG_STEERING_MEMBERS)})
    checklist = Checklist.objects.select_for_update().get(pk=Checklist.load().pk)
    checklist.steering_unit = unit
    checklist.save(update_fields=["steering_unit"])
    audit_record(
        actor=actor,
        action="checklist_steering",
        subject=checklist,
        changes={
            "unit": unit.code,
            "created": created,
            "members": sorted(m.email for m in members),
        },
    )
    checklist_refresh_on_commit()
    return unit


@transaction.atomic
def checklist_pack_confirm(*, actor) -> Checklist:
    """Confirm the template pack installed at provisioning (used when the pack pages of
    `agency_packs` are not there to choose one)."""

    _require(actor)
    if not PackInstall.objects.exists():
        raise ValidationError(_(MSG_NO_PACK))
    checklist = Checklist.objects.select_for_update().get(pk=Checklist.load().pk)
    checklist.pack_chosen_at = timezone.now()
    checklist.save(update_fields=["pack_chosen_at"])
    audit_record(actor=actor, action="checklist_pack", subject=checklist)
    checklist_refresh_on_commit()
    return checklist


# --------------------------------------------------------------------------- the whole province


def checklist_refresh_in_schema(schema_name: str) -> Progress:
    """Refresh one agency's mirror from outside its schema (tasks, commands, tests)."""
    with schema_context(schema_name):
        return checklist_refresh()
