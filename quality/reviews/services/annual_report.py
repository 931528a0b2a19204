"""The annual report on applying the QMS: figures, texts, the receiver, sending it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from iso_platform.numbers import vn_number, vn_percent
from quality.audits.models import AuditPlan, Finding
from quality.core.editions import agency_edition
from quality.core.events import event_announce
from quality.core.reports import Report, Section, official_document
from quality.core.services import audit_record, outgoing_number_allocate
from quality.core.signatures.services import (
    SigningSecrets,
    official_sign,
    records_signature_failures,
)
from quality.documents.models import Document
from quality.feedback.services import results
from quality.improvement.models import Nonconformity
from quality.objectives.models import Measurement
from quality.procedures.models import Procedure
from quality.procedures.selectors import summary
from quality.reviews.models import (
    AnnualReport,
    AnnualReportStatus,
    ManagementReview,
)
from quality.reviews.services.common import (
    MSG_NO_RECEIVER,
    MSG_NOT_GENERATED,
    MSG_RECEIVER_IS_SELF,
    MSG_SUBMITTED,
    MSG_YEAR,
    _require,
)
from quality.reviews.services.inputs import REPORT_KIND, _annual_subject
from quality.transition.selectors import transition_summary
from tenants.models import Agency, ReportSubmission


def annual_figures(year: int) -> dict:
    """The figures of the annual application report, computed from the agency's data."""

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    edition = agency_edition()
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
        "edition": edition.code,
        "edition_name": edition.name,
        "transition": transition_summary(),
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


@records_signature_failures
@transaction.atomic
def annual_report_submit(
    *, actor, report: AnnualReport, signing: SigningSecrets | None = None
) -> AnnualReport:
    """Mark as sent to the receiver; a copy of the figures goes to the public schema, where
    the province's console reads it. The numbered report is signed by `actor` (and the
    agency) when `actor` has a signing credential, in this transaction."""

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
        summary=_annual_subject(report.year, report.figures.get("edition_name")),
    )
    official_sign(
        actor=actor,
        subject=report,
        kind=REPORT_KIND,
        document=official_document(annual_report_document(report)),
        reason=_annual_subject(report.year),
        secrets=signing,
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
    event_announce(
        type="annual_report.submitted",
        subject=f"annual_report:{report.year}",
        data={
            "annual_report": {
                "id": report.pk,
                "year": report.year,
                "announced_conformity": report.announced_conformity,
                "submitted_at": report.submitted_at.isoformat(),
            },
            "url": f"/reviews/annual/{report.pk}/",
        },
        occurred_at=report.submitted_at,
    )
    return report


def _edition_lines(f: dict) -> list[str]:
    lines = []
    if f.get("edition_name"):
        lines.append(f"Tiêu chuẩn áp dụng: {f['edition_name']}.")
    if f.get("transition"):
        lines.append(f["transition"])
    return lines


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
        subject=_annual_subject(report.year, f.get("edition_name")),
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
                    *_edition_lines(f),
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
