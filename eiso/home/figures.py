"""The figure on each dashboard tile: what waits in that area, counted in one query.

Each figure is a count of a queryset; they are all asked for at once, as scalar subqueries
of a single SELECT, so the dashboard costs one query whatever the number of tiles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Func, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform.accounts.models import User
from quality.audits.models import AuditPlan, PlanStatus
from quality.competence.models import Qualification
from quality.competence.selectors import EXPIRY_NOTICE_DAYS
from quality.documents.models import Document, DocumentStatus
from quality.feedback.models import SurveyResponse
from quality.improvement.models import NcStatus, Nonconformity
from quality.objectives.models import Objective
from quality.procedures.models import OPEN_STATUSES, Application
from quality.reviews.models import ManagementReview, ReviewStatus
from quality.risks.models import Risk, RiskKind, RiskStatus
from quality.transition.models import GapQuestion, GapStatus


@dataclass(frozen=True)
class Figure:
    label: str
    query: str  # appended to the area's URL: the list the figure counts
    count: int = 0
    alert: bool = False  # a non-zero figure asks for action (shown in red)


def _area_querysets(today: dt.date, now: dt.datetime) -> dict[str, tuple[QuerySet, Figure]]:
    month = today.replace(day=1)
    return {
        "documents": (
            Document.objects.filter(status=DocumentStatus.IN_FORCE, next_review_on__lte=today),
            Figure(_("tài liệu đến hạn xem xét định kỳ"), "?status=review_due", alert=True),
        ),
        "procedures": (
            Application.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now),
            Figure(_("hồ sơ đang quá hạn"), "?timeliness=overdue", alert=True),
        ),
        "risks": (
            # Opportunities are kept apart from risks: the tile counts risks only.
            Risk.objects.filter(status=RiskStatus.OPEN, kind=RiskKind.RISK),
            Figure(_("rủi ro đang theo dõi"), "?kind=risk"),
        ),
        "objectives": (
            Objective.objects.filter(year=today.year),
            Figure(_("mục tiêu năm %(year)s") % {"year": today.year}, ""),
        ),
        "competence": (
            Qualification.objects.filter(
                expires_on__lte=today + dt.timedelta(days=EXPIRY_NOTICE_DAYS)
            ),
            Figure(_("chứng chỉ hết hạn hoặc sắp hết hạn"), "", alert=True),
        ),
        "audits": (
            AuditPlan.objects.exclude(status=PlanStatus.REPORTED),
            Figure(_("cuộc đánh giá chưa báo cáo"), ""),
        ),
        "nonconformities": (
            Nonconformity.objects.exclude(status=NcStatus.CLOSED),
            Figure(_("sự không phù hợp chưa đóng"), "", alert=True),
        ),
        "reviews": (
            ManagementReview.objects.filter(status=ReviewStatus.DRAFT),
            Figure(_("cuộc họp đang chuẩn bị"), ""),
        ),
        "feedback": (
            SurveyResponse.objects.filter(created_at__date__gte=month),
            Figure(_("phiếu khảo sát tháng này"), ""),
        ),
        "transition": (
            GapQuestion.objects.filter(status=GapStatus.OPEN),
            Figure(_("nội dung chuyển đổi chưa đánh giá"), ""),
        ),
    }


def count_of(queryset: QuerySet):
    """COUNT(*) of a queryset as a scalar subquery (no GROUP BY: always one row)."""
    if queryset.query.is_empty():
        return Value(0)
    counted = queryset.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def counts(user, querysets: dict[str, QuerySet]) -> dict[str, int]:
    """Several counts in one query, read off the person's own row (always there)."""
    if not querysets:
        return {}
    names = {name: f"n_{index}" for index, name in enumerate(querysets)}
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(**{names[name]: count_of(qs) for name, qs in querysets.items()})
        .values(*names.values())
        .get()
    )
    return {name: row[alias] for name, alias in names.items()}


def dashboard_figures(user, extra: dict[str, QuerySet] | None = None):
    """(figure of each area by key, counts of `extra`): one query for both."""
    now = timezone.now()
    areas = _area_querysets(timezone.localdate(), now)
    found = counts(user, {**{k: qs for k, (qs, _f) in areas.items()}, **(extra or {})})
    figures = {
        key: Figure(figure.label, figure.query, found[key], figure.alert and found[key] > 0)
        for key, (_qs, figure) in areas.items()
    }
    return figures, {name: found[name] for name in extra or {}}
