"""How billing reacts to what the layers below announce (connected in BillingConfig.ready,
once the models are loaded): tenants and the kernel never import billing."""

from __future__ import annotations

from django.utils.translation import gettext as _

from billing.services.dunning import MSG_READ_ONLY, is_read_only
from billing.services.limits import check
from billing.services.seed import subscription_for_new_agency
from billing.services.subscriptions import subscription_end_merged
from iso_platform.current import current_agency
from tenants.guards import Refusal


def quota_requested(sender, *, resource: str, adding: int, **_kwargs) -> None:
    """A plan with hard limits refuses people or storage beyond what it includes."""
    check(current_agency(), resource, adding=adding)


def agency_provisioned(sender, *, agency, plan_code=None, by=None, **_kwargs) -> None:
    """A new agency's subscription, in the transaction that creates the agency."""
    subscription_for_new_agency(agency=agency, plan_code=plan_code, by=by)


def agency_event_received(sender, *, agency, action, actor=None, detail=None, **kwargs):
    if action == "merged_into":
        # The merged agency's subscription ends in the merge's own transaction.
        subscription_end_merged(agency=agency, into=(detail or {}).get("target", ""), by=actor)


def dunning_guard(agency) -> Refusal | None:
    """An agency suspended for an overdue invoice serves read-only."""
    if not is_read_only(agency.pk):
        return None
    return Refusal(_(MSG_READ_ONLY), {"billing": "suspended"})
