"""Digital signatures of PDF files: verified when a legal text is uploaded, again on
request, and for any PDF a clerk brings to the verification page (docs/signatures.md,
"Verification in eISO").

Fetching CRLs and OCSP answers can take seconds per signature, so a stored file is verified
by a Celery task after the commit (the page shows "Đang kiểm tra chữ ký số…" meanwhile);
the verification page and the API check the file they receive while the request waits, and
keep nothing but the audit row. Every verification, with its outcome, goes to the agency's
audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform import untrusted
from iso_platform.audit import here_record
from iso_platform.outbox.services import task_enqueue
from iso_platform.signing import trust_roots, verify_pdf
from iso_platform.signing.verify import MSG_ALL_VALID, SENTENCES, UNREACHABLE, signature_sentence
from quality.core.permissions import can
from quality.core.services import audit_record
from quality.documents.models import FileVerification, RevisionFile, SignatureCheck

logger = logging.getLogger(__name__)

PDF = "application/pdf"
MSG_NOT_PDF = gettext_noop("Chỉ kiểm tra được chữ ký số của tệp PDF.")
MSG_REQUESTED = gettext_noop("Đang kiểm tra chữ ký số…")

# What started a verification, in the audit row.
ON_UPLOAD, ON_REQUEST, ON_COPY, ON_PAGE, ON_API = "upload", "request", "copy", "page", "api"
# A file that arrived already checked (an edXML package: integrations/exchange).
ON_RECEIPT = "receipt"


# --------------------------------------------------------------------------- stored files


def file_verification_request(
    *, actor, record: RevisionFile, trigger: str = ON_REQUEST
) -> FileVerification:
    """Mark the file's signatures as being checked and queue the check (after the commit).

    The file does not change, but its stored verdict does: only people who may change
    documents ask (quality/core/permissions.py, "documents.verify").
    `actor` None: eISO itself (a file copied onto a new draft)."""
    if actor is not None and not can(actor, "documents.verify"):
        raise PermissionDenied("documents.verify")
    if record.content_type != PDF:
        raise ValidationError(_(MSG_NOT_PDF))
    with transaction.atomic():
        verification, created = FileVerification.objects.select_for_update().get_or_create(
            file=record, defaults={"requested_by": actor}
        )
        if not created:
            FileVerification.objects.filter(pk=verification.pk).update(
                status=SignatureCheck.PENDING,
                attempt=F("attempt") + 1,
                requested_by=actor,
                requested_at=timezone.now(),
            )
            verification.refresh_from_db()
        # Through the outbox, by the task's name (quality/documents/tasks.py imports this
        # module): queued with the file, even if the broker is down right now.
        task_enqueue(
            task=VERIFY_TASK,
            args=(verification.pk, verification.attempt, trigger),
        )
    return verification


VERIFY_TASK = "documents.file_signatures_verify"


def pdf_bytes_verify(data: bytes) -> dict:
    """Verify PDF bytes in hand against the province trust list now: the stored fields of a
    `FileVerification` (`report_outcome` or `refused_outcome`, and `trust_fingerprints`),
    in Vietnamese, the language of the record. For a caller that must decide on the verdict
    before it stores the file (a package that arrives), then keeps it with
    `file_verification_record`: one check, one verdict."""
    roots = trust_roots()
    with translation.override(settings.LANGUAGE_CODE):
        try:
            outcome = report_outcome(verify_pdf(data, trust_roots=roots))
        except untrusted.Refused as exc:
            outcome = refused_outcome(exc.as_json())
    return {**outcome, "trust_fingerprints": [root.sha256.hex() for root in roots]}


def file_verification_record(
    *, actor, record: RevisionFile, verdict: dict, trigger: str = ON_RECEIPT
) -> FileVerification:
    """Keep a verdict made on the file's bytes before they were stored (`pdf_bytes_verify`)
    as the file's verification, with its audit row; "Kiểm tra lại" checks it again like any
    other. Called inside the transaction that stores the file."""
    fields = {**verdict, "checked_at": timezone.now(), "requested_by": actor}
    with transaction.atomic():
        verification, created = FileVerification.objects.select_for_update().get_or_create(
            file=record, defaults=fields
        )
        if not created:
            # A newer attempt, so a run queued for an older one writes nothing.
            FileVerification.objects.filter(pk=verification.pk).update(
                attempt=F("attempt") + 1, requested_at=timezone.now(), **fields
            )
            verification.refresh_from_db()
        audit_record(
            actor=actor,
            action="signature_verify",
            subject=record,
            parent=record.revision.document,
            changes=_audit_changes(verdict, trigger, record.name, record.sha256),
        )
    return verification


def file_verification_run(*, verification_id: int, attempt: int, trigger: str) -> str | None:
    """Verify the stored file against the province trust list and keep the result, unless a
    newer request came meanwhile (its own run writes). Idempotent. Returns the status."""
    verification = (
        FileVerification.objects.select_related("file__revision__document", "requested_by")
        .filter(pk=verification_id)
        .first()
    )
    if verification is None or verification.attempt != attempt:
        return None
    record = verification.file
    roots = trust_roots()
    outcome = _verify_stored(record, roots)
    with transaction.atomic():
        written = FileVerification.objects.filter(pk=verification_id, attempt=attempt).update(
            checked_at=timezone.now(),
            trust_fingerprints=[root.sha256.hex() for root in roots],
            **outcome,
        )
        if not written:
            return None
        audit_record(
            actor=verification.requested_by,
            action="signature_verify",
            subject=record,
            parent=record.revision.document,
            changes=_audit_changes(outcome, trigger, record.name, record.sha256),
        )
    return outcome["status"]


def _verify_stored(record: RevisionFile, roots) -> dict:
    # Stored in Vietnamese, the language of the record; pages say it again in theirs.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            if record.size > settings.SIGNING_VERIFY_MAX_MB * untrusted.MB:
                raise untrusted.Refused(
                    "too_big",
                    size=round(record.size / untrusted.MB, 1),
                    limit=settings.SIGNING_VERIFY_MAX_MB,
                )
            with record.file.open("rb") as handle:
                report = verify_pdf(handle.read(), trust_roots=roots)
        except untrusted.Refused as exc:
            return refused_outcome(exc.as_json())
        except SoftTimeLimitExceeded:
            return refused_outcome({"code": "stopped", "params": {}})
        return report_outcome(report)


# --------------------------------------------------------------------------- any PDF


def pdf_verify(*, actor, upload, via: str, request=None) -> dict:
    """Verify a PDF brought by a person or a system, without keeping it: the outcome (the
    shape of `report_outcome`, or `refused_outcome` for a file that cannot be read). The
    audit row names the file by its SHA-256.

    A read, open to everyone who may read documents, the read-only role included: nothing
    of the agency changes and the answer goes to the asker only; the audit row records who
    checked which file, as a sign-in is recorded."""
    if not can(actor, "documents.view"):
        raise PermissionDenied("documents.view")
    name = (getattr(upload, "name", "") or "")[:200]
    data, outcome = b"", None
    try:
        limit = settings.SIGNING_VERIFY_MAX_MB
        if upload.size > limit * untrusted.MB:  # refused before reading it into memory
            raise untrusted.Refused(
                "too_big", size=round(upload.size / untrusted.MB, 1), limit=limit
            )
        upload.seek(0)
        data = upload.read()
        outcome = report_outcome(verify_pdf(data, trust_roots=trust_roots()))
    except untrusted.Refused as exc:
        outcome = refused_outcome(exc.as_json())
    here_record(
        action="signature_verify",
        subject_type="signature_check",
        subject_label=name,
        actor=actor,
        changes=_audit_changes(outcome, via, name, hashlib.sha256(data).hexdigest()),
        request=request,
    )
    return outcome


# --------------------------------------------------------------------------- outcomes


def report_outcome(report) -> dict:
    """A `VerificationReport` as stored and answered: status and sentence of the file,
    every signature as JSON."""
    signatures = [signature_json(s) for s in report.signatures]
    status, message = headline(signatures)
    return {
        "status": status,
        "message": message,
        "signatures": signatures,
        "refusal": {},
        "revocation_unreachable": any(s["revocation"] == UNREACHABLE for s in signatures),
    }


def refused_outcome(refusal: dict) -> dict:
    return {
        "status": SignatureCheck.REFUSED,
        "message": untrusted.refusal_message(refusal),
        "signatures": [],
        "refusal": refusal,
        "revocation_unreachable": False,
    }


def signature_json(result) -> dict:
    return {
        "field": result.field_name,
        "status": result.status,
        "message": result.message,
        "intact": result.intact,
        "trusted": result.trusted,
        "signer_name": result.signer_name,
        "signer_title": result.signer_title,
        "signer_organisation": result.signer_organisation,
        "signer_email": result.signer_email,
        "signing_time": result.signing_time.isoformat() if result.signing_time else None,
        "timestamped": result.timestamped,
        "timestamp_valid": result.timestamp_valid,
        "revocation": result.revocation,
        "problems": list(result.problems),
    }


def headline(signatures: list[dict]) -> tuple[str, str]:
    """The file's status and sentence, in the current language: the first signature that
    fails says why; all valid, the signer (one) or how many (several)."""
    if not signatures:
        return SignatureCheck.UNSIGNED, _(SENTENCES[SignatureCheck.UNSIGNED])
    bad = [s for s in signatures if s["status"] != SignatureCheck.VALID]
    if bad:
        return bad[0]["status"], sentence(bad[0])
    if len(signatures) == 1:
        return SignatureCheck.VALID, sentence(signatures[0])
    return SignatureCheck.VALID, _(MSG_ALL_VALID) % {"count": len(signatures)}


def sentence(signature: dict) -> str:
    """One stored signature's sentence, in the reader's language."""
    return signature_sentence(
        signature["status"],
        signer_name=signature.get("signer_name", ""),
        signer_title=signature.get("signer_title", ""),
        signing_time=signing_time(signature),
        revocation=signature.get("revocation", ""),
    )


def displayed(signatures: list[dict]) -> list[dict]:
    """Each signature with its sentence (reader's language) and its time, for the pages."""
    return [{**s, "sentence": sentence(s), "time": signing_time(s)} for s in signatures]


def signing_time(signature: dict) -> dt.datetime | None:
    value = signature.get("signing_time")
    return timezone.localtime(dt.datetime.fromisoformat(value)) if value else None


def _audit_changes(outcome: dict, trigger: str, name: str, sha256: str) -> dict:
    return {
        "trigger": trigger,
        "file": name,
        "sha256": sha256,
        "status": str(outcome["status"]),
        "message": outcome["message"],
        "signers": [s["signer_name"] for s in outcome["signatures"]],
    }
