"""What waits for a person in this area, for the one inbox ("Việc của tôi", the API);
registered in the area's AppConfig.ready."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from quality.core.inbox import Item
from quality.core.permissions import can
from quality.reviews.models import AnnualReport, ManagementReview, ReviewStatus
from quality.reviews.services.annual_report import annual_report_receiver


def _reviews(user, today):
    area = _("Xem xét của lãnh đạo")
    rows = ManagementReview.objects.filter(status=ReviewStatus.DRAFT)
    if not can(user, "reviews.manage"):
        rows = rows.filter(chair=user)
    items = [
        Item(
            area,
            "people",
            r.title,
            f"/reviews/{r.pk}/",
            r.meeting_on,
            "" if r.inputs_compiled_at else _("chưa tổng hợp đầu vào"),
            kind="review",
        )
        for r in rows
    ]
    # An agency that sends no annual report (it receives them) is not reminded to send one.
    if can(user, "reviews.manage") and annual_report_receiver().name:
        # One query whatever the month: the drafts, and this year's report if there is one
        # (in December a missing report is due).
        reports = AnnualReport.objects.filter(Q(status="draft") | Q(year=today.year))
        by_year = dict(reports.values_list("year", "status"))
        drafts = {year for year, status in by_year.items() if status == "draft"}
        if today.month == 12 and today.year not in by_year:
            drafts.add(today.year)
        items += [
            Item(
                _("Báo cáo"),
                "file-earmark-bar-graph",
                _("Báo cáo tình hình áp dụng ISO năm %(y)s chưa gửi") % {"y": year},
                "/reviews/annual/",
                kind="annual_report",
            )
            for year in sorted(drafts)
        ]
    return items
