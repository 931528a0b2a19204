"""Signing and issuing a wave's evaluation report ("Ký và phát hành báo cáo").

The department numbers its outgoing documents in its own register, kept by its clerical
office for everything it issues (Decree 30/2020/NĐ-CP, Article 15: one sequence a year);
eISO issues only a few of them, so it does not keep a second counter that would hand out
the same numbers. The signer enters the number the clerical office gave; eISO prints it
(`12/BC-SKHCN`), refuses one it has already used that year, signs the PDF with the
signer's own certificate (`ProvinceCredential`) and keeps it in `SignedReport`.

The signature is made before anything is written: a wrong password, an expired
certificate or an unreachable timestamp authority writes nothing but the failed attempt
in the platform audit log, and the number stays free.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from evaluation.models import SignedReport, Wave
from evaluation.services.report import document, evaluation_build
from iso_platform.audit import platform_record
from iso_platform.official import Signer, number_format, render_pdf_layout
from iso_platform.signing import (
    SigningError,
    SignStep,
    ValidationSetup,
    sign_pdf,
    signing_configuration,
    trust_roots,
)
from iso_platform.signing.credentials import province_credential, province_signer
from quality.core.reports import official_document

MSG_NO_CREDENTIAL = gettext_noop(
    "Bạn chưa có chữ ký số trên hệ thống: hãy đăng ký ở mục “Chữ ký số của tôi” trước khi "
    "ký báo cáo."
)
MSG_PASSWORD_MISSING = gettext_noop("Nhập mật khẩu tệp chứng thư số để ký báo cáo.")
MSG_NUMBER_USED = gettext_noop(
    "Số %(number)s năm %(year)s đã được dùng cho báo cáo ký ngày %(on)s: hãy lấy số khác từ "
    "sổ văn bản đi của Sở."
)
MSG_NUMBER_RANGE = gettext_noop("Số văn bản phải là số nguyên từ 1 đến 99999.")
MAX_SEQUENCE = 99_999
REASON = "Ký ban hành báo cáo đánh giá"
PERSON_FIELD = "NguoiKy"


def _require(actor) -> None:
    if not (actor and actor.is_authenticated and getattr(actor, "is_province_admin", False)):
        raise PermissionDenied("province_admin")


def _number_free(sequence: int, year: int, number: str) -> None:
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValidationError({"sequence": _(MSG_NUMBER_RANGE)}, code="number_range")
    used = SignedReport.objects.filter(year=year, sequence=sequence).first()
    if used is not None:
        raise ValidationError(
            {
                "sequence": _(MSG_NUMBER_USED)
                % {"number": number, "year": year, "on": f"{used.issued_on:%d/%m/%Y}"}
            },
            code="number_used",
        )


def _failed(actor, wave: Wave, reason: str, request) -> None:
    platform_record(
        action="evaluation.report_sign_failed",
        subject_type="wave",
        subject_id=str(wave.pk),
        subject_label=wave.name,
        actor=actor,
        changes={"reason": reason},
        request=request,
    )


def _official(wave: Wave, *, number: str, credential, today):
    report = document(evaluation_build(wave=wave, today=today))
    report.number, report.issued_on = number, today
    # The certificate's holder signs: their name under the signature, the department's
    # authority and position as configured (PROVINCE_SIGNER_*).
    report.signer = Signer(
        authority=settings.PROVINCE_SIGNER_AUTHORITY,
        position=settings.PROVINCE_SIGNER_POSITION or credential.title,
        name=credential.subject_name,
    )
    return official_document(report)


def _sign(doc, credential, password: str):
    layout = render_pdf_layout(doc)
    config = signing_configuration()
    timestamp_url = config.timestamp_url or None
    step = SignStep(
        province_signer(credential, password),
        PERSON_FIELD,
        layout.signature,
        reason=REASON,
        location=doc.issuer.place,
    )
    validation = ValidationSetup(trust_roots=trust_roots()) if timestamp_url else None
    return sign_pdf(layout.content, [step], timestamp_url=timestamp_url, validation=validation)


def report_sign(*, actor, wave: Wave, sequence: int, password: str, request=None) -> SignedReport:
    """Sign and issue `wave`'s report under number `sequence` of this year, by `actor` (a
    provincial administrator with an active credential). ValidationError with a Vietnamese
    message on `sequence` or `password` when refused; nothing is stored then."""
    _require(actor)
    today = timezone.localdate()
    number = number_format(
        sequence=sequence, kind="BC", abbreviation=settings.PROVINCE_ISSUER_ABBREVIATION
    )
    credential = province_credential(actor)
    if credential is None:
        raise ValidationError({"password": _(MSG_NO_CREDENTIAL)}, code="no_credential")
    if not password:
        raise ValidationError({"password": _(MSG_PASSWORD_MISSING)}, code="password_missing")
    _number_free(sequence, today.year, number)
    doc = _official(wave, number=number, credential=credential, today=today)
    try:
        signed = _sign(doc, credential, password)
    except SigningError as exc:
        _failed(actor, wave, exc.code, request)
        raise ValidationError({"password": str(exc)}, code=exc.code) from None
    return _keep(actor, wave, doc, credential, signed, sequence=sequence, request=request)


def _keep(actor, wave, doc, credential, signed, *, sequence, request) -> SignedReport:
    signer = {
        "name": credential.subject_name,
        "title": credential.title,
        "organisation": credential.organisation,
        "serial": credential.serial,
    }
    try:
        with transaction.atomic():
            record = SignedReport.objects.create(
                wave=wave,
                year=doc.issued_on.year,
                sequence=sequence,
                number=doc.number,
                issued_on=doc.issued_on,
                title=f"{doc.number} {doc.subject}"[:500],
                content=signed.content,
                sha256=hashlib.sha256(signed.content).hexdigest(),
                signers=[signer],
                signed_by_id=actor.pk,
                timestamped=signed.timestamped,
                long_term=signed.long_term,
                unavailable=list(signed.unavailable),
            )
            platform_record(
                action="evaluation.report_sign",
                subject_type="wave",
                subject_id=str(wave.pk),
                subject_label=wave.name,
                actor=actor,
                changes={
                    "number": record.number,
                    "sha256": record.sha256,
                    "signer": f"{signer['name']} ({signer['serial']})",
                    "timestamped": record.timestamped,
                    "long_term": record.long_term,
                },
                request=request,
            )
    except IntegrityError:
        # Another signer took the same number between the check and this insert.
        _number_free(sequence, doc.issued_on.year, doc.number)
        raise
    return record
