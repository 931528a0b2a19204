"""Management review: inputs compiled from the data (9.3.2), outputs tracked as actions;
and the annual report on applying the QMS, generated, edited, submitted to the province."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform.numbers import vn_number, vn_percent
from quality.audits.models import AuditPlan, Finding, Grade
from quality.core.permissions import can
from quality.core.reports import Report, Section
from quality.core.services import audit_record, outgoing_number_allocate
from quality.documents.models import Document
from quality.feedback.services import results
from quality.improvement.models import Action, Nonconformity
from quality.objectives.models import Measurement
from quality.procedures.models import Procedure
from quality.procedures.selectors import on_time_by_procedure, on_time_by_unit, summary
from quality.reviews.models import (
    AnnualReport,
    AnnualReportStatus,
    ManagementReview,
    ReviewItem,
    ReviewStatus,
)
from quality.risks.models import ContextIssue, Risk
from quality.risks.services import level_of
from tenants.models import Agency, ReportSubmission

MSG_DATES = gettext_noop("Kỳ xem xét không hợp lệ: ngày kết thúc phải sau ngày bắt đầu.")
MSG_NO_INPUTS = gettext_noop(
    "Chưa tổng hợp đầu vào: cuộc họp xem xét phải có đủ đầu vào theo 9.3.2 trước khi ghi nhận."
)
MSG_NO_CONCLUSIONS = gettext_noop("Cần ghi kết luận, quyết định của cuộc họp.")
MSG_HELD = gettext_noop("Cuộc họp đã được ghi nhận; không sửa đầu vào nữa.")
MSG_SUBMITTED = gettext_noop("Báo cáo đã gửi; không sửa được nữa.")
MSG_NOT_GENERATED = gettext_noop("Hãy tạo số liệu báo cáo trước khi gửi.")
MSG_YEAR = gettext_noop("Năm báo cáo không hợp lệ.")
MSG_NO_RECEIVER = gettext_noop(
    "Chưa cấu hình cơ quan nhận báo cáo năm; báo cáo không gửi được. "
    "Hãy liên hệ quản trị viên cấp tỉnh."
)
MSG_RECEIVER_IS_SELF = gettext_noop(
    "Cơ quan là nơi nhận báo cáo năm của các cơ quan khác; không gửi báo cáo cho chính mình."
)


def _require(actor) -> None:
    if not can(actor, "reviews.manage"):
        raise PermissionDenied("reviews.manage")


def review_item_add(*, source: str, source_id: str, title: str) -> None:
    """Queue an item for the next review (once per source)."""
    ReviewItem.objects.get_or_create(
        source=source, source_id=source_id, defaults={"title": title[:500]}
    )


@transaction.atomic
def review_create(
    *,
    actor,
    title: str,
    meeting_on: dt.date,
    chair,
    period_start: dt.date,
    period_end: dt.date,
    participants: str = "",
) -> ManagementReview:
    _require(actor)
    if period_end < period_start:
        raise ValidationError({"period_end": _(MSG_DATES)})
    review = ManagementReview.objects.create(
        title=title.strip(),
        meeting_on=meeting_on,
        chair=chair,
        participants=participants.strip(),
        period_start=period_start,
        period_end=period_end,
    )
    audit_record(
        actor=actor,
        action="create",
        subject=review,
        changes={"title": review.title, "meeting_on": meeting_on},
    )
    return review


@transaction.atomic
def review_compile_inputs(*, actor, review: ManagementReview) -> ManagementReview:
    """Compile every input ISO 9001:2015 9.3.2 asks for, from the agency's own data."""
    _require(actor)
    review = ManagementReview.objects.select_for_update().get(pk=review.pk)
    if review.status == ReviewStatus.HELD:
        raise ValidationError(_(MSG_HELD))
    review.inputs = compile_inputs(review)
    review.inputs_compiled_at = timezone.now()
    review.save(update_fields=["inputs", "inputs_compiled_at"])
    ReviewItem.objects.filter(review__isnull=True).update(review=review)
    audit_record(
        actor=actor,
        action="review_compile",
        subject=review,
        changes={"sections": len(review.inputs.get("sections", []))},
    )
    return review


