"""The conclusion of the province's inspection of an agency (Thông báo kết luận kiểm tra),
issued by the province in the layout of Decree 30/2020/NĐ-CP.

Its kind is TB (thông báo): Appendix III of the decree has no abbreviation for a conclusion;
"Kết luận" (KL) belongs to inspections under the Law on Inspection (thanh tra), while this is
a check (kiểm tra) by the province's quality unit, announced as a notice of conclusions.

The province has no register of outgoing documents in eISO (its numbers are given by its
own clerical office), so, like the province's yearly report, the conclusion built here is a
draft (dots for the number and date); the provincial administrator issues it signed, with
the number the clerical office gave (insights.services.signing.conclusion_sign).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from insights.models import Inspection
from insights.services.province_report import province_issuer, province_signer
from iso_platform.official import Heading, OfficialDocument, Paragraph, Table

KIND = "TB"


def _day(value) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def subject(inspection: Inspection) -> str:
    return (
        "Kết luận kiểm tra việc áp dụng hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 "
        f"tại {inspection.agency.name}"
    )


def _findings(inspection: Inspection) -> list:
    findings = list(inspection.findings.all())
    if not findings:
        return [Paragraph("Không có tồn tại, kiến nghị.")]
    header = ["TT", "Loại", "Điều khoản", "Nội dung", "Hạn khắc phục", "Đã khắc phục"]
    rows = [
        [
            str(i),
            str(f.get_kind_display()),
            f.clause,
            f.text,
            _day(f.due_on),
            _day(f.closed_on),
        ]
        for i, f in enumerate(findings, start=1)
    ]
    return [Table([header, *rows])]


def _requests(inspection: Inspection) -> list:
    due = [f for f in inspection.findings.all() if f.due_on and not f.closed_on]
    if not due:
        return []
    return [
        Heading("3. Yêu cầu"),
        Paragraph(
            f"Đề nghị {inspection.agency.name} khắc phục các tồn tại nêu trên trong thời hạn "
            "đã ghi và báo cáo kết quả khắc phục về "
            f"{settings.PROVINCE_ISSUER or 'cơ quan kiểm tra'}."
        ),
    ]


def conclusion_document(inspection: Inspection) -> OfficialDocument:
    """The conclusion of a done inspection (the caller offers it for those only)."""
    with translation.override("vi"):  # the kinds' labels: the document is in Vietnamese
        team = f" ({inspection.team})" if inspection.team else ""
        body = [
            Paragraph(
                f"Thực hiện {inspection.plan.title}, ngày {_day(inspection.done_on)}, Đoàn kiểm "
                f"tra{team} đã kiểm tra việc xây dựng, áp dụng, duy trì và cải tiến hệ thống "
                f"quản lý chất lượng tại {inspection.agency.name}."
            ),
            Heading("1. Tồn tại, kiến nghị"),
            *_findings(inspection),
            Heading("2. Kết luận"),
            Paragraph(inspection.conclusion or "(chưa ghi kết luận)"),
            *_requests(inspection),
        ]
    return OfficialDocument(
        issuer=province_issuer(),
        kind=KIND,
        subject=subject(inspection),
        body=body,
        recipients=[inspection.agency.name, settings.PROVINCE_GOVERNING_BODY],
        signer=province_signer(),
    )
