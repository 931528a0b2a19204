"""Packages this agency sends: an issued ISO decision (issuing or withdrawing a document) or
any issued document, to recipients from the agency's list, through the province's platform.

Sending is two steps. `package_send` writes the package, its log line, one delivery per
recipient and the outbox message in one transaction. `sending_attempt` (a Celery task per
attempt, queued through the outbox) hands it to the platform through the guarded client; a
failure is retried after `EXCHANGE_RETRY_SCHEDULE`, and past the schedule at its last
interval, forever: a package is never dropped (beat's sweep re-queues any that a lost worker
left). Status messages coming back move each delivery forward (`delivery_status_apply`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from integrations.exchange import connector, doctypes, edxml
from integrations.exchange.models import (
    DELIVERY_ORDER,
    Delivery,
    DeliveryStatus,
    Direction,
    ExchangeMessage,
    Kind,
    LogStatus,
    PollState,
    Recipient,
    Sending,
)
from integrations.exchange.services import health
from integrations.exchange.services.connection import connection_in_force
from iso_platform import audit
from iso_platform.current import current_agency
from iso_platform.official import render_pdf
from iso_platform.outbox.services import task_enqueue
from quality.core.models import OutgoingDocument
from quality.core.official import official_issuer, official_signer, outgoing_entry
from quality.core.permissions import can
from quality.documents import decisions
from quality.documents.models import Document, RevisionStatus

logger = logging.getLogger(__name__)

TASK = "integrations.exchange_send"
CLAIM_SECONDS = 120

ISSUE, WITHDRAWAL, DOCUMENT = "issue", "withdrawal", "document"
MSG_FORBIDDEN = gettext_noop("Chỉ người quản lý tài liệu mới gửi được văn bản liên thông.")
MSG_NO_IDENTIFIER = gettext_noop(
    "Cơ quan chưa có mã định danh điện tử nên chưa gửi được văn bản liên thông."
)
MSG_NO_RECIPIENTS = gettext_noop("Hãy chọn ít nhất một nơi nhận trong danh sách của cơ quan.")
MSG_NOT_NUMBERED = gettext_noop(
    "Quyết định chưa có số trong sổ văn bản đi: chỉ gửi được quyết định đã ban hành."
)
MSG_NO_FILE = gettext_noop(
    "Tài liệu đang hiệu lực chưa có tệp PDF để gửi; hãy tải tệp PDF lên bản đang hiệu lực."
)
MSG_NOT_SENDABLE = gettext_noop(
    "Chỉ gửi được tài liệu đang hiệu lực hoặc đã thu hồi kèm quyết định."
)
MSG_NOT_CONFIGURED = gettext_noop(
    "Chưa cấu hình kết nối tới nền tảng liên thông của tỉnh; gói tin sẽ được gửi khi có kết nối."
)
MSG_STATUS = gettext_noop("%(recipient)s: %(status)s")


@dataclass(frozen=True)
class Outgoing:
    """What goes into the package header, and the PDF attached."""

    number: str
    notation: str
    promulgated_on: dt.date
    subject: str
    type_name: str
    signer_name: str
    signer_position: str
    pdf_name: str
    pdf: bytes
    type_code: str = ""  # DocumentType/Type: doctypes.CODES, empty while unconfirmed


# --------------------------------------------------------------------------- the attachment


def decision_pdf(decision) -> bytes:
    """The PDF attached to an outgoing decision.

    The one place to switch to the signed file: once quality.documents keeps the signed PDF
    of a decision, return it here (and fall back to rendering only when there is none).
    """
    return render_pdf(decision)


def document_pdf(document: Document) -> tuple[str, bytes]:
    """The PDF of the revision in force (the agency's own file), or ValidationError."""
    revision = document.current_revision
    files = revision.files.filter(content_type="application/pdf") if revision else []
    first = files.first() if revision else None
    if first is None:
        raise ValidationError(_(MSG_NO_FILE))
    with first.file.open("rb") as handle:
        return first.name, handle.read()


def _split_number(number: str) -> tuple[str, str]:
    """ "12/QĐ-SKHCN" -> ("12", "QĐ-SKHCN")."""
    head, sep, tail = number.partition("/")
    return (head, tail) if sep and head.isdigit() else ("", number)


def _from_entry(entry: OutgoingDocument, decision, name: str) -> Outgoing:
    number, notation = _split_number(entry.number)
    signer = official_signer()
    kind = doctypes.outgoing(decisions.DECISION_KIND)
    return Outgoing(
        number=number,
        notation=notation,
        promulgated_on=entry.issued_on,
        subject=entry.summary or decision.subject,
        type_name=kind.type_name,
        type_code=kind.type_code,
        signer_name=signer.name,
        signer_position=signer.position,
        pdf_name=f"{name}.pdf",
        pdf=decision_pdf(decision),
    )


def outgoing_of(document: Document, what: str) -> Outgoing:
    """The header and PDF of what the agency chose to send about `document`."""
    revision = document.current_revision
    if what == ISSUE and revision and revision.status == RevisionStatus.ISSUED:
        entry = outgoing_entry(subject=revision, kind=decisions.DECISION_KIND)
        if entry is None:
            raise ValidationError(_(MSG_NOT_NUMBERED))
        return _from_entry(entry, decisions.issue_decision(revision), "quyet-dinh-ban-hanh")
    if what == WITHDRAWAL and revision is not None:
        entry = outgoing_entry(subject=document, kind=decisions.DECISION_KIND)
        if entry is None:
            raise ValidationError(_(MSG_NOT_NUMBERED))
        return _from_entry(entry, decisions.withdrawal_decision(document), "quyet-dinh-bai-bo")
    if what == DOCUMENT and revision and revision.status == RevisionStatus.ISSUED:
        name, pdf = document_pdf(document)
        approver = revision.approved_by
        return Outgoing(
            number="",
            notation=document.code,
            promulgated_on=timezone.localdate(revision.approved_at or timezone.now()),
            subject=revision.title,
            type_name=document.get_doc_type_display(),
            signer_name=approver.full_name if approver else "",
            signer_position=official_signer().position,
            pdf_name=name,
            pdf=pdf,
        )
    raise ValidationError(_(MSG_NOT_SENDABLE))


# --------------------------------------------------------------------------- sending


def _recipients(codes) -> list[Recipient]:
    chosen = list(Recipient.objects.filter(active=True, identifier__in=list(codes or [])))
    if not chosen:
        raise ValidationError({"recipients": _(MSG_NO_RECIPIENTS)})
    return chosen


@transaction.atomic
def package_send(*, actor, document: Document, what: str, recipients) -> ExchangeMessage:
    """Write the package for the chosen recipients and queue it for the platform."""
    if not can(actor, "documents.manage"):
        raise PermissionDenied(_(MSG_FORBIDDEN))
    agency = current_agency()
    if not agency.identifier:
        raise ValidationError(_(MSG_NO_IDENTIFIER))
    chosen = _recipients(recipients)
    outgoing = outgoing_of(document, what)
    package = _package(agency, official_issuer(), outgoing, chosen)
    data = edxml.write_package(package)
    log = ExchangeMessage(
        direction=Direction.OUT,
        kind=Kind.PACKAGE,
        package_id=package.document_id,
        sender_code=agency.identifier,
        sender_name=agency.name,
        recipient_codes=", ".join(r.identifier for r in chosen)[:500],
        symbol=package.symbol[:120],
        subject=package.subject[:1000],
        type_code=package.type_code[:20],
        type_name=package.type_name[:100],
        status=LogStatus.QUEUED,
        channel="page",
        digest=_digest(data),
        size=len(data),
        document=document,
        actor=actor,
    )
    log.package_file.save(f"{log.digest}.xml", ContentFile(data), save=False)
    log.save()
    Delivery.objects.bulk_create(
        [Delivery(message=log, recipient_code=r.identifier, recipient_name=r.name) for r in chosen]
    )
    Sending.objects.create(message=log)
    task_enqueue(task=TASK, args=[log.pk])
    audit.here_record(
        action="exchange_send",
        actor=actor,
        subject_type="document",
        subject_id=document.pk,
        subject_label=str(document),
        changes={"package": package.document_id, "what": what, "to": log.recipient_codes},
    )
    return log


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _package(agency, issuer, outgoing: Outgoing, chosen: list[Recipient]) -> edxml.Package:
    symbol = f"{outgoing.number}/{outgoing.notation}" if outgoing.number else outgoing.notation
    # Unique per sending: the same decision sent again later is another package.
    document_id = edxml.default_document_id(
        agency.identifier, outgoing.promulgated_on, f"{symbol}#{uuid.uuid4().hex[:8]}"
    )
    return edxml.Package(
        sender=edxml.Party(agency.identifier, issuer.agency or agency.name),
        recipients=[edxml.Party(r.identifier, r.name) for r in chosen],
        number=outgoing.number,
        notation=outgoing.notation,
        promulgated_on=outgoing.promulgated_on,
        place=issuer.place,
        subject=outgoing.subject,
        type_name=outgoing.type_name,
        type_code=outgoing.type_code,
        signer_name=outgoing.signer_name,
        signer_position=outgoing.signer_position,
        document_id=document_id,
        sent_at=timezone.now(),
        attachments=[edxml.Attachment(outgoing.pdf_name, "application/pdf", outgoing.pdf)],
    )


def _delay(attempts: int) -> int:
    schedule = settings.EXCHANGE_RETRY_SCHEDULE
    return schedule[min(attempts, len(schedule)) - 1]


def sending_attempt(*, message_id: int, now=None) -> str:
    """One attempt: "sent", "retry", or why not now ("done", "busy", "early")."""
    now = now or timezone.now()
    with transaction.atomic():
        sending = (
            Sending.objects.select_for_update(skip_locked=True)
            .select_related("message")
            .filter(message_id=message_id)
            .first()
        )
        why = _not_now(sending, now)
        if why:
            return why
        sending.claimed_until = now + dt.timedelta(seconds=CLAIM_SECONDS)
        sending.save(update_fields=["claimed_until"])
        with sending.message.package_file.open("rb") as handle:
            data = handle.read()
    error, status = _hand_over(data)
    outcome = _record(message_id, error, status)
    health.backlog_refresh()
    return outcome


def _not_now(sending: Sending | None, now) -> str:
    if sending is None:
        return "busy"
    if sending.done_at is not None:
        return "done"
    if sending.claimed_until and sending.claimed_until > now:
        return "busy"
    if sending.next_attempt_at > now + dt.timedelta(seconds=1):
        return "early"
    return ""


def _hand_over(data: bytes) -> tuple[str, int | None]:
    target = connection_in_force()
    if target is None:
        return _(MSG_NOT_CONFIGURED), None
    try:
        status = connector.package_post(target, data)
    except connector.PlatformError as exc:
        logger.info("exchange: the platform did not take a package: %s %s", exc, exc.detail)
        if not isinstance(exc, connector.PackageRefused):  # the backlog shows that one
            health.outcome_record(error=str(exc), status=exc.status)
        return str(exc), exc.status
    health.outcome_record()
    return "", status


def _record(message_id: int, error: str, status: int | None) -> str:
    now = timezone.now()
    with transaction.atomic():
        sending = (
            Sending.objects.select_for_update().select_related("message").get(message_id=message_id)
        )
        sending.attempts += 1
        sending.claimed_until, sending.last_http_status = None, status
        sending.last_error = error[:500]
        if not error:
            sending.done_at = now
            sending.save()
            ExchangeMessage.objects.filter(pk=message_id).update(status=LogStatus.SENT, reason="")
            sending.message.deliveries.filter(status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.SENT, status_at=now
            )
            return "sent"
        delay = _delay(sending.attempts)
        sending.next_attempt_at = now + dt.timedelta(seconds=delay)
        sending.save()
        ExchangeMessage.objects.filter(pk=message_id).update(reason=error[:1000])
        task_enqueue(task=TASK, args=[message_id], delay=delay)
    return "retry"


def sendings_requeue(now=None) -> int:
    """Safety net (beat): packages whose queued attempt was lost with a worker."""
    now = now or timezone.now()
    stale = Sending.objects.filter(
        done_at__isnull=True, next_attempt_at__lt=now - dt.timedelta(minutes=2)
    ).exclude(claimed_until__gt=now)
    count = 0
    for sending in stale[:200]:
        task_enqueue(task=TASK, args=[sending.message_id])
        count += 1
    return count


# --------------------------------------------------------------------------- status messages


def delivery_status_apply(*, status: edxml.StatusMessage) -> str | None:
    """Move the delivery the status is about; the sentence for the log, or None when this
    agency sent no such package to the status's sender (in the caller's transaction)."""
    delivery = (
        Delivery.objects.select_for_update()
        .filter(
            message__direction=Direction.OUT,
            message__package_id=status.document_id,
            recipient_code=status.sender.identifier,
        )
        .first()
    )
    if delivery is None:
        return None
    new = DeliveryStatus(status.status)
    current = DeliveryStatus(delivery.status)
    forward = new == DeliveryStatus.REFUSED or (
        current != DeliveryStatus.REFUSED
        and DELIVERY_ORDER.index(new) > DELIVERY_ORDER.index(current)
    )
    if forward:
        delivery.status, delivery.status_at = new, status.timestamp or timezone.now()
        delivery.status_note = (status.description or "")[:500]
        delivery.save(update_fields=["status", "status_at", "status_note"])
    return _(MSG_STATUS) % {
        "recipient": delivery.recipient_name or delivery.recipient_code,
        "status": new.label,
    }


def statuses_poll() -> int:
    """Fetch the status messages waiting on the platform for this agency and apply them."""
    # Imported here: inbound imports this module for delivery_status_apply.
    from integrations.exchange.services.inbound import message_receive

    target, agency = connection_in_force(), current_agency()
    if target is None or not agency or not agency.identifier:
        return 0
    state = PollState.load()
    try:
        messages, cursor = connector.statuses_fetch(target, agency.identifier, state.cursor)
    except connector.PlatformError as exc:
        PollState.objects.filter(pk=state.pk).update(
            polled_at=timezone.now(), last_error=str(exc)[:500]
        )
        health.outcome_record(error=str(exc), status=exc.status)
        return 0
    health.outcome_record()
    for data in messages:
        message_receive(data=data, channel="platform")
    PollState.objects.filter(pk=state.pk).update(
        cursor=max(cursor, state.cursor), polled_at=timezone.now(), last_error=""
    )
    return len(messages)
