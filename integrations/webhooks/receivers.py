"""Reactions to what the layers below announce: each becomes an outgoing event.

They run inside the announcer's transaction and only follow: a savepoint keeps a failure
here from undoing the document, the nonconformity or the agency it is about.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from integrations.webhooks import catalogue
from integrations.webhooks.services import event_publish

logger = logging.getLogger(__name__)


def _publish(**kwargs) -> None:
    try:
        with transaction.atomic():
            event_publish(**kwargs)
    except Exception:
        logger.exception("outgoing event %s not queued", kwargs.get("type_"))


def qms_event_received(sender, *, type, subject, data, occurred_at, **kwargs):  # noqa: A002
    _publish(type_=type, subject=subject, data=data, occurred_at=occurred_at)


def _agency_data(agency, **extra) -> dict:
    return {
        "agency": {
            "code": agency.code,
            "name": agency.name,
            "kind": agency.kind,
            "status": agency.status,
            **extra,
        },
        "url": f"/agencies/{agency.code}/",
    }


def _province_publish(type_: str, agency, **extra) -> None:
    # Province-level events go to the province's subscriptions, in the public schema,
    # whatever schema the operation had selected.
    with schema_context(get_public_schema_name()):
        _publish(
            type_=type_,
            subject=f"agency:{agency.code}",
            data=_agency_data(agency, **extra),
            occurred_at=timezone.now(),
            agency=None,
        )


def agency_provisioned(sender, *, agency, **kwargs):
    _province_publish("agency.provisioned", agency, url=getattr(agency, "url", ""))


def agency_event_received(sender, *, agency, action, detail=None, **kwargs):
    type_ = catalogue.AGENCY_ACTIONS.get(action)
    if type_ is not None:
        _province_publish(type_, agency, detail=detail or {})
