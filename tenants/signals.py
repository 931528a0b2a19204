"""What tenants announces about agencies, for the layers above to react to (each subscribes in
its own AppConfig.ready). Receivers run synchronously in the sender's transaction: an
exception undoes the operation, so receivers that only follow catch their own errors."""

from __future__ import annotations

from django.dispatch import Signal

# A new agency's schema is in use (inside the provisioning transaction) and its first
# administrator exists. kwargs: agency. Receivers add the starting content of their layer
# (onboarding: the framework-model template pack).
agency_seeding = Signal()

# A new agency exists (public schema, inside the provisioning transaction). kwargs: agency,
# plan_code (or None: the default plan), by (who asked, or None). Billing opens its
# subscription.
agency_provisioned = Signal()

# A fleet operation (merge, split, import, restore) rewrote these agencies' rows with plain
# SQL, and has committed. kwargs: schemas (list of schema names). The statistics recount.
agencies_rewritten = Signal()
