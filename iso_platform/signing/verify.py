"""Verifying the signatures of a PDF, with one sentence per signature that a clerk reads.

For each signature: is the signed content intact and was nothing but signing or form
filling added after it (pyHanko's difference analysis); who signed (name, position,
organisation from the certificate); when (the timestamp authority's time when there is a
valid signature timestamp, else the time the signer's computer claimed); does the
certificate chain lead to a root of the province trust list; was the certificate revoked,
expired or not yet valid at that time. Revocation is checked with the data embedded in the
PDF (PAdES B-LT) and, when `allow_fetching`, from the CA's CRL and OCSP servers through
eISO's outbound rules; a server that cannot be reached is said so ("not checked"), never
silently taken as "not revoked".

The file comes from outside: it is parsed within a size cap (SIGNING_VERIFY_MAX_MB) and
pyHanko's decoding limits, and an unreadable file is `untrusted.Refused` (a ValidationError
with a Vietnamese message), never an exception of the PDF library.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from asn1crypto import crl, ocsp, x509
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from iso_platform import untrusted
from iso_platform.signing import appearance
from iso_platform.signing.fetchers import GuardedFetcherBackend

logger = logging.getLogger(__name__)

VALID = "valid"
MODIFIED = "modified"
INVALID = "invalid"
UNTRUSTED = "untrusted"
REVOKED = "revoked"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
TIMESTAMP_INVALID = "timestamp_invalid"
UNSIGNED = "unsigned"

SENTENCES = {
    VALID: gettext_noop("Chữ ký hợp lệ — %(signer)s, %(signed_at)s"),
    MODIFIED: gettext_noop("Tài liệu đã bị thay đổi sau khi ký"),
    INVALID: gettext_noop("Chữ ký không hợp lệ: dữ liệu chữ ký bị hỏng hoặc bị làm giả"),
    UNTRUSTED: gettext_noop("Chứng thư số không do tổ chức được tin cậy cấp"),
    REVOKED: gettext_noop("Chứng thư số đã bị thu hồi"),
    EXPIRED: gettext_noop("Chứng thư số đã hết hạn khi ký"),
    NOT_YET_VALID: gettext_noop("Chứng thư số chưa có hiệu lực khi ký"),
    TIMESTAMP_INVALID: gettext_noop(
        "Dấu thời gian của chữ ký không hợp lệ hoặc không do tổ chức được tin cậy cấp"
    ),
    UNSIGNED: gettext_noop("Tài liệu không có chữ ký số"),
}
MSG_REVOCATION_UNCHECKED = gettext_noop(
    "chưa kiểm tra được tình trạng thu hồi của chứng thư số (không kết nối được máy chủ "
    "kiểm tra và tài liệu không kèm dữ liệu kiểm tra)"
)
MSG_ALL_VALID = gettext_noop("Tất cả %(count)s chữ ký số trên tài liệu đều hợp lệ.")
MSG_SOME_INVALID = gettext_noop("Có %(bad)s trong %(count)s chữ ký số không hợp lệ.")

REVOKED_INDICATIONS = {"REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"}
EXPIRED_INDICATIONS = {"EXPIRED", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED"}
# Revocation of the signer's certificate: checked, or not checked because no source answered.
CHECKED, UNREACHABLE = "checked", "unreachable"


@dataclass(frozen=True)
class SignatureResult:
    field_name: str
    status: str
    message: str  # the sentence for the clerk, in the current language
    intact: bool
    trusted: bool
    signer_name: str
    signer_title: str
    signer_organisation: str
    signer_email: str
    signing_time: dt.datetime | None  # Vietnam time
    timestamped: bool  # the time comes from a valid timestamp authority token
    timestamp_valid: bool | None  # None: the signature has no timestamp
    revocation: str  # CHECKED or UNREACHABLE
    problems: tuple[str, ...] = ()  # technical details, for logs and support

    @property
    def valid(self) -> bool:
        return self.status == VALID


@dataclass(frozen=True)
class VerificationReport:
    signatures: list[SignatureResult] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def valid(self) -> bool:
        return self.signed and all(s.valid for s in self.signatures)

    @property
    def status(self) -> str:
        if not self.signatures:
            return UNSIGNED
        return VALID if self.valid else INVALID

    @property
    def message(self) -> str:
        if not self.signatures:
            return _(SENTENCES[UNSIGNED])
        bad = sum(not s.valid for s in self.signatures)
        if not bad:
            return _(MSG_ALL_VALID) % {"count": len(self.signatures)}
        return _(MSG_SOME_INVALID) % {"bad": bad, "count": len(self.signatures)}


def verify_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    allow_fetching: bool = True,
    moment: dt.datetime | None = None,
) -> VerificationReport:
    """Every signature of `pdf`, judged against `trust_roots` at `moment` (now by default).

    Raises `untrusted.Refused` for a file over SIGNING_VERIFY_MAX_MB, encrypted, or not a
    readable PDF.
    """
    limit = settings.SIGNING_VERIFY_MAX_MB * untrusted.MB
    if len(pdf) > limit:
        raise untrusted.Refused(
            "too_big", size=round(len(pdf) / untrusted.MB, 1), limit=settings.SIGNING_VERIFY_MAX_MB
        )
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        if reader.encrypted:
            raise untrusted.Refused("encrypted")
        embedded = list(reader.embedded_regular_signatures)
        dss = _dss(reader)
        results = [
            _verify_one(sig, dss, list(trust_roots), allow_fetching, moment) for sig in embedded
        ]
    except untrusted.Refused:
        raise
    except Exception as exc:  # any parse error of a hostile file: refused, never a 500
        logger.warning("signature verification refused a damaged PDF: %r", exc, exc_info=True)
        raise untrusted.Refused("damaged") from None
    return VerificationReport(results)


def _dss(reader: PdfFileReader) -> dict:
    """Certificates, CRLs and OCSP responses embedded in the PDF (PAdES B-LT)."""
    dss = reader.root.get("/DSS")
    dss = dss.get_object() if dss is not None else {}

    def streams(key):
        return [ref.get_object().data for ref in (dss.get(key) or [])]

    return {
        "other_certs": [x509.Certificate.load(data) for data in streams("/Certs")],
        "crls": [crl.CertificateList.load(data) for data in streams("/CRLs")],
        "ocsps": [ocsp.OCSPResponse.load(data) for data in streams("/OCSPs")],
    }


def _context(roots, allow_fetching, dss, moment, *, past=False) -> ValidationContext:
    return ValidationContext(
        trust_roots=roots,
        allow_fetching=allow_fetching,
        fetcher_backend=GuardedFetcherBackend() if allow_fetching else None,
        moment=moment,
        # Validating at the time of a timestamp: revocation data gathered later still tells
        # whether the certificate was revoked before that time.
        retroactive_revinfo=past,
        revocation_mode="soft-fail",
        **dss,
    )


def _timestamp_time(sig) -> dt.datetime | None:
    for token in extract_tst_data_iter(sig.signer_info, signed=False):
        return token["encap_content_info"]["content"].parsed["gen_time"].native
    return None


def _verify_one(sig, dss, roots, allow_fetching, moment) -> SignatureResult:
    ts_time = _timestamp_time(sig)
    # Point-in-time validation at the token's time (PAdES B-LT): the TSA and the signer's
    # certificates as they were then, with the revocation data embedded when signing. The
    # time is trusted only once the TSA's signature on the token is (ts_valid below).
    ts_context = _context(roots, allow_fetching, dss, ts_time or moment, past=bool(ts_time))
    context = _context(roots, allow_fetching, dss, ts_time or moment, past=bool(ts_time))
    status = validate_pdf_signature(
        sig, signer_validation_context=context, ts_validation_context=ts_context
    )
    ts_valid = _timestamp_ok(status)
    if ts_time is not None and not ts_valid:
        # The token proves nothing: judge the certificate now, as for an untimestamped one.
        context = _context(roots, allow_fetching, dss, moment)
        status = validate_pdf_signature(
            sig, signer_validation_context=context, ts_validation_context=ts_context
        )
    signed_at = ts_time if ts_valid else status.signer_reported_dt
    return _result(sig, status, context, signed_at, ts_time, ts_valid)


def _timestamp_ok(status) -> bool:
    ts = status.timestamp_validity
    return bool(ts is not None and ts.intact and ts.valid and ts.trusted)


def _status_code(status, ts_time, ts_valid) -> str:
    if not status.intact or _modified(status):
        return MODIFIED
    if not status.valid:
        return INVALID
    if not status.trusted:
        indication = getattr(status.trust_problem_indic, "name", "")
        if status.revoked or indication in REVOKED_INDICATIONS:
            return REVOKED
        if indication in EXPIRED_INDICATIONS:
            return EXPIRED
        if indication == "NOT_YET_VALID":
            return NOT_YET_VALID
        return UNTRUSTED
    if ts_time is not None and not ts_valid:
        return TIMESTAMP_INVALID
    return VALID


def _modified(status) -> bool:
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return True
    if status.docmdp_ok is False:
        return True
    return status.modification_level not in (
        None,
        ModificationLevel.NONE,
        ModificationLevel.LTA_UPDATES,
        ModificationLevel.FORM_FILLING,
    )


def _result(sig, status, context, signed_at, ts_time, ts_valid) -> SignatureResult:
    cert = status.signing_cert
    name = appearance.subject_value(cert, "common_name")
    title = appearance.subject_value(cert, "title")
    local = timezone.localtime(signed_at) if signed_at else None
    code = _status_code(status, ts_time, ts_valid)
    unreachable = [str(e) for e in context.soft_fail_exceptions]
    revocation = UNREACHABLE if unreachable else CHECKED
    return SignatureResult(
        field_name=sig.field_name or "",
        status=code,
        message=_sentence(code, name, title, local, revocation),
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        signer_name=name,
        signer_title=title,
        signer_organisation=appearance.subject_value(cert, "organization_name"),
        signer_email=appearance.certificate_email(cert),
        signing_time=local,
        timestamped=ts_valid,
        timestamp_valid=None if ts_time is None else ts_valid,
        revocation=revocation,
        problems=tuple(unreachable)
        + ((str(status.trust_problem_indic),) if status.trust_problem_indic else ()),
    )


def _sentence(code, name, title, local, revocation) -> str:
    return signature_sentence(
        code, signer_name=name, signer_title=title, signing_time=local, revocation=revocation
    )


def signature_sentence(
    code: str,
    *,
    signer_name: str = "",
    signer_title: str = "",
    signing_time: dt.datetime | None = None,
    revocation: str = CHECKED,
) -> str:
    """The clerk's sentence for one signature, in the current language: said again from a
    stored result, so a page shows it in its reader's language, not the verifier's."""
    if code != VALID:
        return _(SENTENCES.get(code, SENTENCES[INVALID]))
    name, title, local = signer_name, signer_title, signing_time
    signer = f"{name}, {title}" if title else name
    signed_at = appearance.signed_at_text(local) if local else ""
    sentence = _(SENTENCES[VALID]) % {"signer": signer, "signed_at": signed_at}
    if revocation == UNREACHABLE:
        sentence += "; " + _(MSG_REVOCATION_UNCHECKED)
    return sentence
