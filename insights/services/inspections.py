"""Inspections of agencies by the quality sub-department (public schema).

A yearly `InspectionPlan` lists the agencies to inspect (`Inspection`, one per agency and
plan, with a scheduled date and a team). Recording an inspection as done stores the
conclusion and findings and freezes the agency's figures at that moment in
`Inspection.facts_snapshot` (plain JSON: the `AgencyStatus` figures and the last twelve
monthly `AgencyFact` rows), so later refreshes never change what the inspectors saw.

Who: every province user (the provincial administrator and the department analyst, who
is the quality sub-department) may plan and record inspections. Agency users never reach
the console. Every write that touches several rows runs in one transaction. Changes about
an agency are written to its platform operations log (`tenants.AgencyEvent`).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from insights.models import (
    AgencyFact,
    AgencyStatus,
    FindingKind,
    Grain,
    Inspection,
    InspectionFinding,
    InspectionPlan,
    InspectionStatus,
)
from iso_platform.accounts.models import PROVINCE_ROLES
from iso_platform.forms import error_text
from iso_platform.months import month_start
from tenants.models import Agency
from tenants.models import AgencyStatus as Lifecycle
from tenants.services import events

MIN_YEAR, MAX_YEAR = 2000, 2100
SNAPSHOT_VERSION = 1

# AgencyStatus figures frozen in the snapshot, with their labels (the inspection page)
STATUS_FIELDS = (
    ("overdue_now", gettext_lazy("Hồ sơ đang quá hạn")),
    ("in_progress", gettext_lazy("Hồ sơ đang giải quyết")),
    ("ncs_open", gettext_lazy("Sự không phù hợp đang mở")),
    ("ncs_overdue", gettext_lazy("Sự không phù hợp quá hạn xử lý")),
    ("actions_overdue", gettext_lazy("Hành động khắc phục quá hạn")),
    ("audits_planned", gettext_lazy("Đánh giá nội bộ theo kế hoạch (năm)")),
    ("audits_done", gettext_lazy("Đánh giá nội bộ đã thực hiện (năm)")),
    ("documents_in_force", gettext_lazy("Tài liệu đang hiệu lực")),
    ("documents_review_overdue", gettext_lazy("Tài liệu quá hạn xem xét lại")),
    ("objectives_met", gettext_lazy("Mục tiêu chất lượng đạt (năm)")),
    ("objectives_missed", gettext_lazy("Mục tiêu chất lượng không đạt (năm)")),
    ("review_held", gettext_lazy("Đã họp xem xét của lãnh đạo (năm)")),
    ("users", gettext_lazy("Người dùng")),
    ("active_users_30d", gettext_lazy("Người dùng hoạt động 30 ngày qua")),
    # The move to a newer edition of ISO 9001: what the inspectors check of it
    ("iso_edition", gettext_lazy("Phiên bản ISO 9001 áp dụng")),
    ("transition_target", gettext_lazy("Đang chuyển đổi sang phiên bản")),
    ("transition_percent", gettext_lazy("Tiến độ chuyển đổi phiên bản (%)")),
    ("transition_deadline", gettext_lazy("Hạn hoàn thành chuyển đổi")),
)
MONTH_FIELDS = (
    "received",
    "completed",
    "early",
    "on_time",
    "late",
    "ncs_opened",
    "ncs_closed",
    "satisfaction_responses",
    "satisfaction_score_sum",
    "active_users",
)


def _require(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.role in PROVINCE_ROLES):
        raise PermissionError("province users only")


def _text(value, *, limit: int | None = None) -> str:
    return (value or "").strip()[:limit] if limit else (value or "").strip()


def _log(agency: Agency, action: str, actor, inspection: Inspection, **detail) -> None:
    events.record(
        agency=agency,
        action=action,
        actor=actor,
        detail={"inspection": inspection.pk, "plan_year": inspection.plan.year, **detail},
    )


# --------------------------------------------------------------------------- plans


def _plan_fields(*, title, note, approved_at, year) -> dict:
    errors = {}
    title = _text(title)
    if not title:
        errors["title"] = _("Hãy nhập tên kế hoạch.")
    elif len(title) > 300:
        errors["title"] = _("Tên kế hoạch dài tối đa 300 ký tự.")
    if approved_at is not None and approved_at.year not in (year - 1, year):
        errors["approved_at"] = _("Ngày phê duyệt phải thuộc năm %(year)s hoặc năm trước đó.") % {
            "year": year
        }
    if approved_at is not None and approved_at > timezone.localdate():
        errors["approved_at"] = _("Ngày phê duyệt không được sau hôm nay.")
    if errors:
        raise ValidationError(errors)
    return {"title": title, "note": _text(note), "approved_at": approved_at}


@transaction.atomic
def plan_create(
    *, actor, year: int, title: str, note: str = "", approved_at: dt.date | None = None
) -> InspectionPlan:
    _require(actor)
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError({"year": _("Năm phải trong khoảng 2000–2100.")})
    fields = _plan_fields(title=title, note=note, approved_at=approved_at, year=year)
    if InspectionPlan.objects.filter(year=year).exists():
        raise ValidationError({"year": _("Năm %(year)s đã có kế hoạch kiểm tra.") % {"year": year}})
    try:
        with transaction.atomic():
            return InspectionPlan.objects.create(year=year, created_by=actor, **fields)
    except IntegrityError:  # created meanwhile by someone else
        raise ValidationError(
            {"year": _("Năm %(year)s đã có kế hoạch kiểm tra.") % {"year": year}}
        ) from None


@transaction.atomic
def plan_update(
    *, actor, plan: InspectionPlan, title: str, note: str = "", approved_at: dt.date | None = None
) -> InspectionPlan:
    _require(actor)
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    for name, value in _plan_fields(
        title=title, note=note, approved_at=approved_at, year=plan.year
    ).items():
        setattr(plan, name, value)
    plan.save(update_fields=["title", "note", "approved_at"])
    return plan


# --------------------------------------------------------------------------- agencies chosen


def agencies_for_plan(plan: InspectionPlan):
    """Active agencies not yet in the plan (cancelled ones may be scheduled again)."""
    taken = plan.inspections.exclude(status=InspectionStatus.CANCELLED).values("agency")
    return (
        Agency.objects.agencies()
        .filter(status=Lifecycle.ACTIVE)
        .exclude(pk__in=taken)
        .order_by("name")
    )


def _schedule_fields(*, plan: InspectionPlan, scheduled_on, team) -> dict:
    errors = {}
    if scheduled_on is None:
        errors["scheduled_on"] = _("Hãy nhập ngày dự kiến kiểm tra.")
    elif scheduled_on.year != plan.year:
        errors["scheduled_on"] = _("Ngày dự kiến phải thuộc năm %(year)s của kế hoạch.") % {
            "year": plan.year
        }
    team = _text(team)
    if len(team) > 500:
        errors["team"] = _("Thành phần đoàn kiểm tra dài tối đa 500 ký tự.")
    if errors:
        raise ValidationError(errors)
    return {"scheduled_on": scheduled_on, "team": team}


@transaction.atomic
def inspections_add(
    *, actor, plan: InspectionPlan, agencies, scheduled_on: dt.date, team: str = ""
) -> list[Inspection]:
    """Add agencies to the plan, all or none."""
    _require(actor)
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    agencies = list(agencies)
    if not agencies:
        raise ValidationError({"agencies": _("Hãy chọn ít nhất một cơ quan.")})
    fields = _schedule_fields(plan=plan, scheduled_on=scheduled_on, team=team)
    allowed = set(agencies_for_plan(plan).values_list("pk", flat=True))
    refused = [a.name for a in agencies if a.pk not in allowed]
    if refused:
        raise ValidationError(
            {
                "agencies": _(
                    "Không thể thêm (đã có trong kế hoạch hoặc không hoạt động): %(names)s."
                )
                % {"names": ", ".join(refused)}
            }
        )
    cancelled = {
        i.agency_id: i
        for i in plan.inspections.filter(agency__in=agencies, status=InspectionStatus.CANCELLED)
    }
    added = []
    for agency in agencies:
        inspection = cancelled.get(agency.pk) or Inspection(plan=plan, agency=agency)
        inspection.status = InspectionStatus.PLANNED
        inspection.scheduled_on, inspection.team = fields["scheduled_on"], fields["team"]
        inspection.save()
        _log(agency, "inspection_planned", actor, inspection, scheduled_on=str(scheduled_on))
        added.append(inspection)
    return added


def _locked(inspection: Inspection) -> Inspection:
    return (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("plan", "agency")
        .get(pk=inspection.pk)
    )


@transaction.atomic
def inspection_schedule(
    *, actor, inspection: Inspection, scheduled_on: dt.date, team: str = ""
) -> Inspection:
    _require(actor)
    inspection = _locked(inspection)
    if inspection.status != InspectionStatus.PLANNED:
        raise ValidationError(_("Chỉ sửa được lịch của cuộc kiểm tra chưa thực hiện."))
    fields = _schedule_fields(plan=inspection.plan, scheduled_on=scheduled_on, team=team)
    inspection.scheduled_on, inspection.team = fields["scheduled_on"], fields["team"]
    inspection.save(update_fields=["scheduled_on", "team"])
    return inspection


@transaction.atomic
def inspection_remove(*, actor, inspection: Inspection) -> Inspection | None:
    """Take an agency out of the plan: deleted before the plan is approved, cancelled after
    (an approved plan keeps the trace). Returns the cancelled inspection, or None."""
    _require(actor)
    inspection = _locked(inspection)
    if inspection.status != InspectionStatus.PLANNED:
        raise ValidationError(_("Chỉ bỏ được cuộc kiểm tra chưa thực hiện."))
    if inspection.plan.approved_at:
        inspection.status = InspectionStatus.CANCELLED
        inspection.save(update_fields=["status"])
        _log(inspection.agency, "inspection_cancelled", actor, inspection)
        return inspection
    _log(inspection.agency, "inspection_removed", actor, inspection)
    inspection.delete()
    return None


# --------------------------------------------------------------------------- recording


def _json_value(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def agency_figures(agency: Agency, *, as_of: dt.date) -> dict:
    """The agency's figures now, as plain JSON: what the snapshot freezes."""
    status = AgencyStatus.objects.filter(agency=agency).first()
    first = month_start(as_of, 11)
    months = [
        {"period": row["period"].isoformat(), **{k: row[k] for k in MONTH_FIELDS}}
        for row in AgencyFact.objects.filter(
            agency=agency, grain=Grain.MONTH, period__gte=first, period__lte=as_of
        )
        .order_by("period")
        .values("period", *MONTH_FIELDS)
    ]
    return {
        "version": SNAPSHOT_VERSION,
        "taken_at": timezone.now().isoformat(),
        "as_of": as_of.isoformat(),
        "status": (
            {
                "year": status.year,
                **{name: _json_value(getattr(status, name)) for name, _label in STATUS_FIELDS},
                "last_activity": _json_value(status.last_activity),
                "refreshed_at": _json_value(status.refreshed_at),
            }
            if status
            else None
        ),
        "months": months,
    }


