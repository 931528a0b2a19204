"""Billing's reactions to what the tenancy layer announces (tenants.signals), connected in
BillingConfig.ready: tenants never imports billing."""

from __future__ import annotations

from billing.services.subscriptions import subscription_end_merged


def agency_event_received(sender, *, agency, action, actor=None, detail=None, **kwargs):
    if action == "merged_into":
        # The merged agency's subscription ends in the merge's own transaction.
        subscription_end_merged(agency=agency, into=(detail or {}).get("target", ""), by=actor)
