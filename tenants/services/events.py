"""The platform operations log of each agency (public schema)."""

from __future__ import annotations

from tenants.models import Agency, AgencyEvent


def record(*, agency: Agency, action: str, actor=None, detail: dict | None = None) -> AgencyEvent:
    return AgencyEvent.objects.create(
        agency=agency,
        action=action,
        actor=actor,
        actor_label=getattr(actor, "email", "") if actor else "system",
        detail=detail or {},
    )
