"""The decisions that issue and withdraw a controlled document (Quyết định ban hành, Quyết
định bãi bỏ), in the decision layout of Decree 30/2020/NĐ-CP: the authority, the legal basis,
"QUYẾT ĐỊNH:" and the articles.

Each is numbered in the register of outgoing documents (kind QĐ) in the transaction that
issues or withdraws (`decision_number_issue`, `decision_number_withdrawal`); until then a
download is a draft with dots for its number. The issue decision's register line names the
revision it issues; the withdrawal's names the document, which is withdrawn once and for
all (its revision in force at that time is the one withdrawn).
"""

from __future__ import annotations

from django.utils import timezone

from iso_platform.official import Article, Basis, Centered, OfficialDocument
from quality.core.models import AuditEvent
from quality.core.official import (
    QMS_BASES,
    authority_line,
    day_text,
    official_issuer,
    official_signer,
    outgoing_entry,
)
from quality.core.services import outgoing_number_allocate
from quality.core.signatures.services import SigningSecrets, official_sign
from quality.documents.models import Document, Revision

DECISION_KIND = "QĐ"
RECIPIENTS = ["Như Điều 3"]


def _named(document: Document, revision: Revision) -> str:
    return f"{document.code} “{revision.title}”"


def issue_subject(revision: Revision) -> str:
    return f"Về việc ban hành tài liệu {revision.document.code} {revision.title}"


def withdrawal_subject(document: Document) -> str:
    return f"Về việc bãi bỏ tài liệu {document.code} {document.title}"


def decision_number_issue(*, revision: Revision) -> str:
    """Number the issue decision of `revision` (inside the issuing transaction)."""
    return outgoing_number_allocate(
        kind=DECISION_KIND,
        on=timezone.localdate(),
        subject=revision,
        summary=issue_subject(revision),
    )


def decision_number_withdrawal(*, document: Document) -> str:
    """Number the withdrawal decision of `document` (inside the withdrawing transaction)."""
    return outgoing_number_allocate(
        kind=DECISION_KIND,
        on=timezone.localdate(),
        subject=document,
        summary=withdrawal_subject(document),
    )


def decision_sign_issue(*, actor, revision: Revision, signing: SigningSecrets | None):
    """Sign the numbered issue decision (inside the issuing transaction)."""
    return official_sign(
        actor=actor,
        subject=revision,
        kind=DECISION_KIND,
        document=issue_decision(revision),
        reason=issue_subject(revision),
        secrets=signing,
    )


def decision_sign_withdrawal(*, actor, document: Document, signing: SigningSecrets | None):
    """Sign the numbered withdrawal decision (inside the withdrawing transaction)."""
    return official_sign(
        actor=actor,
        subject=document,
        kind=DECISION_KIND,
        document=withdrawal_decision(document),
        reason=withdrawal_subject(document),
        secrets=signing,
    )


def _preamble(document: Document) -> list:
    issuer, signer = official_issuer(), official_signer()
    body = [Centered(authority_line(issuer, signer)), *(Basis(line) for line in QMS_BASES)]
    if document.unit_id:
        body.append(Basis(f"Theo đề nghị của {document.unit.name}."))
    return [*body, Centered("QUYẾT ĐỊNH:")]


def _responsible(document: Document) -> Article:
    who = f"{document.unit.name}, các" if document.unit_id else "Các"
    return Article(
        "Điều 3.", f"{who} đơn vị, cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này."
    )


def _decision(subject: str, body: list, entry) -> OfficialDocument:
    return OfficialDocument(
        issuer=official_issuer(),
        kind=DECISION_KIND,
        subject=subject,
        body=body,
        recipients=RECIPIENTS,
        signer=official_signer(),
        number=entry.number if entry else "",
        issued_on=entry.issued_on if entry else None,
    )


def _in_force(revision: Revision, issued_on) -> str:
    text = "Quyết định này có hiệu lực kể từ ngày ký"
    previous = Revision.objects.filter(superseded_by=revision).first()
    if previous is not None and previous.issue_number:
        text += f" và thay thế tài liệu {revision.document.code} lần ban hành "
        text += str(previous.issue_number)
    text += "."
    starts = revision.effective_on
    if starts and issued_on and starts > issued_on:
        text += f" Tài liệu được áp dụng kể từ {day_text(starts)}."
    return text


def issue_decision(revision: Revision) -> OfficialDocument:
    """The decision that issues `revision`; a draft until the revision is issued."""
    document = revision.document
    entry = outgoing_entry(subject=revision, kind=DECISION_KIND)
    what = _named(document, revision)
    if revision.issue_number:
        what += f", lần ban hành {revision.issue_number}"
    body = [
        *_preamble(document),
        Article("Điều 1.", f"Ban hành kèm theo Quyết định này tài liệu {what}."),
        Article("Điều 2.", _in_force(revision, entry.issued_on if entry else None)),
        _responsible(document),
    ]
    return _decision(issue_subject(revision), body, entry)


def _withdrawal_reason(document: Document) -> str:
    event = (
        AuditEvent.objects.filter(
            action="withdraw", subject_type="document", subject_id=str(document.pk)
        )
        .order_by("-at")
        .first()
    )
    return ((event.changes or {}).get("reason") or "").strip() if event else ""


def withdrawal_decision(document: Document) -> OfficialDocument:
    """The decision that withdraws `document`; a draft until it is withdrawn."""
    revision = document.current_revision
    entry = outgoing_entry(subject=document, kind=DECISION_KIND)
    what = _named(document, revision)
    if revision.issue_number:
        what += f", lần ban hành {revision.issue_number}"
    issued = outgoing_entry(subject=revision, kind=DECISION_KIND)
    if issued is not None:
        what += f", ban hành kèm theo Quyết định số {issued.number} {day_text(issued.issued_on)}"
    first = f"Bãi bỏ tài liệu {what}."
    reason = _withdrawal_reason(document) if entry else ""
    if reason:
        first += f" Lý do: {reason.rstrip('.')}."
    body = [
        *_preamble(document),
        Article("Điều 1.", first),
        Article("Điều 2.", "Quyết định này có hiệu lực kể từ ngày ký."),
        _responsible(document),
    ]
    return _decision(withdrawal_subject(document), body, entry)
