"""Signing and issuing a document of the department from the province console ("Ký và
phát hành"): the pilot evaluation report, an inspection's conclusion, the province's
yearly report. The app that owns the document builds it; this module numbers, signs and
keeps it (`ProvinceSignedDocument`), the same way for all of them.

The department numbers its outgoing documents in its own register, kept by its clerical
office for everything it issues (Decree 30/2020/NĐ-CP, Article 15: one sequence a year);
eISO issues only a few of them, so it does not keep a second counter that would hand out
the same numbers. The signer enters the number the clerical office gave; eISO prints it
(`12/BC-SKHCN`), refuses one it has already printed that year for that kind, signs the PDF
with the signer's own certificate (`ProvinceCredential`) and keeps it.

The signature is made before anything is written: a wrong password, an expired
certificate or an unreachable timestamp authority writes nothing but the failed attempt
in the platform audit log, and the number stays free.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform.audit import platform_record
from iso_platform.official import OfficialDocument, Signer, number_format, render_pdf_layout
from iso_platform.signing.credentials import province_credential, province_signer
from iso_platform.signing.errors import SigningError
from iso_platform.signing.models import ProvinceCredential, ProvinceSignedDocument
from iso_platform.signing.selectors import signing_configuration, trust_roots
from iso_platform.signing.sign import SignedPdf, SignStep, ValidationSetup, sign_pdf

MSG_NO_CREDENTIAL = gettext_noop(
    "Bạn chưa có chữ ký số trên hệ thống: hãy đăng ký ở mục “Chữ ký số của tôi” trước khi "
    "ký văn bản."
)
MSG_PASSWORD_MISSING = gettext_noop("Nhập mật khẩu tệp chứng thư số để ký văn bản.")
MSG_NUMBER_USED = gettext_noop(
    "Số %(number)s năm %(year)s đã được dùng cho văn bản ký ngày %(on)s: hãy lấy số khác từ "
    "sổ văn bản đi của Sở."
)
MSG_NUMBER_RANGE = gettext_noop("Số văn bản phải là số nguyên từ 1 đến 99999.")
MAX_SEQUENCE = 99_999
PERSON_FIELD = "NguoiKy"

# Builds the document to sign, given its number, its date and who signs it.
Build = Callable[..., OfficialDocument]


@dataclass(frozen=True)
class Subject:
    """What the document is of, as the audit trail and the kept row name it."""

    type: str  # "evaluation.wave"
    id: str  # "3"
    label: str  # "Đợt thí điểm"


def _require(actor) -> None:
    if not (actor and actor.is_authenticated and getattr(actor, "is_province_admin", False)):
        raise PermissionDenied("province_admin")


def number_free(*, kind: str, sequence: int, year: int, number: str) -> None:
    """ValidationError on `sequence` when the number is out of range or already printed."""
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValidationError({"sequence": _(MSG_NUMBER_RANGE)}, code="number_range")
    used = ProvinceSignedDocument.objects.filter(year=year, kind=kind, sequence=sequence).first()
    if used is not None:
        raise ValidationError(
            {
                "sequence": _(MSG_NUMBER_USED)
                % {"number": number, "year": year, "on": f"{used.issued_on:%d/%m/%Y}"}
            },
            code="number_used",
        )


def _audit(action: str, actor, subject: Subject, changes: dict, request) -> None:
    platform_record(
        action=action,
        subject_type=subject.type.rpartition(".")[2],
        subject_id=subject.id,
        subject_label=subject.label,
        actor=actor,
        changes=changes,
        request=request,
    )


def _signer(credential) -> Signer:
    # The certificate's holder signs: their name under the signature, the department's
    # authority and position as configured (PROVINCE_SIGNER_*).
    return Signer(
        authority=settings.PROVINCE_SIGNER_AUTHORITY,
        position=settings.PROVINCE_SIGNER_POSITION or credential.title,
        name=credential.subject_name,
    )


def _sign(doc: OfficialDocument, credential, password: str, reason: str):
    layout = render_pdf_layout(doc)
    timestamp_url = signing_configuration().timestamp_url or None
    step = SignStep(
        province_signer(credential, password),
        PERSON_FIELD,
        layout.signature,
        reason=reason,
        location=doc.issuer.place,
    )
    validation = ValidationSetup(trust_roots=trust_roots()) if timestamp_url else None
    return sign_pdf(layout.content, [step], timestamp_url=timestamp_url, validation=validation)


def province_document_sign(
    *,
    actor,
    subject: Subject,
    kind: str,
    sequence: int,
    password: str,
    build: Build,
    reason: str,
    action: str,
    request=None,
) -> ProvinceSignedDocument:
    """Sign and issue the document `build(number=, issued_on=, signer=)` makes, under number
    `sequence` of this year, by `actor` (a provincial administrator with an active
    credential). `action` names the audit rows (`action` and `action`_failed).
    ValidationError with a Vietnamese message on `sequence` or `password` when refused;
    nothing is stored then."""
    _require(actor)
    today = timezone.localdate()
    number = number_format(
        sequence=sequence, kind=kind, abbreviation=settings.PROVINCE_ISSUER_ABBREVIATION
    )
    credential = province_credential(actor)
    if credential is None:
        raise ValidationError({"password": _(MSG_NO_CREDENTIAL)}, code="no_credential")
    if not password:
        raise ValidationError({"password": _(MSG_PASSWORD_MISSING)}, code="password_missing")
    number_free(kind=kind, sequence=sequence, year=today.year, number=number)
    doc = build(number=number, issued_on=today, signer=_signer(credential))
    if doc.kind != kind:
        raise ValueError(f"the document is a {doc.kind}, numbered as a {kind}")
    try:
        signed = _sign(doc, credential, password, reason)
    except SigningError as exc:
        _audit(f"{action}_failed", actor, subject, {"reason": exc.code}, request)
        raise ValidationError({"password": str(exc)}, code=exc.code) from None
    kept = _Kept(doc=doc, signed=signed, credential=credential, sequence=sequence, on=today)
    return _keep(actor, subject, kept, action=action, request=request)


@dataclass
class _Kept:
    doc: OfficialDocument
    signed: SignedPdf
    credential: ProvinceCredential
    sequence: int
    on: dt.date


def _keep(actor, subject: Subject, kept: _Kept, *, action: str, request) -> ProvinceSignedDocument:
    credential, doc, signed = kept.credential, kept.doc, kept.signed
    signer = {
        "name": credential.subject_name,
        "title": credential.title,
        "organisation": credential.organisation,
        "serial": credential.serial,
    }
    try:
        with transaction.atomic():
            record = ProvinceSignedDocument.objects.create(
                kind=doc.kind,
                subject_type=subject.type,
                subject_id=subject.id,
                year=kept.on.year,
                sequence=kept.sequence,
                number=doc.number,
                issued_on=kept.on,
                title=f"{doc.number} {doc.subject}"[:500],
                content=signed.content,
                sha256=hashlib.sha256(signed.content).hexdigest(),
                signers=[signer],
                signed_by_id=actor.pk,
                timestamped=signed.timestamped,
                long_term=signed.long_term,
                unavailable=list(signed.unavailable),
            )
            changes = {
                "number": record.number,
                "sha256": record.sha256,
                "signer": f"{signer['name']} ({signer['serial']})",
                "timestamped": record.timestamped,
                "long_term": record.long_term,
            }
            _audit(action, actor, subject, changes, request)
    except IntegrityError:
        # Another signer took the same number between the check and this insert.
        number_free(kind=doc.kind, sequence=kept.sequence, year=kept.on.year, number=doc.number)
        raise
    return record
