"""The agency's list of recipients for outgoing packages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from integrations.exchange.models import Recipient
from quality.core.permissions import can
from quality.core.services import audit_record


def _require(actor) -> None:
    if not can(actor, "documents.manage"):
        raise PermissionDenied("documents.manage")


@transaction.atomic
def recipient_add(*, actor, identifier: str, name: str) -> Recipient:
    _require(actor)
    recipient = Recipient.objects.create(identifier=identifier, name=name.strip())
    audit_record(actor=actor, action="exchange_recipient_add", subject=recipient)
    return recipient


@transaction.atomic
def recipient_set_active(*, actor, recipient: Recipient, active: bool) -> Recipient:
    _require(actor)
    recipient.active = active
    recipient.save(update_fields=["active"])
    audit_record(
        actor=actor,
        action="exchange_recipient_active",
        subject=recipient,
        changes={"active": active},
    )
    return recipient