@transaction.atomic
def review_hold(
    *, actor, review: ManagementReview, conclusions: str, commentary: str = "", resources: str = ""
) -> ManagementReview:
    """Record the meeting. Refused without compiled inputs or without conclusions."""
    _require(actor)
    review = ManagementReview.objects.select_for_update().get(pk=review.pk)
    if review.status == ReviewStatus.HELD:
        raise ValidationError(_(MSG_HELD))
    if not review.inputs_compiled_at:
        raise ValidationError(_(MSG_NO_INPUTS))
    if not (conclusions or "").strip():
        raise ValidationError({"conclusions": _(MSG_NO_CONCLUSIONS)})
    review.status, review.held_at = ReviewStatus.HELD, timezone.now()
    review.conclusions, review.commentary = conclusions.strip(), commentary.strip()
    review.resources = resources.strip() or review.resources
    review.save(update_fields=["status", "held_at", "conclusions", "commentary", "resources"])
    number = outgoing_number_allocate(
        kind=MINUTES_KIND, on=timezone.localdate(), subject=review, summary=review.title
    )
    audit_record(
        actor=actor,
        action="review_hold",
        subject=review,
        changes={"conclusions": review.conclusions, "number": number},
    )
    return review


def review_actions(review: ManagementReview):

    return Action.objects.filter(source_type="review", source_id=str(review.pk)).select_related(
        "owner"
    )


# --------------------------------------------------------------------------- inputs (9.3.2)


def _section(
    key: str, title: str, summary: str, rows: list | None = None, header: list | None = None
) -> dict:
    return {
        "key": key,
        "title": title,
        "summary": summary,
        "header": header or [],
        "rows": rows or [],
    }


def compile_inputs(review: ManagementReview) -> dict:
    start, end = review.period_start, review.period_end
    sections = [
        _previous_actions(review),
        _context_changes(start, end),
        _satisfaction(start, end),
        _objectives(start, end),
        _process_performance(start, end),
        _nonconformities(start, end),
        _monitoring(start, end),
        _audits(start, end),
        _section(
            "9.3.2.c.7",
            "Kết quả thực hiện của nhà cung cấp bên ngoài",
            "Không áp dụng đối với cơ quan hành chính, trừ dịch vụ thuê ngoài (nếu có).",
        ),
        _section(
            "9.3.2.d",
            "Sự thỏa đáng của nguồn lực",
            review.resources or "Do lãnh đạo và các đơn vị trình bày tại cuộc họp.",
        ),
        _risks(),
        _opportunities(start, end),
    ]
    return {
        "period": [start.isoformat(), end.isoformat()],
        "sections": sections,
        "compiled_on": timezone.localdate().isoformat(),
    }


def _previous_actions(review) -> dict:

    previous = ManagementReview.objects.filter(
        status=ReviewStatus.HELD, meeting_on__lt=review.meeting_on
    )
    actions = Action.objects.filter(
        source_type="review",
        source_id__in=[str(pk) for pk in previous.values_list("pk", flat=True)],
    )
    counts = dict(actions.values_list("status").annotate(n=Count("id")))
    rows = [
        [a.title, a.owner.full_name, a.due_on.strftime("%d/%m/%Y"), a.get_status_display()]
        for a in actions.select_related("owner").exclude(status="verified")[:50]
    ]
    return _section(
        "9.3.2.a",
        "Tình trạng các hành động từ lần xem xét trước",
        f"{actions.count()} hành động; đã xác nhận: {counts.get('verified', 0)}; "
        f"còn mở: {sum(v for k, v in counts.items() if k != 'verified')}.",
        rows,
        ["Hành động", "Người thực hiện", "Thời hạn", "Tình trạng"],
    )


def _context_changes(start, end) -> dict:

    changed = ContextIssue.objects.filter(updated_at__date__gte=start, updated_at__date__lte=end)
    rows = [
        [i.get_kind_display(), i.title, "còn hiệu lực" if i.is_active else "không còn"]
        for i in changed
    ]
    return _section(
        "9.3.2.b",
        "Thay đổi của các vấn đề nội bộ và bên ngoài",
        f"{len(rows)} vấn đề, bên quan tâm được cập nhật trong kỳ.",
        rows,
        ["Loại", "Nội dung", "Tình trạng"],
    )


