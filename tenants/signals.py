"""What the tenancy layer announces about agencies, for the layers above to react to (billing,
onboarding, statistics), each subscribing in its own AppConfig.ready: tenants imports none
of them.

Receivers run synchronously inside the sender's transaction, so what they write commits (or
rolls back) with the operation itself; whatever must wait for the commit (an e-mail, a task)
they queue with `transaction.on_commit`. An exception undoes the operation, so receivers
that only follow catch their own errors.
"""

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

# Every entry of an agency's operations log (`tenants.services.events.record`): provisioned,
# suspended, archived, merged_into, merged_in, split_out, split_from...
# kwargs: agency (Agency), action (str), actor (a provincial user or None), detail (dict).
#
#     agency_event.send(sender=Agency, agency=agency, action="merged_into", actor=user_or_None,
#                       detail={"target": "alpha", ...})
agency_event = Signal()

# A fleet operation (merge, split, import, restore) rewrote these agencies' rows with plain
# SQL, and has committed. kwargs: schemas (list of schema names). The statistics recount.
agencies_rewritten = Signal()
