"""What waits for a person in this area, for the one inbox ("Việc của tôi", the API);
registered in the area's AppConfig.ready."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from quality.audits.models import AuditPlan, PlanStatus
from quality.core.inbox import Item


def _audits(user, today):
    plans = (
        AuditPlan.objects.filter(Q(lead=user) | Q(assignments__auditor=user))
        .exclude(status=PlanStatus.REPORTED)
        .annotate(todo=Count("checklist", filter=Q(checklist__grade=""), distinct=True))
        .distinct()
    )
    return [
        Item(
            _("Đánh giá nội bộ"),
            "clipboard-check",
            p.title,
            f"/audits/plans/{p.pk}/",
            p.end_on,
            _("%(n)s nội dung chưa đánh giá") % {"n": p.todo} if p.todo else "",
            kind="audit",
        )
        for p in plans
    ]
