"""What waits for a person in this area, for the one inbox ("Việc của tôi", the API);
registered in the area's AppConfig.ready."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from quality.core.inbox import Item
from quality.core.permissions import can

from .models import AwarenessMethod, Campaign, TrainingSession

EVALUATE_WITHIN_DAYS = 30  # effectiveness is judged within a month of the session


def _competence(user, today):
    items = []
    if can(user, "competence.answer"):
        quizzes = Campaign.objects.filter(is_open=True, method=AwarenessMethod.QUIZ).exclude(
            attempts__user=user, attempts__passed=True
        )
        items += [
            Item(
                _("Năng lực và đào tạo"),
                "mortarboard",
                _("Trả lời câu hỏi nhận thức: %(t)s") % {"t": c.title},
                c.get_absolute_url(),
                kind="awareness_quiz",
            )
            for c in quizzes
        ]
    if can(user, "competence.manage"):
        pending = TrainingSession.objects.filter(evaluated_on__isnull=True, held_on__lte=today)
        items += [
            Item(
                _("Năng lực và đào tạo"),
                "mortarboard",
                _("Đánh giá hiệu quả đào tạo: %(t)s") % {"t": s.title},
                s.get_absolute_url(),
                s.held_on + dt.timedelta(days=EVALUATE_WITHIN_DAYS),
                kind="training_evaluate",
            )
            for s in pending
        ]
    return items
