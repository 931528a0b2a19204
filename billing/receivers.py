"""How billing reacts to what the layers below announce (connected in BillingConfig.ready)."""

from __future__ import annotations

from iso_platform.current import current_agency


def quota_requested(sender, *, resource: str, adding: int, **_kwargs) -> None:
    """A plan with hard limits refuses people or storage beyond what it includes."""
    from billing.services.limits import check

    check(current_agency(), resource, adding=adding)


def agency_provisioned(sender, *, agency, plan_code=None, by=None, **_kwargs) -> None:
    """A new agency's subscription, in the transaction that creates the agency."""
    from billing.services.seed import subscription_for_new_agency

    subscription_for_new_agency(agency=agency, plan_code=plan_code, by=by)
