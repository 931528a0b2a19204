"""What waits for a person in this area, for the one inbox ("Việc của tôi", the API);
registered in the area's AppConfig.ready."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from quality.core.inbox import Item
from quality.objectives.models import Method, Objective
from quality.objectives.services import periods


def _objectives(user, today):
    items = []
    for objective in Objective.objects.filter(
        owner=user, method=Method.MANUAL, year__gte=today.year - 1
    ).prefetch_related("measurements"):
        measured = {m.period_start for m in objective.measurements.all()}
        for start, end in periods(objective, until=today):
            if start not in measured:
                items.append(
                    Item(
                        _("Mục tiêu chất lượng"),
                        "bullseye",
                        _("Ghi kết quả kỳ %(p)s: %(t)s")
                        % {"p": f"{start:%m/%Y}", "t": objective.title},
                        f"/objectives/{objective.pk}/",
                        end + dt.timedelta(days=10),
                        kind="objective_measure",
                    )
                )
    return items