def _satisfaction(start, end) -> dict:

    data = results(start, end)
    total = data["total"]
    summary = (
        f"{total['n']} phiếu; điểm trung bình chung "
        f"{vn_number(total['avg_overall'] or 0, 2)}/5; {data['low']} phiếu không hài lòng."
        if total["n"]
        else "Không có phiếu khảo sát trong kỳ."
    )
    rows = [
        [(row["procedure__code"] or "—"), row["n"], f"{row['avg_overall']:.2f}"]
        for row in data["by_procedure"]
    ]
    return _section(
        "9.3.2.c.1",
        "Sự hài lòng của người dân, tổ chức và ý kiến phản hồi",
        summary,
        rows,
        ["Thủ tục", "Số phiếu", "Điểm chung"],
    )


def _objectives(start, end) -> dict:

    measured = Measurement.objects.filter(
        period_start__gte=start, period_end__lte=end
    ).select_related("objective")
    met = measured.filter(met=True).count()
    rows = [
        [
            m.objective.title,
            f"{m.period_start:%m/%Y}",
            f"{vn_number(m.value.normalize())}{m.objective.unit_label}",  # 80, never 8E+1
            f"{vn_number(m.objective.target.normalize())}{m.objective.unit_label}",
            "Đạt" if m.met else "Không đạt",
        ]
        for m in measured
    ]
    return _section(
        "9.3.2.c.2",
        "Mức độ đạt mục tiêu chất lượng",
        f"{measured.count()} kết quả đo; đạt {met}; không đạt {measured.count() - met}.",
        rows,
        ["Mục tiêu", "Kỳ", "Kết quả", "Chỉ tiêu", "Đánh giá"],
    )


def _process_performance(start, end) -> dict:

    totals = summary(start, end)
    rows = [
        [
            r.label,
            r.early + r.on_time,
            r.late,
            r.open_overdue,
            vn_percent(r.on_time_rate),
        ]
        for r in on_time_by_procedure(start, end)
    ]
    return _section(
        "9.3.2.c.3",
        "Kết quả thực hiện các quá trình (giải quyết hồ sơ TTHC)",
        f"Tiếp nhận {totals['received']}; có kết quả {totals['completed']}; đúng và "
        f"trước hạn {vn_percent(totals['rate'])}; đang "
        f"quá hạn {totals['overdue']}.",
        rows,
        ["Thủ tục", "Đúng, trước hạn", "Trễ hạn", "Đang quá hạn", "Tỷ lệ"],
    )


def _nonconformities(start, end) -> dict:

    period = Nonconformity.objects.filter(detected_at__date__gte=start, detected_at__date__lte=end)
    by_source = period.values("source").annotate(
        n=Count("id"), closed=Count("id", filter=Q(status="closed"))
    )
    labels = dict(Nonconformity._meta.get_field("source").choices)
    rows = [[str(labels.get(r["source"], r["source"])), r["n"], r["closed"]] for r in by_source]
    overdue = Action.objects.filter(
        kind="corrective", status__in=["open", "ineffective"], due_on__lt=timezone.localdate()
    ).count()
    return _section(
        "9.3.2.c.4",
        "Sự không phù hợp và hành động khắc phục",
        f"{period.count()} sự không phù hợp trong kỳ; {overdue} hành động khắc phục đang quá hạn.",
        rows,
        ["Nguồn", "Số lượng", "Đã đóng"],
    )


def _monitoring(start, end) -> dict:
    """9.3.2 c) 5): what the agency monitored and measured in the period, beyond the objectives'
    verdicts: every measurement taken, and each unit's steps of the process-control sheets."""

    measured = Measurement.objects.filter(period_start__gte=start, period_end__lte=end)
    computed = measured.filter(computed=True).count()
    units = on_time_by_unit(start, end)
    rows = [
        [
            r.label,
            r.on_time,
            r.late,
            vn_percent(r.on_time_rate),
        ]
        for r in units
    ]
    return _section(
        "9.3.2.c.5",
        "Kết quả theo dõi và đo lường",
        f"{measured.count()} kết quả đo trong kỳ (tự động {computed}, nhập tay "
        f"{measured.count() - computed}); {sum(r.on_time for r in units)} bước xử lý hồ sơ "
        f"đúng hạn, {sum(r.late for r in units)} bước trễ hạn.",
        rows,
        ["Đơn vị", "Bước đúng hạn", "Bước trễ hạn", "Tỷ lệ"],
    )