def _finding_fields(*, kind, text, clause, due_on, closed_on, done_on) -> dict:
    errors = {}
    if kind not in FindingKind.values:
        errors["kind"] = _("Hãy chọn loại phát hiện.")
    text = _text(text)
    if not text:
        errors["text"] = _("Hãy nhập nội dung phát hiện.")
    clause = _text(clause)
    if len(clause) > 20:
        errors["clause"] = _("Điều khoản dài tối đa 20 ký tự (ví dụ: 8.5.1).")
    if due_on and done_on and due_on < done_on:
        errors["due_on"] = _("Hạn khắc phục không được trước ngày kiểm tra.")
    if closed_on and done_on and closed_on < done_on:
        errors["closed_on"] = _("Ngày khắc phục xong không được trước ngày kiểm tra.")
    if closed_on and closed_on > timezone.localdate():
        errors["closed_on"] = _("Ngày khắc phục xong không được sau hôm nay.")
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "text": text, "clause": clause, "due_on": due_on, "closed_on": closed_on}


@transaction.atomic
def inspection_record(
    *,
    actor,
    inspection: Inspection,
    done_on: dt.date,
    conclusion: str,
    team: str | None = None,
    findings: list[dict] | tuple = (),
) -> Inspection:
    """Record the inspection as done: conclusion, findings and the frozen figures, together."""
    _require(actor)
    inspection = _locked(inspection)
    if inspection.status != InspectionStatus.PLANNED:
        raise ValidationError(_("Cuộc kiểm tra này đã được ghi nhận hoặc đã huỷ."))
    errors = {}
    today = timezone.localdate()
    if done_on is None:
        errors["done_on"] = _("Hãy nhập ngày kiểm tra.")
    elif done_on > today:
        errors["done_on"] = _("Ngày kiểm tra không được sau hôm nay.")
    elif done_on.year < inspection.plan.year:
        errors["done_on"] = _("Ngày kiểm tra không được trước năm %(year)s của kế hoạch.") % {
            "year": inspection.plan.year
        }
    conclusion = _text(conclusion)
    if not conclusion:
        errors["conclusion"] = _("Hãy nhập kết luận kiểm tra.")
    if team is not None and len(_text(team)) > 500:
        errors["team"] = _("Thành phần đoàn kiểm tra dài tối đa 500 ký tự.")
    if errors:
        raise ValidationError(errors)
    cleaned = []
    for number, finding in enumerate(findings, 1):
        try:
            cleaned.append(
                _finding_fields(
                    kind=finding.get("kind"),
                    text=finding.get("text"),
                    clause=finding.get("clause"),
                    due_on=finding.get("due_on"),
                    closed_on=finding.get("closed_on"),
                    done_on=done_on,
                )
            )
        except ValidationError as exc:
            raise ValidationError(
                {
                    "findings": [
                        _("Phát hiện %(n)s: %(errors)s") % {"n": number, "errors": error_text(exc)}
                    ]
                }
            ) from None
    inspection.status, inspection.done_on, inspection.conclusion = (
        InspectionStatus.DONE,
        done_on,
        conclusion,
    )
    if team is not None:
        inspection.team = _text(team)
    inspection.facts_snapshot = agency_figures(inspection.agency, as_of=today)
    inspection.save(update_fields=["status", "done_on", "conclusion", "team", "facts_snapshot"])
    InspectionFinding.objects.bulk_create(
        InspectionFinding(inspection=inspection, **fields) for fields in cleaned
    )
    _log(inspection.agency, "inspected", actor, inspection, findings=len(cleaned))
    return inspection


