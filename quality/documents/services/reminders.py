"""Reminders: documents due for periodic review, acknowledgements still outstanding.

Each reminder is a notification with a key, so a beat run creates it once; the e-mail
goes out once too (`emailed_at`). Runs inside one agency's schema.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from iso_platform.accounts.models import Role, User
from quality.core.models import AgencySettings
from quality.core.services import notifications_email, notify_once
from quality.documents.models import Acknowledgement, Document, DocumentStatus


def reminders_send(*, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    config = AgencySettings.load()
    created = _review_reminders(today, config) + _acknowledgement_reminders(today, config)
    emailed = _email_pending()
    return {"notifications": created, "emails": emailed}


def _review_reminders(today, config) -> int:
    horizon = today + datetime.timedelta(days=config.review_reminder_days)
    due = Document.objects.filter(
        status=DocumentStatus.IN_FORCE, next_review_on__lte=horizon
    ).select_related("unit__head")
    secretaries = list(User.objects.filter(role=Role.ISO_SECRETARY, is_active=True))
    count = 0
    for document in due:
        people = set(secretaries) | (
            {document.unit.head} if document.unit and document.unit.head else set()
        )
        overdue = document.next_review_on <= today
        title = (
            _("Quá hạn xem xét định kỳ: %(code)s")
            if overdue
            else _("Sắp đến hạn xem xét định kỳ: %(code)s")
        ) % {"code": document.code}
        for person in people:
            key = f"review:{document.pk}:{document.next_review_on:%Y%m%d}:{int(overdue)}"
            body = _("%(title)s — hạn %(date)s") % {
                "title": document.title,
                "date": document.next_review_on.strftime("%d/%m/%Y"),
            }
            count += bool(
                notify_once(
                    user=person, key=key, title=title, body=body, url=f"/documents/{document.pk}/"
                )
            )
    return count


def _acknowledgement_reminders(today, config) -> int:
    cutoff = timezone.now() - datetime.timedelta(days=config.acknowledgement_reminder_days)
    pending = Acknowledgement.objects.filter(
        acknowledged_at__isnull=True, distributed_at__lte=cutoff, revision__status="issued"
    ).select_related("user", "revision__document")
    count = 0
    for ack in pending:
        document = ack.revision.document
        count += bool(
            notify_once(
                user=ack.user,
                key=f"ack-remind:{ack.pk}",
                title=_("Nhắc xác nhận đã đọc: %(code)s") % {"code": document.code},
                body=document.title,
                url=f"/documents/{document.pk}/",
            )
        )
    return count


def _email_pending() -> int:
    return notifications_email(r"^(review|ack-remind):")
