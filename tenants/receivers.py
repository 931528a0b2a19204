"""How tenants reacts to what the kernel announces (connected in TenantsConfig.ready)."""

from __future__ import annotations

from iso_platform.accounts.invitations import ADMIN_EVENT
from iso_platform.current import current_agency
from tenants.models import AgencyEvent


def first_admin_invitation(sender, *, user, state: str, invitation=None, by="", **_kwargs):
    """Mirror the first administrator's invitation into the public operations log, so the
    console follows it without entering the agency's schema."""

    agency = current_agency()
    if agency is None:
        return
    AgencyEvent.objects.create(
        agency=agency,
        action=ADMIN_EVENT,
        actor=None,  # people of an agency schema are not rows of the public user table
        actor_label=(by or "system")[:254],
        detail={
            "state": state,
            "email": user.email,
            "expires_at": invitation.expires_at.isoformat() if invitation else None,
        },
    )
