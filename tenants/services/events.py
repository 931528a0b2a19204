"""The platform operations log of each agency (public schema).

Every entry is also appended to the platform audit log (`iso_platform.audit`), in the
same transaction; with `agency_trail=True` it is copied into the agency's own trail too
(the operations that change what the agency's people see: suspended, merged, exported...).
Each entry is then announced (`tenants.signals.agency_event`) for the layers above to react.
"""

from __future__ import annotations

from iso_platform import audit
from tenants.models import Agency, AgencyEvent
from tenants.signals import agency_event


def record(
    *,
    agency: Agency,
    action: str,
    actor=None,
    detail: dict | None = None,
    agency_trail: bool = False,
) -> AgencyEvent:
    event = AgencyEvent.objects.create(
        agency=agency,
        action=action,
        actor=actor,
        actor_label=getattr(actor, "email", "") if actor else "system",
        detail=detail or {},
    )
    subject = {"subject_type": "agency", "subject_id": agency.code, "subject_label": agency.name}
    audit.platform_record(action=action, actor=actor, agency=agency, changes=detail, **subject)
    if agency_trail:
        audit.agency_trail_record(
            agency=agency, action=action, actor=actor, changes=detail, **subject
        )
    agency_event.send(sender=Agency, agency=agency, action=action, actor=actor, detail=event.detail)
    return event
