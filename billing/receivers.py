"""How billing reacts to what the layers below announce (connected in BillingConfig.ready)."""

from __future__ import annotations

from iso_platform.current import current_agency


def quota_requested(sender, *, resource: str, adding: int, **_kwargs) -> None:
    """A plan with hard limits refuses people or storage beyond what it includes."""
    from billing.services.limits import check

    check(current_agency(), resource, adding=adding)