def _audits(start, end) -> dict:

    plans = AuditPlan.objects.filter(end_on__gte=start, end_on__lte=end)
    grades = dict(Grade.choices)
    counts = dict(
        Finding.objects.filter(plan__in=plans).values_list("grade").annotate(n=Count("id"))
    )
    rows = [[str(grades[g]), counts.get(g, 0)] for g in Grade.values]
    return _section(
        "9.3.2.c.6",
        "Kết quả đánh giá nội bộ",
        f"{plans.count()} cuộc đánh giá trong kỳ; đã báo cáo "
        f"{plans.filter(status='reported').count()}.",
        rows,
        ["Phân loại phát hiện", "Số lượng"],
    )


def _risks() -> dict:

    treated = Risk.objects.filter(reevaluated_at__isnull=False)
    rows = [
        [
            r.title,
            f"{r.score} ({level_of(r.score).label})",
            f"{r.residual_score} ({level_of(r.residual_score).label})",
        ]
        for r in treated
    ]
    actions = Action.objects.filter(kind="risk")
    done = actions.filter(status="verified").count()
    return _section(
        "9.3.2.e",
        "Hiệu lực của các hành động giải quyết rủi ro và cơ hội",
        f"{actions.count()} biện pháp xử lý; đã xác nhận {done}; "
        f"{treated.count()} rủi ro đã đánh giá lại.",
        rows,
        ["Rủi ro", "Trước xử lý", "Sau xử lý"],
    )


def _opportunities(start, end) -> dict:

    rows = [
        [f.description, f.plan.title]
        for f in Finding.objects.filter(
            grade=Grade.OPPORTUNITY, plan__end_on__gte=start, plan__end_on__lte=end
        ).select_related("plan")
    ]
    rows += [
        [item.title, "Chờ xem xét"]
        for item in ReviewItem.objects.filter(
            Q(review__isnull=True) | Q(review__period_end__gte=start)
        )
    ]
    return _section(
        "9.3.2.f", "Các cơ hội cải tiến", f"{len(rows)} nội dung.", rows, ["Nội dung", "Nguồn"]
    )


# The minutes (biên bản) and the annual report (báo cáo) are numbered in the register of
# outgoing documents when the meeting is recorded and when the report is sent.
MINUTES_KIND, REPORT_KIND = "BB", "BC"


def _annual_subject(year: int) -> str:
    return f"Tình hình áp dụng hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 năm {year}"


def minutes_report(review: ManagementReview):

    sections = [Section("Thành phần", [review.participants or "—"])]
    for section in review.inputs.get("sections", []):
        sections.append(
            Section(
                f"{section['key']} {section['title']}",
                [section["summary"]],
                [section["header"], *section["rows"]]
                if section["rows"] and section["header"]
                else None,
            )
        )
    sections.append(Section("Nhận xét, thảo luận", [review.commentary or "—"]))
    sections.append(Section("Kết luận, quyết định", [review.conclusions or "—"]))
    actions = [
        [a.title, a.owner.full_name, a.due_on.strftime("%d/%m/%Y"), a.get_status_display()]
        for a in review_actions(review)
    ]
    if actions:
        sections.append(
            Section(
                "Hành động",
                table=[["Hành động", "Người thực hiện", "Thời hạn", "Tình trạng"], *actions],
            )
        )
    return Report(
        title="Biên bản họp xem xét của lãnh đạo",
        kind=MINUTES_KIND,
        subject="Họp xem xét của lãnh đạo",
        lines=[
            review.title,
            f"Ngày họp: {review.meeting_on:%d/%m/%Y}",
            f"Kỳ xem xét: {review.period_start:%d/%m/%Y} – {review.period_end:%d/%m/%Y}",
        ],
        sections=sections,
        signatures=[("Chủ trì", review.chair.full_name)],
    ).numbered_from(review)


