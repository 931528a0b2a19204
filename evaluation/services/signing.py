"""Signing and issuing a wave's evaluation report ("Ký và phát hành báo cáo"): the report
built for today, numbered, signed and kept by the department's signing service
(iso_platform.signing.province, where the numbering rule is told)."""

from __future__ import annotations

from evaluation.models import WAVE_SUBJECT, SignedReport, Wave
from evaluation.services.report import document, evaluation_build
from iso_platform.signing.province import Subject, province_document_sign
from quality.core.reports import official_document

KIND = "BC"
REASON = "Ký ban hành báo cáo đánh giá"


def report_sign(*, actor, wave: Wave, sequence: int, password: str, request=None) -> SignedReport:
    """Sign and issue `wave`'s report under number `sequence` of this year, by `actor` (a
    provincial administrator with an active credential). ValidationError with a Vietnamese
    message on `sequence` or `password` when refused; nothing is stored then."""

    def build(*, number, issued_on, signer):
        report = document(evaluation_build(wave=wave, today=issued_on))
        report.number, report.issued_on, report.signer = number, issued_on, signer
        return official_document(report)

    record = province_document_sign(
        actor=actor,
        subject=Subject(WAVE_SUBJECT, str(wave.pk), wave.name),
        kind=KIND,
        sequence=sequence,
        password=password,
        build=build,
        reason=REASON,
        action="evaluation.report_sign",
        request=request,
    )
    return SignedReport.objects.get(pk=record.pk)
