"""What the tenancy layer announces, for higher layers to react to (billing, statistics...)
without tenants importing them.

`agency_event` is sent for every entry of an agency's operations log
(`tenants.services.events.record`): provisioned, suspended, archived, merged_into,
merged_in, split_out, split_from... Receivers run inside the transaction that wrote the
entry, so what they write commits (or rolls back) with the operation itself; whatever
must wait for the commit (an e-mail, a task) they queue with `transaction.on_commit`.

    agency_event.send(sender=Agency, agency=agency, action="merged_into", actor=user_or_None,
                      detail={"target": "alpha", ...})
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: agency (Agency), action (str), actor (a provincial user or None), detail (dict)
agency_event = Signal()