# --------------------------------------------------------------------------- annual report


def annual_figures(year: int) -> dict:
    """The figures of the annual application report, computed from the agency's data."""

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    apps = summary(start, end)
    satisfaction = results(start, end)["total"]
    measured = Measurement.objects.filter(objective__year=year)
    ncs = Nonconformity.objects.filter(detected_at__year=year)
    return {
        "year": year,
        "procedures_in_scope": Procedure.objects.filter(is_active=True).count(),
        "procedures": list(
            Procedure.objects.filter(is_active=True).order_by("code").values_list("code", "name")
        ),
        "documents_in_force": Document.objects.filter(status="in_force").count(),
        "audits_planned": AuditPlan.objects.filter(programme__year=year).count(),
        "audits_done": AuditPlan.objects.filter(programme__year=year, status="reported").count(),
        "findings": dict(
            Finding.objects.filter(plan__programme__year=year)
            .values_list("grade")
            .annotate(n=Count("id"))
        ),
        "nonconformities": ncs.count(),
        "nonconformities_closed": ncs.filter(status="closed").count(),
        "objectives_met": measured.filter(met=True).count(),
        "objectives_missed": measured.filter(met=False).count(),
        "satisfaction_responses": satisfaction["n"],
        "satisfaction_score": round(float(satisfaction["avg_overall"] or 0), 2),
        "applications_received": apps["received"],
        "applications_completed": apps["completed"],
        "on_time_rate": apps["rate"],
        "reviews_held": ManagementReview.objects.filter(
            status="held", meeting_on__year=year
        ).count(),
    }


@transaction.atomic
def annual_report_generate(*, actor, year: int) -> AnnualReport:
    _require(actor)
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _(MSG_YEAR)})
    report, _created = AnnualReport.objects.select_for_update().get_or_create(year=year)
    if report.status == AnnualReportStatus.SUBMITTED:
        raise ValidationError(_(MSG_SUBMITTED))
    report.figures, report.generated_at = annual_figures(year), timezone.now()
    report.save(update_fields=["figures", "generated_at"])
    audit_record(actor=actor, action="report_generate", subject=report, changes={"year": year})
    return report


@transaction.atomic
def annual_report_update(*, actor, report: AnnualReport, **texts) -> AnnualReport:
    _require(actor)
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    if report.status == AnnualReportStatus.SUBMITTED:
        raise ValidationError(_(MSG_SUBMITTED))
    for name in ("assessment", "shortcomings", "proposals", "announced_conformity"):
        if name in texts:
            value = texts[name]
            setattr(report, name, value.strip() if isinstance(value, str) else value)
    report.save()
    audit_record(actor=actor, action="report_edit", subject=report, changes=texts)
    return report


@dataclass(frozen=True)
class Receiver:
    """Whom this agency's annual report goes to: `name`, or `refusal` when it goes nowhere."""

    name: str = ""
    refusal: str = ""


def annual_report_receiver() -> Receiver:
    """Read from `ANNUAL_REPORT_RECEIVER`: unset, the province's Department of Science and
    Technology (reading on the console); an agency's code, that agency, unless it is this
    one; `none` or a code no agency has, nobody."""

    code = settings.ANNUAL_REPORT_RECEIVER
    if not code:
        return Receiver(name=_("Sở Khoa học và Công nghệ"))
    receiver = Agency.objects.agencies().filter(code=code).first() if code != "none" else None
    if receiver is None:
        return Receiver(refusal=_(MSG_NO_RECEIVER))
    if receiver.schema_name == connection.schema_name:
        return Receiver(refusal=_(MSG_RECEIVER_IS_SELF))
    return Receiver(name=receiver.name)


