"""Signing and issuing the province's own documents from the console: an inspection's
conclusion (TB) and the province's yearly report (BC). Both are built as their draft is,
then numbered, signed and kept by the department's signing service
(iso_platform.signing.province, where the numbering rule is told); the drafts stay
downloadable, with dots."""

from __future__ import annotations

import dataclasses

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from insights.models import Inspection, InspectionStatus
from insights.services import inspection_conclusion, province_report
from iso_platform.signing.models import ProvinceSignedDocument
from iso_platform.signing.province import Subject, province_document_sign
from quality.core.reports import official_document

INSPECTION_SUBJECT = "insights.inspection"
YEARLY_SUBJECT = "insights.province_report"
YEARLY_KIND = "BC"
MSG_NOT_DONE = gettext_noop("Chỉ ký kết luận của cuộc kiểm tra đã thực hiện.")
MSG_BAD_YEAR = gettext_noop("Năm báo cáo phải từ %(first)s đến %(last)s.")


def conclusion_sign(
    *, actor, inspection: Inspection, sequence: int, password: str, request=None
) -> ProvinceSignedDocument:
    """Sign and issue the conclusion of a done inspection under number `sequence` of this
    year (a notice, TB). ValidationError in Vietnamese when refused; nothing stored then."""
    if inspection.status != InspectionStatus.DONE:
        raise ValidationError({"sequence": _(MSG_NOT_DONE)}, code="not_done")

    def build(*, number, issued_on, signer):
        draft = inspection_conclusion.conclusion_document(inspection)
        return dataclasses.replace(draft, number=number, issued_on=issued_on, signer=signer)

    label = f"{inspection.agency.name} — {inspection.plan.year}"
    return province_document_sign(
        actor=actor,
        subject=Subject(INSPECTION_SUBJECT, str(inspection.pk), label),
        kind=inspection_conclusion.KIND,
        sequence=sequence,
        password=password,
        build=build,
        reason="Ký ban hành kết luận kiểm tra",
        action="inspection.conclusion_sign",
        request=request,
    )


def yearly_report_sign(
    *, actor, year: int, sequence: int, password: str, request=None
) -> ProvinceSignedDocument:
    """Sign and issue the province's report of `year`, with the figures of today, under
    number `sequence` of this year. ValidationError in Vietnamese when refused."""
    first, last = province_report.MIN_YEAR, province_report.MAX_YEAR
    if not first <= year <= last:
        raise ValidationError(
            {"sequence": _(MSG_BAD_YEAR) % {"first": first, "last": last}}, code="year"
        )

    def build(*, number, issued_on, signer):
        report = province_report.document(province_report.build(year=year))
        report.number, report.issued_on, report.signer = number, issued_on, signer
        return official_document(report)

    return province_document_sign(
        actor=actor,
        subject=Subject(YEARLY_SUBJECT, str(year), f"Báo cáo năm {year}"),
        kind=YEARLY_KIND,
        sequence=sequence,
        password=password,
        build=build,
        reason="Ký ban hành báo cáo năm",
        action="province_report.sign",
        request=request,
    )
