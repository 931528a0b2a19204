"""What happened in an agency's quality system, announced for the layers above (webhooks in
`integrations`), which subscribe in their AppConfig.ready: the areas import none of them.

`event_announce()` sends `qms_event` inside the caller's transaction, so a reaction that
writes rows commits (or rolls back) with the change itself. Receivers only follow: they
catch their own errors (a failed webhook must never undo an issued document).

kwargs of `qms_event`: type (str, "document.issued"), subject (str, "document:12": the
thing whose events must reach a subscriber in order), data (dict of JSON values),
occurred_at (aware datetime).

Types announced today, by whom:

- `document.issued`, `document.withdrawn`: quality.documents (services/documents.py)
- `nonconformity.opened`, `nonconformity.overdue`, `nonconformity.closed`: quality.improvement
  (and quality.procedures, for the nonconformity of a late application)
- `application.late`: quality.procedures (an open application past its due date)
- `annual_report.submitted`: quality.reviews
"""

from __future__ import annotations

from django.dispatch import Signal
from django.utils import timezone

qms_event = Signal()


def event_announce(*, type: str, subject: str, data: dict, occurred_at=None) -> None:  # noqa: A002
    qms_event.send(
        sender=None,
        type=type,
        subject=subject,
        data=data,
        occurred_at=occurred_at or timezone.now(),
    )