@transaction.atomic
def finding_add(
    *,
    actor,
    inspection: Inspection,
    kind: str,
    text: str,
    clause: str = "",
    due_on: dt.date | None = None,
    closed_on: dt.date | None = None,
) -> InspectionFinding:
    _require(actor)
    inspection = _locked(inspection)
    if inspection.status != InspectionStatus.DONE:
        raise ValidationError(_("Chỉ ghi phát hiện cho cuộc kiểm tra đã thực hiện."))
    fields = _finding_fields(
        kind=kind,
        text=text,
        clause=clause,
        due_on=due_on,
        closed_on=closed_on,
        done_on=inspection.done_on,
    )
    return InspectionFinding.objects.create(inspection=inspection, **fields)


@transaction.atomic
def finding_update(
    *,
    actor,
    finding: InspectionFinding,
    kind: str,
    text: str,
    clause: str = "",
    due_on: dt.date | None = None,
    closed_on: dt.date | None = None,
) -> InspectionFinding:
    _require(actor)
    finding = (
        InspectionFinding.objects.select_for_update(of=("self",))
        .select_related("inspection")
        .get(pk=finding.pk)
    )
    fields = _finding_fields(
        kind=kind,
        text=text,
        clause=clause,
        due_on=due_on,
        closed_on=closed_on,
        done_on=finding.inspection.done_on,
    )
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.save(update_fields=list(fields))
    return finding


