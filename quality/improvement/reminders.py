"""Daily reminders of the improvement loop, inside one agency's schema.

- actions due within three days: the owner, once per due date;
- overdue actions: escalation (owner and ISO secretaries, then leaders after a week);
- nonconformities whose effectiveness check is due: owner and ISO secretaries;
- objectives measured from application data: recomputed for the ended periods;
then every such notice not yet e-mailed is e-mailed once.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from iso_platform.accounts.models import Role, User
from quality.core.services import notifications_email, notify_once
from quality.improvement.models import Action, ActionStatus, NcStatus, Nonconformity
from quality.improvement.services import actions_escalate
from quality.objectives.models import Method, Objective
from quality.objectives.services import measurements_compute

DUE_SOON_DAYS = 3
EMAILED_KEYS = r"^(action|nc|audit):"


def reminders_send(*, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    created = _due_soon(today) + actions_escalate(today) + _verification_due(today)
    computed = _objectives_compute(today)
    return {
        "notifications": created,
        "measurements": computed,
        "emails": notifications_email(EMAILED_KEYS),
    }


def _due_soon(today) -> int:
    horizon = today + dt.timedelta(days=DUE_SOON_DAYS)
    soon = Action.objects.filter(
        status__in=[ActionStatus.OPEN, ActionStatus.INEFFECTIVE],
        due_on__gte=today,
        due_on__lte=horizon,
    ).select_related("owner")
    count = 0
    for action in soon:
        count += bool(
            notify_once(
                user=action.owner,
                key=f"action:{action.pk}:due:{action.due_on:%Y%m%d}",
                title=_("Sắp đến hạn (%(d)s): %(t)s")
                % {"d": action.due_on.strftime("%d/%m/%Y"), "t": action.title[:120]},
                url=action.url,
            )
        )
    return count


def _verification_due(today) -> int:
    due = Nonconformity.objects.filter(
        status=NcStatus.VERIFYING, verification_due_on__lte=today
    ).select_related("owner")
    secretaries = list(User.objects.filter(role=Role.ISO_SECRETARY, is_active=True))
    count = 0
    for nc in due:
        for person in {*secretaries, *([nc.owner] if nc.owner else [])}:
            count += bool(
                notify_once(
                    user=person,
                    key=f"nc:{nc.pk}:verify:{nc.verification_due_on:%Y%m%d}",
                    title=_("Đến hạn kiểm tra hiệu lực: %(code)s") % {"code": nc.code},
                    body=nc.title,
                    url=nc.get_absolute_url(),
                )
            )
    return count


def _objectives_compute(today) -> int:

    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    return sum(
        measurements_compute(objective=objective)
        for objective in Objective.objects.filter(method=Method.ON_TIME_RATE, year__in=years)
    )
