"""Nonconformity workflow and actions.

    recorded -> corrected -> analysed (5 whys or fishbone) -> actions -> verifying -> closed

A nonconformity cannot close while an action is open, done but not verified, or judged
ineffective; reopening keeps the history (audit trail). Overdue actions escalate: first to
the owner and the ISO secretary, after a week to the agency leader, each notice once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform.accounts.models import Role, User
from quality.core.events import event_announce
from quality.core.permissions import can
from quality.core.services import audit_record, notify_once
from quality.documents.services.files import upload_check
from quality.improvement.models import (
    OPEN_ACTION_STATUSES,
    Action,
    ActionEvidence,
    ActionKind,
    ActionStatus,
    NcStatus,
    Nonconformity,
    RootCauseMethod,
)

MSG_TITLE = gettext_noop("Cần mô tả sự không phù hợp.")
MSG_CLOSED = gettext_noop("Sự không phù hợp này đã đóng; hãy mở lại nếu cần xử lý tiếp.")
MSG_CORRECTION = gettext_noop("Cần ghi việc khắc phục tức thời đã làm.")
MSG_ROOT_CAUSE = gettext_noop("Cần ghi nguyên nhân gốc rễ.")
MSG_WHYS = gettext_noop("Phân tích 5 lần tại sao cần từ 1 đến 5 câu trả lời, không để trống.")
MSG_FISHBONE = gettext_noop(
    "Biểu đồ xương cá cần ít nhất một nguyên nhân trong các nhóm: %(groups)s."
)
MSG_NOT_ANALYSED = gettext_noop(
    "Cần phân tích nguyên nhân gốc rễ trước khi đặt hành động khắc phục."
)
MSG_ACTION_TITLE = gettext_noop("Cần mô tả hành động.")
MSG_DUE_PAST = gettext_noop("Thời hạn không được trước hôm nay.")
MSG_OWNER_INACTIVE = gettext_noop("Người thực hiện không còn hoạt động.")
MSG_ACTION_STATE = gettext_noop("Hành động đang ở trạng thái “%(status)s”, không thể %(what)s.")
MSG_NOT_OWNER = gettext_noop("Chỉ người thực hiện (hoặc người quản lý) được báo hoàn thành.")
MSG_SELF_VERIFY = gettext_noop("Người thực hiện không tự xác nhận hiệu lực hành động của mình.")
MSG_OPEN_ACTIONS = gettext_noop("Chưa thể đóng: còn %(n)s hành động chưa được xác nhận hiệu lực.")
MSG_NO_ACTIONS = gettext_noop(
    "Chưa thể đóng: chưa phân tích nguyên nhân và chưa có hành động khắc phục nào."
)
MSG_VERIFICATION_NOTE = gettext_noop("Cần ghi kết quả kiểm tra hiệu lực trước khi đóng.")
MSG_REOPENED = gettext_noop(
    "Chưa thể đóng: sau khi mở lại cần ít nhất một hành động mới được xác nhận hiệu lực."
)
MSG_TOO_EARLY = gettext_noop(
    "Chưa thể đóng: hiệu lực của hành động khắc phục được kiểm tra từ ngày %(date)s."
)
MSG_CORRECTIVE_ONLY = gettext_noop("Hành động gắn với sự không phù hợp là hành động khắc phục.")
MSG_REASON = gettext_noop("Cần nêu lý do.")
MSG_NOT_CLOSED = gettext_noop("Chỉ mở lại được sự không phù hợp đã đóng.")
MSG_NONE_SELECTED = gettext_noop("Chưa chọn sự không phù hợp nào.")
MSG_UNKNOWN_NCS = gettext_noop("Không có sự không phù hợp %(codes)s trong cơ quan.")
MSG_BULK_CLOSED = gettext_noop(
    "Đã đóng, không xử lý cùng lúc được: %(codes)s. Hãy bỏ chọn các bản ghi này."
)
MSG_BULK_PENDING = gettext_noop(
    "Chưa thể đóng vì còn hành động chưa được xác nhận hiệu lực: %(codes)s."
)
MSG_SHARED_CAUSE = gettext_noop(
    "Cần ghi nguyên nhân gốc rễ chung cho các sự không phù hợp chưa phân tích: %(codes)s."
)
MSG_TOO_MANY_FILES = gettext_noop("Đính kèm tối đa %(n)s tệp minh chứng mỗi lần.")

ACTION_CAPABILITY = {
    ActionKind.CORRECTIVE: "improvement.manage",
    ActionKind.AUDIT: "audits.manage",
    ActionKind.RISK: "risks.manage",
    ActionKind.OBJECTIVE: "objectives.manage",
    ActionKind.REVIEW: "reviews.manage",
    ActionKind.TRANSITION: "transition.manage",
}
MAX_EVIDENCE_FILES = 10
FISHBONE_GROUPS = ("con_nguoi", "phuong_phap", "may_moc", "vat_lieu", "do_luong", "moi_truong")
ESCALATE_AFTER_DAYS = 7


def _require(actor, capability: str) -> None:
    if not can(actor, capability):
        raise PermissionDenied(capability)


def _locked(nc: Nonconformity) -> Nonconformity:
    return Nonconformity.objects.select_for_update().get(pk=nc.pk)


def _open(nc: Nonconformity) -> None:
    if nc.status == NcStatus.CLOSED:
        raise ValidationError(_(MSG_CLOSED))


# --------------------------------------------------------------------------- nonconformities


@transaction.atomic
def nc_create(
    *,
    actor,
    source: str,
    title: str,
    description: str = "",
    severity: str = "minor",
    unit=None,
    owner=None,
    source_type: str = "",
    source_id: str = "",
    source_ref: str = "",
    verify_after_days: int | None = None,
) -> Nonconformity:
    """`actor=None`: recorded by the system itself (a late application, a low survey score)."""
    if actor is not None:
        _require(actor, "improvement.record")
    if not (title or "").strip():
        raise ValidationError({"title": _(MSG_TITLE)})
    nc = Nonconformity.objects.create(
        source=source,
        title=title.strip()[:500],
        description=description.strip(),
        severity=severity,
        unit=unit,
        unit_name=unit.name if unit else "",
        owner=owner,
        source_type=source_type,
        source_id=source_id,
        source_ref=source_ref,
        created_by=actor,
        **({"verify_after_days": verify_after_days} if verify_after_days is not None else {}),
    )
    audit_record(
        actor=actor,
        action="create",
        subject=nc,
        changes={"source": source, "title": nc.title, "severity": severity},
    )
    if owner is not None:
        _notify(
            owner,
            f"nc:{nc.pk}:owner",
            _("Bạn chịu trách nhiệm xử lý: %(t)s") % {"t": nc.title[:120]},
            f"/improvement/{nc.pk}/",
        )
    nc_announce("nonconformity.opened", nc)
    return nc


def nc_announce(type_: str, nc: Nonconformity, **extra) -> None:
    """Tell the layers above (webhooks) what happened to the nonconformity."""
    event_announce(
        type=type_,
        subject=f"nonconformity:{nc.pk}",
        data={
            "nonconformity": {
                "id": nc.pk,
                "code": nc.code,
                "title": nc.title,
                "severity": nc.severity,
                "source": nc.source,
                "source_ref": nc.source_ref,
                "status": nc.status,
                "unit": nc.unit_name,
            },
            **extra,
            "url": f"/improvement/{nc.pk}/",
        },
    )


@transaction.atomic
def nc_assign(*, actor, nc: Nonconformity, owner, unit=None) -> Nonconformity:
    """Give the nonconformity to the person who will handle it (and, optionally, a unit)."""
    _require(actor, "improvement.manage")
    nc = _locked(nc)
    _open(nc)
    if not owner.is_active:
        raise ValidationError({"owner": _(MSG_OWNER_INACTIVE)})
    before = {"owner": nc.owner.email if nc.owner else None, "unit": nc.unit_name}
    nc.owner = owner
    if unit is not None:
        nc.unit, nc.unit_name = unit, unit.name
    nc.save(update_fields=["owner", "unit", "unit_name"])
    audit_record(
        actor=actor,
        action="nc_assign",
        subject=nc,
        changes={"owner": [before["owner"], owner.email], "unit": [before["unit"], nc.unit_name]},
    )
    _notify(
        owner,
        f"nc:{nc.pk}:owner:{owner.pk}",
        _("Bạn chịu trách nhiệm xử lý: %(t)s") % {"t": nc.title[:120]},
        nc.get_absolute_url(),
    )
    return nc


@transaction.atomic
def nc_correct(*, actor, nc: Nonconformity, correction: str) -> Nonconformity:
    _require(actor, "improvement.record")
    nc = _locked(nc)
    _open(nc)
    if not (correction or "").strip():
        raise ValidationError({"correction": _(MSG_CORRECTION)})
    nc.correction, nc.corrected_at = correction.strip(), timezone.now()
    if nc.status == NcStatus.OPEN:
        nc.status = NcStatus.CORRECTED
    nc.save(update_fields=["correction", "corrected_at", "status"])
    audit_record(
        actor=actor, action="nc_correct", subject=nc, changes={"correction": nc.correction}
    )
    return nc


def root_cause_check(method: str, detail: dict) -> dict:
    """Keep only what the method needs; raise ValidationError when it is empty."""
    if method == RootCauseMethod.FIVE_WHYS:
        whys = [str(w).strip() for w in (detail or {}).get("whys", [])]
        if not 1 <= len(whys) <= 5 or not all(whys):
            raise ValidationError({"root_cause_detail": _(MSG_WHYS)})
        return {"whys": whys}
    if method == RootCauseMethod.FISHBONE:
        groups = (detail or {}).get("groups", {})
        kept = {
            g: [str(c).strip() for c in groups.get(g, []) if str(c).strip()]
            for g in FISHBONE_GROUPS
        }
        if not any(kept.values()):
            raise ValidationError(
                {"root_cause_detail": _(MSG_FISHBONE) % {"groups": ", ".join(FISHBONE_GROUPS)}}
            )
        return {"groups": kept}
    raise ValidationError({"root_cause_method": _("Phương pháp không hợp lệ.")})


@transaction.atomic
def nc_analyse(
    *, actor, nc: Nonconformity, method: str, detail: dict, root_cause: str
) -> Nonconformity:
    _require(actor, "improvement.manage")
    nc = _locked(nc)
    _open(nc)
    detail = root_cause_check(method, detail)
    if not (root_cause or "").strip():
        raise ValidationError({"root_cause": _(MSG_ROOT_CAUSE)})
    nc.root_cause_method, nc.root_cause_detail = method, detail
    nc.root_cause, nc.analysed_at = root_cause.strip(), timezone.now()
    if nc.status in (NcStatus.OPEN, NcStatus.CORRECTED):
        nc.status = NcStatus.ANALYSED
    nc.save(
        update_fields=[
            "root_cause_method",
            "root_cause_detail",
            "root_cause",
            "analysed_at",
            "status",
        ]
    )
    audit_record(
        actor=actor,
        action="nc_analyse",
        subject=nc,
        changes={"method": method, "root_cause": nc.root_cause, "detail": detail},
    )
    return nc


@transaction.atomic
def nc_close(*, actor, nc: Nonconformity, verification_note: str) -> Nonconformity:
    """Close after checking effectiveness; refused while any action is not verified."""
    _require(actor, "improvement.manage")
    nc = _locked(nc)
    _open(nc)
    pending = nc.all_actions().filter(status__in=OPEN_ACTION_STATUSES).count()
    if pending:
        raise ValidationError(_(MSG_OPEN_ACTIONS) % {"n": pending})
    verified = nc.all_actions().filter(status=ActionStatus.VERIFIED)
    if not nc.analysed_at or not verified.exists():
        raise ValidationError(_(MSG_NO_ACTIONS))
    if nc.reopened_at and not verified.filter(verified_at__gt=nc.reopened_at).exists():
        raise ValidationError(_(MSG_REOPENED))
    if nc.verification_due_on and nc.verification_due_on > timezone.localdate():
        raise ValidationError(
            _(MSG_TOO_EARLY) % {"date": nc.verification_due_on.strftime("%d/%m/%Y")}
        )
    if not (verification_note or "").strip():
        raise ValidationError({"verification_note": _(MSG_VERIFICATION_NOTE)})
    now = timezone.now()
    nc.status, nc.closed_at = NcStatus.CLOSED, now
    nc.verified_by, nc.verified_at, nc.verification_note = actor, now, verification_note.strip()
    nc.save(
        update_fields=["status", "closed_at", "verified_by", "verified_at", "verification_note"]
    )
    audit_record(
        actor=actor,
        action="nc_close",
        subject=nc,
        changes={"verification_note": nc.verification_note},
    )
    nc_announce("nonconformity.closed", nc, reason="verified")
    return nc


@transaction.atomic
def nc_reopen(*, actor, nc: Nonconformity, reason: str) -> Nonconformity:
    _require(actor, "improvement.manage")
    nc = _locked(nc)
    if nc.status != NcStatus.CLOSED:
        raise ValidationError(_(MSG_NOT_CLOSED))
    if not (reason or "").strip():
        raise ValidationError({"reason": _(MSG_REASON)})
    nc.status, nc.closed_at, nc.closed_by, nc.close_reason = NcStatus.ACTIONS, None, None, ""
    nc.reopen_count, nc.reopened_at, nc.verification_due_on = (
        nc.reopen_count + 1,
        timezone.now(),
        None,
    )
    nc.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "close_reason",
            "reopen_count",
            "reopened_at",
            "verification_due_on",
        ]
    )
    audit_record(actor=actor, action="nc_reopen", subject=nc, changes={"reason": reason.strip()})
    return nc


# --------------------------------------------------------------------------- triage in bulk
#
# Records the system opens (late applications, apology letters, refused applications) come
# in floods: the ISO secretary handles them together. Each bulk step is all or nothing: one
# record that cannot take it refuses the whole step, naming the records, and nothing changes.


def _codes(ids: Iterable[int], limit: int = 10) -> str:
    ids = sorted(ids)
    shown = ", ".join(f"SKPH-{pk}" for pk in ids[:limit])
    return shown + (f" (+{len(ids) - limit})" if len(ids) > limit else "")


def _bulk_targets(ids: Iterable[int]) -> list[Nonconformity]:
    """The open records named, locked in id order (two bulk steps never deadlock)."""
    wanted = set(ids)
    if not wanted:
        raise ValidationError(_(MSG_NONE_SELECTED))
    found = list(
        Nonconformity.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(pk__in=wanted)
        .order_by("pk")
    )
    missing = wanted - {nc.pk for nc in found}
    if missing:
        raise ValidationError(_(MSG_UNKNOWN_NCS) % {"codes": _codes(missing)})
    closed = [nc.pk for nc in found if nc.is_closed]
    if closed:
        raise ValidationError(_(MSG_BULK_CLOSED) % {"codes": _codes(closed)})
    return found


def _bulk_key(prefix: str, targets: list[Nonconformity]) -> str:
    digest = hashlib.sha256(",".join(str(nc.pk) for nc in targets).encode()).hexdigest()
    return f"{prefix}:{digest[:16]}"


@transaction.atomic
def nc_bulk_assign(*, actor, ids: Iterable[int], owner, unit=None) -> int:
    """Give many records to one person (and, optionally, a unit); one notice for them all."""
    _require(actor, "improvement.manage")
    targets = _bulk_targets(ids)
    if not owner.is_active:
        raise ValidationError({"owner": _(MSG_OWNER_INACTIVE)})
    for nc in targets:
        before = {"owner": nc.owner.email if nc.owner else None, "unit": nc.unit_name}
        nc.owner = owner
        if unit is not None:
            nc.unit, nc.unit_name = unit, unit.name
        audit_record(
            actor=actor,
            action="nc_assign",
            subject=nc,
            changes={
                "owner": [before["owner"], owner.email],
                "unit": [before["unit"], nc.unit_name],
            },
        )
    Nonconformity.objects.bulk_update(targets, ["owner", "unit", "unit_name"])
    _notify(
        owner,
        _bulk_key(f"nc:bulk-owner:{owner.pk}", targets),
        _("Bạn chịu trách nhiệm xử lý %(n)s sự không phù hợp") % {"n": len(targets)},
        "/my-work/",
    )
    return len(targets)


@transaction.atomic
def nc_bulk_close(*, actor, ids: Iterable[int], reason: str) -> int:
    """Close records that need no corrective action (a duplicate, a delay the agency did not
    cause), each with the reason in its history. Refused while an action is pending."""
    _require(actor, "improvement.manage")
    if not (reason or "").strip():
        raise ValidationError({"reason": _(MSG_REASON)})
    targets = _bulk_targets(ids)
    pks = [nc.pk for nc in targets]
    pending = set(
        Action.objects.filter(
            nonconformity_id__in=pks, status__in=OPEN_ACTION_STATUSES
        ).values_list("nonconformity_id", flat=True)
    ) | set(
        Action.covers.through.objects.filter(
            nonconformity_id__in=pks, action__status__in=OPEN_ACTION_STATUSES
        ).values_list("nonconformity_id", flat=True)
    )
    if pending:
        raise ValidationError(_(MSG_BULK_PENDING) % {"codes": _codes(pending)})
    now, reason = timezone.now(), reason.strip()
    for nc in targets:
        before = nc.status
        nc.status, nc.closed_at, nc.closed_by, nc.close_reason = (
            NcStatus.CLOSED,
            now,
            actor,
            reason,
        )
        audit_record(
            actor=actor,
            action="nc_dismiss",
            subject=nc,
            changes={"status": [before, NcStatus.CLOSED], "reason": reason},
        )
    Nonconformity.objects.bulk_update(targets, ["status", "closed_at", "closed_by", "close_reason"])
    for nc in targets:
        nc_announce("nonconformity.closed", nc, reason="dismissed")
    return len(targets)


@transaction.atomic
def nc_bulk_action(
    *,
    actor,
    ids: Iterable[int],
    title: str,
    owner,
    due_on: dt.date,
    root_cause: str = "",
) -> Action:
    """One corrective action for many records: done and verified once, counted for each.

    A corrective action answers a root cause: records not yet analysed take the common
    cause given here (recorded as their analysis, in their history)."""
    _require(actor, ACTION_CAPABILITY[ActionKind.CORRECTIVE])
    targets = _bulk_targets(ids)
    _check_action(title, owner, due_on)
    unanalysed = [nc for nc in targets if not nc.analysed_at]
    if unanalysed and not (root_cause or "").strip():
        raise ValidationError(
            {"root_cause": _(MSG_SHARED_CAUSE) % {"codes": _codes(nc.pk for nc in unanalysed)}}
        )
    for nc in unanalysed:
        _analyse_shared(actor, nc, root_cause.strip())
    lead, others = targets[0], targets[1:]
    action = Action.objects.create(
        kind=ActionKind.CORRECTIVE,
        nonconformity=lead,
        source_type="nonconformity",
        source_id=str(lead.pk),
        title=title.strip()[:500],
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )
    action.covers.set(others)
    audit_record(
        actor=actor,
        action="action_add",
        subject=action,
        parent=lead,
        changes={
            "title": action.title,
            "owner": owner.email,
            "due_on": due_on,
            # text, not a list: the history reads a two-item list as "before → after"
            "covers": ", ".join(nc.code for nc in others),
        },
    )
    for nc in others:
        audit_record(actor=actor, action="action_cover", subject=nc, changes={"action": title})
    _notify(
        owner,
        f"action:{action.pk}:assigned",
        _("Việc mới giao cho bạn: %(t)s (hạn %(d)s)")
        % {"t": action.title[:120], "d": due_on.strftime("%d/%m/%Y")},
        action_url(action),
    )
    for nc in targets:
        _refresh_status(nc, actor)
    return action


def _analyse_shared(actor, nc: Nonconformity, root_cause: str) -> None:
    detail = {"whys": [root_cause]}
    nc.root_cause_method, nc.root_cause_detail = RootCauseMethod.FIVE_WHYS, detail
    nc.root_cause, nc.analysed_at = root_cause, timezone.now()
    if nc.status in (NcStatus.OPEN, NcStatus.CORRECTED):
        nc.status = NcStatus.ANALYSED
    nc.save(
        update_fields=[
            "root_cause_method",
            "root_cause_detail",
            "root_cause",
            "analysed_at",
            "status",
        ]
    )
    audit_record(
        actor=actor,
        action="nc_analyse",
        subject=nc,
        changes={"method": nc.root_cause_method, "root_cause": root_cause, "detail": detail},
    )


def _refresh_status(nc: Nonconformity, actor=None) -> None:
    """Actions and verification move the nonconformity along (never backwards past closed)."""
    if nc.status == NcStatus.CLOSED:
        return
    actions = list(
        nc.all_actions().exclude(status=ActionStatus.CANCELLED).values_list("status", flat=True)
    )
    if not actions:
        return
    before = nc.status
    if all(status == ActionStatus.VERIFIED for status in actions):
        nc.status = NcStatus.VERIFYING
        nc.verification_due_on = nc.verification_due_on or (
            timezone.localdate() + dt.timedelta(days=nc.verify_after_days)
        )
    else:
        nc.status = NcStatus.ACTIONS
    nc.save(update_fields=["status", "verification_due_on"])
    if nc.status != before:  # the trail shows every status the nonconformity passed through
        audit_record(
            actor=actor, action="status", subject=nc, changes={"status": [before, nc.status]}
        )


# --------------------------------------------------------------------------- actions


@transaction.atomic
def action_add(
    *,
    actor,
    title: str,
    owner,
    due_on: dt.date,
    kind: str = ActionKind.CORRECTIVE,
    nc: Nonconformity | None = None,
    source_type: str = "",
    source_id: str = "",
) -> Action:
    """Assign work with an owner and a due date; who may assign depends on the loop."""
    _require(actor, ACTION_CAPABILITY[kind])
    if nc is not None:
        if kind != ActionKind.CORRECTIVE:
            raise ValidationError({"kind": _(MSG_CORRECTIVE_ONLY)})
        nc = _locked(nc)
        _open(nc)
        if kind == ActionKind.CORRECTIVE and not nc.analysed_at:
            raise ValidationError(_(MSG_NOT_ANALYSED))
        source_type, source_id = "nonconformity", str(nc.pk)
    _check_action(title, owner, due_on)
    action = Action.objects.create(
        kind=kind,
        nonconformity=nc,
        source_type=source_type,
        source_id=source_id,
        title=title.strip()[:500],
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="action_add",
        subject=action,
        parent=nc,
        changes={"title": action.title, "owner": owner.email, "due_on": due_on},
    )
    _notify(
        owner,
        f"action:{action.pk}:assigned",
        _("Việc mới giao cho bạn: %(t)s (hạn %(d)s)")
        % {"t": action.title[:120], "d": due_on.strftime("%d/%m/%Y")},
        action_url(action),
    )
    if nc is not None:
        _refresh_status(nc, actor)
    return action


def _refresh_covered(action: Action, actor) -> None:
    """Every record the action answers moves along with it (its own and the shared ones)."""
    ids = {action.nonconformity_id, *action.covers.values_list("pk", flat=True)} - {None}
    for nc in Nonconformity.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        _refresh_status(nc, actor)


def _check_action(title: str, owner, due_on: dt.date) -> None:
    errors = {}
    if not (title or "").strip():
        errors["title"] = _(MSG_ACTION_TITLE)
    if due_on < timezone.localdate():
        errors["due_on"] = _(MSG_DUE_PAST)
    if not owner.is_active:
        errors["owner"] = _(MSG_OWNER_INACTIVE)
    if errors:
        raise ValidationError(errors)


def _locked_action(action: Action) -> Action:
    return (
        Action.objects.select_for_update(of=("self",))
        .select_related("nonconformity")
        .get(pk=action.pk)
    )


def action_complete(*, actor, action: Action, note: str = "", files: Sequence = ()) -> Action:
    """Report the action done, with evidence files if any (checked as documents' files are:
    type by content, the agency's size limit, the plan's storage). The files are written in
    the transaction and removed again if it fails, so storage and database agree."""
    if len(files) > MAX_EVIDENCE_FILES:
        raise ValidationError({"files": _(MSG_TOO_MANY_FILES) % {"n": MAX_EVIDENCE_FILES}})
    checked = [(upload, *upload_check(upload)) for upload in files]
    written: list[ActionEvidence] = []
    try:
        with transaction.atomic():
            action = _complete(actor, action, note, checked, written)
    except BaseException:
        for record in written:
            record.file.storage.delete(record.file.name)
        raise
    return action


def _store(record: ActionEvidence, name: str, upload, written: list) -> None:
    """Write the file under a name known beforehand: a write that fails half-way (a full
    disk, a dropped upload) leaves a partial file there, which the caller removes too."""
    storage = record.file.storage
    target = storage.get_available_name(
        record.file.field.generate_filename(record, name), max_length=500
    )
    record.file.name = target
    written.append(record)
    upload.seek(0)
    record.file.name = storage.save(target, upload, max_length=500)


def _complete(actor, action: Action, note: str, checked: list, written: list) -> Action:
    action = _locked_action(action)
    if action.owner_id != actor.pk and not can(actor, ACTION_CAPABILITY[action.kind]):
        raise PermissionDenied(_(MSG_NOT_OWNER))
    if action.status not in (ActionStatus.OPEN, ActionStatus.INEFFECTIVE):
        raise ValidationError(
            _(MSG_ACTION_STATE)
            % {"status": action.get_status_display(), "what": _("báo hoàn thành")}
        )
    action.status, action.done_at, action.done_note = ActionStatus.DONE, timezone.now(), note
    action.save(update_fields=["status", "done_at", "done_note"])
    for upload, name, content_type, digest in checked:
        record = ActionEvidence(
            action=action,
            name=name,
            content_type=content_type,
            size=upload.size,
            sha256=digest,
            uploaded_by=actor,
        )
        _store(record, name, upload, written)
        record.save()
    changes = {"note": note}
    if written:
        changes["files"] = ", ".join(record.name for record in written)
    audit_record(
        actor=actor,
        action="action_done",
        subject=action,
        parent=action.nonconformity,
        changes=changes,
    )
    return action


@transaction.atomic
def action_verify(*, actor, action: Action, effective: bool, note: str = "") -> Action:
    """Judge a done action: effective (verified) or not (back to work)."""
    action = _locked_action(action)
    _require(actor, ACTION_CAPABILITY[action.kind])
    if action.status != ActionStatus.DONE:
        raise ValidationError(
            _(MSG_ACTION_STATE) % {"status": action.get_status_display(), "what": _("xác nhận")}
        )
    if action.owner_id == actor.pk:
        raise ValidationError(_(MSG_SELF_VERIFY))
    action.status = ActionStatus.VERIFIED if effective else ActionStatus.INEFFECTIVE
    action.verified_by, action.verified_at = actor, timezone.now()
    action.verification_note = note.strip()
    action.save(update_fields=["status", "verified_by", "verified_at", "verification_note"])
    audit_record(
        actor=actor,
        action="action_verify",
        subject=action,
        parent=action.nonconformity,
        changes={"effective": effective, "note": note},
    )
    _refresh_covered(action, actor)
    return action


@transaction.atomic
def action_cancel(*, actor, action: Action, reason: str) -> Action:
    action = _locked_action(action)
    _require(actor, ACTION_CAPABILITY[action.kind])
    if action.status in (ActionStatus.VERIFIED, ActionStatus.CANCELLED):
        raise ValidationError(
            _(MSG_ACTION_STATE) % {"status": action.get_status_display(), "what": _("huỷ")}
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _(MSG_REASON)})
    action.status = ActionStatus.CANCELLED
    action.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="action_cancel",
        subject=action,
        parent=action.nonconformity,
        changes={"reason": reason},
    )
    _refresh_covered(action, actor)
    return action


def action_url(action: Action) -> str:
    """The page where the action is worked on: its nonconformity, risk, objective or review."""
    return action.url


# --------------------------------------------------------------------------- escalation


def actions_escalate(today: dt.date | None = None) -> int:
    """Overdue actions: level 1 to the owner and ISO secretaries, level 2 (a week later) to
    the agency leaders. Each notice once; returns how many notices were created."""
    today = today or timezone.localdate()
    secretaries = list(User.objects.filter(role=Role.ISO_SECRETARY, is_active=True))
    leaders = list(User.objects.filter(role=Role.AGENCY_LEADER, is_active=True))
    sent = 0
    overdue = Action.objects.filter(
        status__in=[ActionStatus.OPEN, ActionStatus.INEFFECTIVE], due_on__lt=today
    ).select_related("owner")
    for action in overdue:
        late = (today - action.due_on).days
        level = 2 if late > ESCALATE_AFTER_DAYS else 1
        title = _("Hành động quá hạn %(n)s ngày: %(t)s") % {"n": late, "t": action.title[:100]}
        # Every level up to this one: an action first seen at level 2 (no run on the early
        # days, or judged ineffective long after its due date) still tells its owner. Each
        # person gets one notice per action and run, of the highest level that names them:
        # the secretaries are on both levels and were told twice the same day.
        steps = {}
        for step in range(1, level + 1):
            for person in {action.owner, *secretaries} if step == 1 else {*leaders, *secretaries}:
                steps[person] = step
        for person, step in steps.items():
            sent += bool(
                _notify(person, f"action:{action.pk}:escalate:{step}", title, action_url(action))
            )
        if action.escalation_level < level:
            if action.escalation_level == 0 and action.nonconformity_id:  # once per action
                nc_announce(
                    "nonconformity.overdue",
                    action.nonconformity,
                    action={"id": action.pk, "title": action.title, "due_on": str(action.due_on)},
                )
            Action.objects.filter(pk=action.pk).update(escalation_level=level)
            audit_record(
                actor=None,
                action="action_escalate",
                subject=action,
                parent=action.nonconformity,
                changes={"level": level, "late_days": late},
            )
    return sent


def _notify(person, key: str, title: str, url: str):
    return notify_once(user=person, key=key, title=title, url=url)
