"""Signing a PDF: one or more PAdES signatures applied one after another, each in its own
incremental update (the person's signature first, then the agency's where the decree wants
it), each with its visible appearance, optionally with a timestamp and the validation data
(certificates, CRLs, OCSP responses) that keep it verifiable after the certificate expires
(PAdES B-LT).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from asn1crypto import x509
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext

from iso_platform.official.pdf import SignatureBox
from iso_platform.signing import appearance
from iso_platform.signing.errors import SigningError
from iso_platform.signing.fetchers import GuardedFetcherBackend, GuardedTimeStamper

logger = logging.getLogger(__name__)

PERSON = "person"
AGENCY = "agency"


@dataclass(frozen=True)
class SignStep:
    """One signature. `kind` is PERSON (the signature image, centred in `box`) or AGENCY (the
    seal image over the left third of `box`, the person's signature area). `name` and
    `title` default to the certificate's common name and title."""

    signer: signers.Signer
    field_name: str
    box: SignatureBox
    kind: str = PERSON
    name: str = ""
    title: str = ""
    image: bytes | None = None  # PNG: the handwritten signature, or the seal
    reason: str = ""
    location: str = ""


@dataclass(frozen=True)
class ValidationSetup:
    """How the signer's chain is checked and its revocation data collected while signing."""

    trust_roots: Sequence[x509.Certificate]
    allow_fetching: bool = True
    other_certs: Sequence[x509.Certificate] = ()


@dataclass(frozen=True)
class SignedPdf:
    content: bytes
    timestamped: bool = False
    # Validation data embedded for every signature (PAdES B-LT): true only when every
    # revocation source answered.
    long_term: bool = False
    # What could not be fetched (revocation sources unreachable): signed anyway, said here.
    unavailable: tuple[str, ...] = field(default_factory=tuple)


def sign_pdf(
    pdf: bytes,
    steps: list[SignStep],
    *,
    timestamp_url: str | None = None,
    validation: ValidationSetup | None = None,
) -> SignedPdf:
    """Apply `steps` in order. A timestamp URL without `validation` uses the province trust
    list (iso_platform.signing.selectors.trust_roots) to collect the validation data."""
    if timestamp_url and validation is None:
        # Models cannot be imported while the app registry loads this package.
        from iso_platform.signing.selectors import trust_roots

        validation = ValidationSetup(trust_roots=trust_roots())
    content, unavailable = pdf, []
    for step in steps:
        context = _validation_context(validation)
        content = _sign_one(content, step, timestamp_url, context)
        if context is not None:
            unavailable.extend(_soft_failures(context))
    return SignedPdf(
        content=content,
        timestamped=bool(timestamp_url),
        long_term=validation is not None and bool(timestamp_url) and not unavailable,
        unavailable=tuple(dict.fromkeys(unavailable)),
    )


def _validation_context(setup: ValidationSetup | None) -> ValidationContext | None:
    if setup is None:
        return None
    return ValidationContext(
        trust_roots=list(setup.trust_roots),
        other_certs=list(setup.other_certs),
        allow_fetching=setup.allow_fetching,
        fetcher_backend=GuardedFetcherBackend() if setup.allow_fetching else None,
        # An unreachable CRL or OCSP server does not stop the signature; it is reported.
        revocation_mode="soft-fail",
    )


def _soft_failures(context: ValidationContext) -> list[str]:
    return [str(exc) for exc in context.soft_fail_exceptions]


def _sign_one(pdf: bytes, step: SignStep, timestamp_url, context) -> bytes:
    moment = timezone.now()
    cert = step.signer.signing_cert
    if step.kind == AGENCY:
        lines = appearance.agency_lines(cert, step.name, moment)
    else:
        lines = appearance.person_lines(cert, step.name, step.title, moment)
    box = _rectangle(step)
    style = appearance.stamp_style(
        lines, step.image, seal=step.kind == AGENCY, height=box[3] - box[1]
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise SigningError("pdf_damaged", repr(exc)) from None
    if writer.prev.encrypted:
        raise SigningError("pdf_encrypted")
    _check_page(writer, step.box.page)
    metadata = signers.PdfSignatureMetadata(
        field_name=step.field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=step.reason or None,
        location=step.location or None,
        name=step.name or appearance.subject_value(cert, "common_name") or None,
        embed_validation_info=context is not None,
        validation_context=context,
    )
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=step.signer,
        timestamper=GuardedTimeStamper(timestamp_url) if timestamp_url else None,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(step.field_name, on_page=step.box.page - 1, box=box),
    )
    try:
        return pdf_signer.sign_pdf(writer).getvalue()
    except TimestampRequestError as exc:
        raise SigningError("timestamp_failed", str(exc)) from None
    except PyHankoSigningError as exc:
        raise _explain(exc) from None


def _explain(exc: Exception) -> SigningError:
    """pyHanko's error, or the error of our own signer or fetcher that it wraps."""
    seen = exc
    while seen is not None:
        if isinstance(seen, SigningError):
            return seen
        if isinstance(seen, TimestampRequestError):
            return SigningError("timestamp_failed", str(seen))
        seen = seen.__cause__ or seen.__context__
    logger.warning("signing failed: %r", exc)
    return SigningError("failed", repr(exc), reason=str(exc))


def _check_page(writer: IncrementalPdfFileWriter, page: int) -> None:
    try:
        count = int(writer.root["/Pages"]["/Count"])
    except (KeyError, TypeError, ValueError, PdfError) as exc:
        raise SigningError("pdf_damaged", repr(exc)) from None
    if not 1 <= page <= count:
        raise SigningError("box_page", page=page)


def _rectangle(step: SignStep) -> tuple[int, int, int, int]:
    b = step.box
    width = b.width / 3 if step.kind == AGENCY else b.width
    return (round(b.x), round(b.y), round(b.x + width), round(b.y + b.height))
