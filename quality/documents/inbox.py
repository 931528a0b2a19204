"""What waits for a person in this area, for the one inbox ("Việc của tôi", the API);
registered in the area's AppConfig.ready."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from quality.core.inbox import Item
from quality.core.models import AgencySettings
from quality.core.permissions import can
from quality.documents.models import Document, DocumentStatus
from quality.documents.selectors import my_pending_acknowledgements, review_inbox


def _documents(user, today):
    area = _("Tài liệu")
    inbox = review_inbox(user)
    items = [
        Item(
            area,
            "journal-text",
            _("Kiểm tra: %(code)s — %(title)s") % {"code": r.document.code, "title": r.title},
            f"/documents/{r.document_id}/",
            kind="document_review",
        )
        for r in inbox["to_review"][:50]
    ]
    items += [
        Item(
            area,
            "journal-check",
            _("Phê duyệt: %(code)s — %(title)s") % {"code": r.document.code, "title": r.title},
            f"/documents/{r.document_id}/",
            kind="document_approve",
        )
        for r in inbox["to_approve"][:50]
    ]
    items += [
        Item(
            area,
            "book",
            _("Đọc và xác nhận: %(code)s — %(title)s")
            % {"code": a.revision.document.code, "title": a.revision.title},
            f"/documents/{a.revision.document_id}/",
            kind="document_read",
        )
        for a in my_pending_acknowledgements(user)[:50]
    ]
    if can(user, "documents.manage"):
        horizon = today + dt.timedelta(days=AgencySettings.load().review_reminder_days)
        due = Document.objects.filter(
            status=DocumentStatus.IN_FORCE, next_review_on__lte=horizon
        ).order_by("next_review_on")[:50]
        items += [
            Item(
                area,
                "calendar-check",
                _("Xem xét định kỳ: %(code)s — %(title)s") % {"code": d.code, "title": d.title},
                f"/documents/{d.pk}/",
                d.next_review_on,
                kind="document_periodic_review",
            )
            for d in due
        ]
    return items
