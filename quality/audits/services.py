"""Internal audit: programme, plans, independent team, checklists, findings, report."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from quality.audits.models import (
    NC_GRADES,
    Assignment,
    AuditPlan,
    AuditProgramme,
    ChecklistItem,
    Clause,
    Finding,
    Grade,
    PlanStatus,
)
from quality.audits.models import Grade as G
from quality.core.editions import Edition, agency_edition, catalogue, edition_get
from quality.core.models import AgencySettings
from quality.core.permissions import can
from quality.core.reports import Report, Section, official_document
from quality.core.services import audit_record, notify_once, outgoing_number_allocate
from quality.core.signatures.services import (
    SigningSecrets,
    official_sign,
    records_signature_failures,
)
from quality.improvement.models import NcSeverity, NcSource
from quality.improvement.services import nc_create
from quality.procedures.models import Procedure

MSG_YEAR = gettext_noop("Năm %(year)s đã có chương trình đánh giá.")
MSG_DATES = gettext_noop("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
MSG_OUT_OF_YEAR = gettext_noop("Cuộc đánh giá phải nằm trong năm của chương trình (%(year)s).")
MSG_OWN_UNIT = gettext_noop("%(person)s thuộc %(unit)s: không ai đánh giá đơn vị của chính mình.")
MSG_NOT_AUDITOR = gettext_noop("%(person)s không có vai trò đánh giá viên.")
MSG_NOT_ASSIGNED = gettext_noop("Bạn không được phân công đánh giá đơn vị này.")
MSG_REPORTED = gettext_noop("Cuộc đánh giá đã báo cáo; không ghi thêm.")
MSG_DESCRIPTION = gettext_noop("Cần mô tả phát hiện.")
MSG_NO_CLAUSES = gettext_noop("Chọn ít nhất một điều khoản cho danh mục kiểm tra.")
MSG_UNASSESSED = gettext_noop("Còn %(n)s nội dung kiểm tra chưa có kết quả.")
MSG_NO_CHECKLIST = gettext_noop(
    "Chưa có nội dung kiểm tra nào: lập danh mục kiểm tra và đánh giá trước khi báo cáo."
)
MSG_CONCLUSION = gettext_noop("Cần kết luận của đoàn đánh giá.")
MSG_NOT_IN_EDITION = gettext_noop(
    "Điều khoản %(codes)s không có trong %(edition)s, phiên bản mà cuộc đánh giá này theo."
)
MSG_EDITION_OPEN_AUDIT = gettext_noop(
    "Chưa đổi được phiên bản tiêu chuẩn: còn %(n)s cuộc đánh giá nội bộ chưa báo cáo "
    "(%(titles)s). Hoàn tất báo cáo các cuộc đánh giá đó trước."
)


def _require(actor, capability: str) -> None:
    if not can(actor, capability):
        raise PermissionDenied(capability)


@transaction.atomic
def programme_create(*, actor, year: int, objectives: str = "") -> AuditProgramme:
    _require(actor, "audits.manage")
    if AuditProgramme.objects.filter(year=year).exists():
        raise ValidationError({"year": _(MSG_YEAR) % {"year": year}})
    programme = AuditProgramme.objects.create(year=year, objectives=objectives.strip())
    audit_record(actor=actor, action="create", subject=programme, changes={"year": year})
    return programme


@transaction.atomic
def plan_create(
    *,
    actor,
    programme: AuditProgramme,
    title: str,
    scope: str,
    start_on: dt.date,
    end_on: dt.date,
    lead,
    criteria: str = "",
) -> AuditPlan:
    _require(actor, "audits.manage")
    errors = {}
    if end_on < start_on:
        errors["end_on"] = _(MSG_DATES)
    if start_on.year != programme.year or end_on.year != programme.year:
        errors["start_on"] = _(MSG_OUT_OF_YEAR) % {"year": programme.year}
    if not can(lead, "audits.perform"):
        errors["lead"] = _(MSG_NOT_AUDITOR) % {"person": lead}
    if errors:
        raise ValidationError(errors)
    edition = agency_edition()
    plan = AuditPlan.objects.create(
        programme=programme,
        title=title.strip(),
        scope=scope.strip(),
        start_on=start_on,
        end_on=end_on,
        lead=lead,
        edition=edition.code,
        criteria=criteria.strip() or default_criteria(edition),
    )
    audit_record(
        actor=actor,
        action="create",
        subject=plan,
        changes={"title": plan.title, "start_on": start_on, "end_on": end_on},
    )
    return plan


def default_criteria(edition: Edition) -> str:
    return _(
        "%(edition)s; tài liệu của hệ thống quản lý chất lượng; quy định pháp luật liên quan"
    ) % {"edition": edition.name}


def clauses_sync(*, model=Clause) -> int:
    """Make the clause table the union of every edition's clauses (titles from the newest
    edition that has each); rows are never deleted, findings point at them. Returns how many
    rows were added. Run by a migration whenever an edition file is added or changed."""
    titles = catalogue().all_codes()
    existing = {c.code: c for c in model.objects.all()}
    added = [
        model(code=code, title=title, sort_key=clause_sort_key(code))
        for code, title in titles.items()
        if code not in existing
    ]
    model.objects.bulk_create(added)
    changed = [c for code, c in existing.items() if code in titles and c.title != titles[code]]
    for clause in changed:
        clause.title = titles[clause.code]
    model.objects.bulk_update(changed, ["title"])
    return len(added)


def clause_sort_key(code: str) -> str:
    return ".".join(part.zfill(2) for part in code.split("."))


def edition_switch_check(fields: dict) -> None:
    """A settings check: the edition cannot change while an audit plan is not reported (its
    checklist and findings follow the plan's edition)."""
    wanted = fields.get("iso_edition")
    if wanted is None or wanted == AgencySettings.load().iso_edition:
        return
    open_plans = list(
        AuditPlan.objects.exclude(status=PlanStatus.REPORTED).values_list("title", flat=True)
    )
    if open_plans:
        raise ValidationError(
            {
                "iso_edition": _(MSG_EDITION_OPEN_AUDIT)
                % {"n": len(open_plans), "titles": "; ".join(t[:60] for t in open_plans[:3])}
            }
        )


def independence_check(auditor, unit) -> None:
    """Nobody audits their own unit (member or head)."""
    if unit.members.filter(pk=auditor.pk).exists() or unit.head_id == auditor.pk:
        raise ValidationError({"auditor": _(MSG_OWN_UNIT) % {"person": auditor, "unit": unit.name}})
    if not can(auditor, "audits.perform"):
        raise ValidationError({"auditor": _(MSG_NOT_AUDITOR) % {"person": auditor}})


@transaction.atomic
def assignment_add(*, actor, plan: AuditPlan, auditor, unit) -> Assignment:
    _require(actor, "audits.manage")
    plan = AuditPlan.objects.select_for_update().get(pk=plan.pk)  # never a stale status
    _not_reported(plan)
    independence_check(auditor, unit)
    assignment, _created = Assignment.objects.get_or_create(plan=plan, auditor=auditor, unit=unit)
    audit_record(
        actor=actor,
        action="assign",
        subject=assignment,
        parent=plan,
        changes={"auditor": auditor.email, "unit": unit.name},
    )
    notify_once(
        user=auditor,
        key=f"audit:{plan.pk}:assign:{unit.pk}",
        title=_("Bạn được phân công đánh giá %(unit)s (%(d)s)")
        % {"unit": unit.name, "d": plan.start_on.strftime("%d/%m/%Y")},
        url=f"/audits/plans/{plan.pk}/",
    )
    return assignment


def _not_reported(plan: AuditPlan) -> None:
    if plan.status == PlanStatus.REPORTED:
        raise ValidationError(_(MSG_REPORTED))


@transaction.atomic
def checklist_build(
    *, actor, plan: AuditPlan, clause_codes: list[str], include_procedures: bool = True
) -> int:
    """One question per chosen clause and per procedure the unit takes part in, for every
    assignment; items already there are kept."""
    _require(actor, "audits.manage")
    plan = AuditPlan.objects.select_for_update().get(pk=plan.pk)  # never a stale status
    _not_reported(plan)
    edition = edition_get(plan.edition)
    auditable = {c.code for c in edition.auditable()}
    # A clause of another edition is refused by name; a code no edition has is ignored, as
    # before editions existed (the form only offers the plan's edition).
    foreign = sorted((set(clause_codes) - auditable) & set(catalogue().all_codes()))
    if foreign:
        raise ValidationError(
            {
                "clauses": _(MSG_NOT_IN_EDITION)
                % {"codes": ", ".join(foreign), "edition": edition.name}
            }
        )
    clauses = list(Clause.objects.filter(code__in=set(clause_codes) & auditable))
    if not clauses:
        raise ValidationError({"clauses": _(MSG_NO_CLAUSES)})
    existing = set(plan.checklist.values_list("assignment_id", "clause_id", "procedure_id"))
    items = []
    for assignment in plan.assignments.select_related("unit"):
        for clause in clauses:
            if (assignment.pk, clause.pk, None) not in existing:
                items.append(
                    ChecklistItem(
                        plan=plan,
                        assignment=assignment,
                        clause=clause,
                        question=_("Điều %(code)s — %(title)s: đơn vị đáp ứng như thế nào?")
                        % {"code": clause.code, "title": edition.clause(clause.code).title},
                    )
                )
        if include_procedures:
            items += _procedure_items(plan, assignment, existing)
    ChecklistItem.objects.bulk_create(items)
    audit_record(actor=actor, action="checklist", subject=plan, changes={"items": len(items)})
    return len(items)


def _procedure_items(plan, assignment, existing):

    clause_8 = Clause.objects.filter(code="8.1").first()
    procedures = Procedure.objects.filter(
        versions__steps__unit=assignment.unit, is_active=True
    ).distinct()
    return [
        ChecklistItem(
            plan=plan,
            assignment=assignment,
            clause=clause_8,
            procedure=p,
            question=_(
                "Quy trình %(code)s %(name)s: các bước và thời hạn có được "
                "thực hiện đúng? Hồ sơ có đầy đủ?"
            )
            % {"code": p.code, "name": p.name[:200]},
        )
        for p in procedures
        if (assignment.pk, clause_8.pk if clause_8 else None, p.pk) not in existing
    ]


def _check_auditor(actor, assignment: Assignment) -> None:
    if actor.pk not in (assignment.auditor_id, assignment.plan.lead_id) and not can(
        actor, "audits.manage"
    ):
        raise PermissionDenied(_(MSG_NOT_ASSIGNED))
    # Independence holds at work too: the lead, the ISO secretary, or an auditor who has
    # since joined the unit never judge their own unit.
    unit = assignment.unit
    if unit.head_id == actor.pk or unit.members.filter(pk=actor.pk).exists():
        raise ValidationError({"auditor": _(MSG_OWN_UNIT) % {"person": actor, "unit": unit.name}})


@transaction.atomic
def checklist_assess(
    *, actor, item: ChecklistItem, grade: str, evidence: str = ""
) -> ChecklistItem:
    item = (
        ChecklistItem.objects.select_for_update().select_related("assignment__plan").get(pk=item.pk)
    )
    _check_auditor(actor, item.assignment)
    _not_reported(item.plan)
    if grade not in Grade.values:
        raise ValidationError({"grade": _("Kết quả không hợp lệ.")})
    item.grade, item.evidence, item.assessed_at = grade, evidence.strip(), timezone.now()
    item.save(update_fields=["grade", "evidence", "assessed_at"])
    _start(item.plan, actor)
    audit_record(
        actor=actor,
        action="assess",
        subject=item,
        parent=item.plan,
        changes={"grade": grade, "evidence": item.evidence},
    )
    return item


def _start(plan: AuditPlan, actor) -> None:
    started = AuditPlan.objects.filter(pk=plan.pk, status=PlanStatus.PLANNED).update(
        status=PlanStatus.IN_PROGRESS
    )
    if started:
        audit_record(
            actor=actor,
            action="status",
            subject=plan,
            changes={"status": [PlanStatus.PLANNED, PlanStatus.IN_PROGRESS]},
        )


@transaction.atomic
def finding_record(
    *,
    actor,
    assignment: Assignment,
    grade: str,
    description: str,
    clause: Clause | None = None,
    evidence: str = "",
) -> Finding:
    """A finding; a minor or major nonconformity opens its nonconformity record at once."""
    assignment = Assignment.objects.select_related("plan", "unit").get(pk=assignment.pk)
    _check_auditor(actor, assignment)
    _not_reported(assignment.plan)
    if grade not in Grade.values:
        raise ValidationError({"grade": _("Phân loại không hợp lệ.")})
    if not (description or "").strip():
        raise ValidationError({"description": _(MSG_DESCRIPTION)})
    finding = Finding.objects.create(
        plan=assignment.plan,
        assignment=assignment,
        clause=clause,
        grade=grade,
        description=description.strip(),
        evidence=evidence.strip(),
        created_by=actor,
    )
    if grade in NC_GRADES:
        finding.nonconformity = nc_create(
            actor=actor,
            source=NcSource.AUDIT,
            source_type="finding",
            source_id=str(finding.pk),
            source_ref=f"{assignment.plan.title} — {clause.code if clause else ''}".strip(" —"),
            title=description.strip()[:500],
            description=evidence.strip(),
            severity=NcSeverity.MAJOR if grade == Grade.MAJOR else NcSeverity.MINOR,
            unit=assignment.unit,
            owner=assignment.unit.head,
        )
        finding.save(update_fields=["nonconformity"])
    _start(assignment.plan, actor)
    audit_record(
        actor=actor,
        action="finding",
        subject=finding,
        parent=assignment.plan,
        changes={
            "grade": grade,
            "clause": clause.code if clause else None,
            "description": finding.description,
        },
    )
    return finding


@records_signature_failures
@transaction.atomic
def plan_report(
    *, actor, plan: AuditPlan, conclusion: str, signing: SigningSecrets | None = None
) -> AuditPlan:
    """Close the audit with the team's conclusion (every checklist item assessed). The
    numbered report is signed by `actor` (and the agency) when `actor` has a signing
    credential, in this transaction."""
    plan = AuditPlan.objects.select_for_update().get(pk=plan.pk)
    if actor.pk != plan.lead_id and not can(actor, "audits.manage"):
        raise PermissionDenied(_(MSG_NOT_ASSIGNED))
    _not_reported(plan)
    if not plan.checklist.exists():
        raise ValidationError(_(MSG_NO_CHECKLIST))
    open_items = plan.checklist.filter(grade="").count()
    if open_items:
        raise ValidationError(_(MSG_UNASSESSED) % {"n": open_items})
    if not (conclusion or "").strip():
        raise ValidationError({"conclusion": _(MSG_CONCLUSION)})
    plan.status, plan.conclusion, plan.reported_at = (
        PlanStatus.REPORTED,
        conclusion.strip(),
        timezone.now(),
    )
    plan.save(update_fields=["status", "conclusion", "reported_at"])
    number = outgoing_number_allocate(
        kind=REPORT_KIND, on=timezone.localdate(), subject=plan, summary=_report_subject(plan)
    )
    audit_record(
        actor=actor,
        action="audit_report",
        subject=plan,
        changes={"conclusion": plan.conclusion, "number": number},
    )
    official_sign(
        actor=actor,
        subject=plan,
        kind=REPORT_KIND,
        document=official_document(audit_report(plan)),
        reason=_report_subject(plan),
        secrets=signing,
    )
    return plan


def findings_summary(plan: AuditPlan) -> dict[str, int]:
    counts = dict.fromkeys(Grade.values, 0)
    for grade in plan.findings.values_list("grade", flat=True):
        counts[grade] += 1
    return counts


REPORT_KIND = "BC"  # báo cáo, numbered in the register of outgoing documents when reported


def _report_subject(plan: AuditPlan) -> str:
    return f"Kết quả đánh giá nội bộ: {plan.title}"


def audit_report(plan: AuditPlan):
    """The audit report (Báo cáo đánh giá nội bộ) as report data for PDF/DOCX."""

    grades = dict(G.choices)
    team = [
        f"{a.auditor.full_name} — {a.unit.name}"
        for a in plan.assignments.select_related("auditor", "unit")
    ]
    counts = findings_summary(plan)
    findings = [
        [
            str(i),
            f.assignment.unit.name,
            f.clause.code if f.clause else "",
            str(grades[f.grade]),
            f.description,
            f"SKPH-{f.nonconformity_id}" if f.nonconformity_id else "",
        ]
        for i, f in enumerate(plan.findings.select_related("assignment__unit", "clause"), start=1)
    ]
    return Report(
        title="Báo cáo đánh giá nội bộ",
        kind=REPORT_KIND,
        subject=_report_subject(plan),
        lines=[plan.title, f"Từ {plan.start_on:%d/%m/%Y} đến {plan.end_on:%d/%m/%Y}"],
        sections=[
            Section("1. Phạm vi và chuẩn mực", [plan.scope, plan.criteria]),
            Section("2. Đoàn đánh giá", [f"Trưởng đoàn: {plan.lead.full_name}", *team]),
            Section(
                "3. Tổng hợp phát hiện",
                table=[[str(grades[g]) for g in G.values], [str(counts[g]) for g in G.values]],
            ),
            Section(
                "4. Các phát hiện",
                table=[
                    ["TT", "Đơn vị", "Điều khoản", "Phân loại", "Nội dung", "Sự không phù hợp"],
                    *findings,
                ]
                if findings
                else None,
                paragraphs=[] if findings else ["Không có phát hiện."],
            ),
            Section("5. Kết luận", [plan.conclusion or "(chưa kết luận)"]),
        ],
        signatures=[("Trưởng đoàn đánh giá", plan.lead.full_name)],
    ).numbered_from(plan)