@transaction.atomic
def annual_report_submit(*, actor, report: AnnualReport) -> AnnualReport:
    """Mark as sent to the receiver; a copy of the figures goes to the public schema, where
    the province's console reads it."""

    _require(actor)
    receiver = annual_report_receiver()
    if receiver.refusal:
        raise ValidationError(receiver.refusal)
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    if report.status == AnnualReportStatus.SUBMITTED:
        raise ValidationError(_(MSG_SUBMITTED))
    if not report.generated_at:
        raise ValidationError(_(MSG_NOT_GENERATED))
    report.status, report.submitted_at, report.submitted_by = (
        AnnualReportStatus.SUBMITTED,
        timezone.now(),
        actor,
    )
    report.save(update_fields=["status", "submitted_at", "submitted_by"])
    outgoing_number_allocate(
        kind=REPORT_KIND,
        on=timezone.localdate(),
        subject=report,
        summary=_annual_subject(report.year),
    )
    ReportSubmission.objects.update_or_create(
        agency=Agency.objects.get(schema_name=connection.schema_name),
        year=report.year,
        defaults={
            "submitted_at": report.submitted_at,
            "submitted_by": actor.email,
            "announced_conformity": report.announced_conformity,
            "figures": report.figures,
        },
    )
    audit_record(actor=actor, action="report_submit", subject=report, changes={"year": report.year})
    return report


def annual_report_document(report: AnnualReport):

    f = report.figures
    grades = {
        "conformity": "Phù hợp",
        "observation": "Khuyến nghị",
        "minor": "Không phù hợp nhẹ",
        "major": "Không phù hợp nặng",
        "opportunity": "Cơ hội cải tiến",
    }
    findings = [
        [label, str((f.get("findings") or {}).get(key, 0))] for key, label in grades.items()
    ]
    receiver = annual_report_receiver()
    return Report(
        title=f"Báo cáo tình hình áp dụng hệ thống quản lý chất lượng năm {report.year}",
        kind=REPORT_KIND,
        subject=_annual_subject(report.year),
        recipients=[receiver.name] if receiver.name else [],
        sections=[
            Section(
                "1. Phạm vi áp dụng",
                [
                    f"Số thủ tục hành chính trong phạm vi: {f.get('procedures_in_scope', 0)}; "
                    f"tài liệu đang hiệu lực: {f.get('documents_in_force', 0)}.",
                    "Đã công bố hệ thống quản lý chất lượng phù hợp."
                    if report.announced_conformity
                    else "Chưa công bố hệ thống quản lý chất lượng phù hợp.",
                ],
                table=[["Mã TTHC", "Tên thủ tục"], *[[c, n] for c, n in f.get("procedures", [])]]
                if f.get("procedures")
                else None,
            ),
            Section(
                "2. Giải quyết hồ sơ thủ tục hành chính",
                [
                    f"Tiếp nhận {f.get('applications_received', 0)} hồ sơ; có kết quả "
                    f"{f.get('applications_completed', 0)}; tỷ lệ đúng và trước hạn "
                    f"{vn_percent(f.get('on_time_rate'))}."
                ],
            ),
            Section(
                "3. Đánh giá nội bộ",
                [
                    f"Kế hoạch {f.get('audits_planned', 0)} cuộc; đã thực hiện và báo cáo "
                    f"{f.get('audits_done', 0)} cuộc."
                ],
                table=[["Phân loại", "Số phát hiện"], *findings],
            ),
            Section(
                "4. Sự không phù hợp và hành động khắc phục",
                [
                    f"{f.get('nonconformities', 0)} sự không phù hợp; đã đóng "
                    f"{f.get('nonconformities_closed', 0)}."
                ],
            ),
            Section(
                "5. Mục tiêu chất lượng",
                [
                    f"Số kết quả đo đạt: {f.get('objectives_met', 0)}; không đạt: "
                    f"{f.get('objectives_missed', 0)}."
                ],
            ),
            Section(
                "6. Sự hài lòng của người dân, tổ chức",
                [
                    f"{f.get('satisfaction_responses', 0)} phiếu; điểm trung bình "
                    f"{vn_number(f.get('satisfaction_score') or 0, 2)}/5."
                ],
            ),
            Section(
                "7. Xem xét của lãnh đạo",
                [f"Số cuộc họp xem xét của lãnh đạo đã tổ chức: {f.get('reviews_held', 0)}."],
            ),
            Section("8. Đánh giá chung", [report.assessment or "—"]),
            Section("9. Tồn tại, hạn chế", [report.shortcomings or "—"]),
            Section("10. Kiến nghị, đề xuất", [report.proposals or "—"]),
        ],
    ).numbered_from(report)