# --------------------------------------------------------------------------- reading


def plan_progress(plan: InspectionPlan) -> dict:
    counts = {s: 0 for s in InspectionStatus.values}
    for status in plan.inspections.values_list("status", flat=True):
        counts[status] += 1
    planned = counts[InspectionStatus.PLANNED] + counts[InspectionStatus.DONE]
    done = counts[InspectionStatus.DONE]
    return {
        "planned": planned,
        "done": done,
        "cancelled": counts[InspectionStatus.CANCELLED],
        "percent": round(100 * done / planned) if planned else 0,
    }


def _parsed(value):
    return parse_datetime(value) if isinstance(value, str) else None


def _months(rows) -> list[dict]:
    out = []
    for row in rows or []:
        in_time = (row.get("early") or 0) + (row.get("on_time") or 0)
        completed = row.get("completed") or 0
        out.append(
            {
                **row,
                "month": dt.date.fromisoformat(row["period"]),
                "in_time": in_time,
                "rate": round(100 * in_time / completed, 1) if completed else None,
            }
        )
    return out


def compare(inspection: Inspection) -> dict:
    """The frozen figures next to the current ones, ready for the page."""
    snapshot = inspection.facts_snapshot or {}
    then = snapshot.get("status") or {}
    current = agency_figures(inspection.agency, as_of=timezone.localdate())
    now = current["status"] or {}
    rows = [
        {"label": label, "then": then.get(name), "now": now.get(name)}
        for name, label in STATUS_FIELDS
    ]
    return {
        "taken_at": _parsed(snapshot.get("taken_at")),
        "status_rows": rows,
        "then_refreshed": _parsed(then.get("refreshed_at")),
        "now_refreshed": _parsed(now.get("refreshed_at")),
        "then_months": _months(snapshot.get("months")),
        "now_months": _months(current["months"]),
        "has_snapshot": bool(snapshot),
    }
