"""Daily reminders of qualifications that expire, inside one agency's schema.

The holder and the ISO secretaries hear of it once, EXPIRY_NOTICE_DAYS before the expiry date
(or at once if it is nearer), and once more when it has expired; then each such notice not yet
e-mailed is e-mailed once.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from iso_platform.accounts.models import Role, User
from quality.core.services import notifications_email, notify_once

from .selectors import expiring

EMAILED_KEYS = r"^qualification:"


def reminders_send(*, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    secretaries = list(User.objects.filter(role=Role.ISO_SECRETARY, is_active=True))
    created = 0
    for qualification in expiring(today):
        expired = qualification.expires_on < today
        stage = "expired" if expired else "soon"
        title = (
            _("Chứng chỉ đã hết hạn (%(d)s): %(t)s — %(p)s")
            if expired
            else _("Chứng chỉ sắp hết hạn (%(d)s): %(t)s — %(p)s")
        ) % {
            "d": qualification.expires_on.strftime("%d/%m/%Y"),
            "t": qualification.title[:120],
            "p": qualification.user.full_name,
        }
        for person in {qualification.user, *secretaries}:
            created += bool(
                notify_once(
                    user=person,
                    key=f"qualification:{qualification.pk}:{stage}:{qualification.expires_on:%Y%m%d}",
                    title=title,
                    url=qualification.get_absolute_url(),
                )
            )
    return {"notifications": created, "emails": notifications_email(EMAILED_KEYS)}
