"""The agency portal's navigation: the QMS areas, in the order of ISO 9001:2015.

Areas whose issue has not landed yet are shown as "sắp có" (coming) and are not
links: a newcomer sees the shape of the product without dead pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    clause: str
    icon: str
    url_name: str | None = None

    @property
    def url(self) -> str | None:
        if self.url_name is None:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


AREAS = (
    Area("dashboard", _("Tổng quan"), "", "speedometer2", "portal:dashboard"),
    Area("documents", _("Tài liệu và hồ sơ"), "7.5", "journal-text", "documents:register"),
    Area(
        "procedures",
        _("Thủ tục hành chính và hồ sơ TTHC"),
        "8",
        "diagram-3",
        "procedures:applications",
    ),
    Area("risks", _("Rủi ro và cơ hội"), "6.1", "exclamation-triangle", "risks:register"),
    Area("objectives", _("Mục tiêu chất lượng"), "6.2", "bullseye", "objectives:list"),
    Area("audits", _("Đánh giá nội bộ"), "9.2", "clipboard-check", "audits:list"),
    Area(
        "nonconformities",
        _("Sự không phù hợp và khắc phục"),
        "10.2",
        "tools",
        "improvement:list",
    ),
    Area("reviews", _("Xem xét của lãnh đạo"), "9.3", "people", "reviews:list"),
    Area("feedback", _("Sự hài lòng của người dân"), "9.1.2", "emoji-smile", "feedback:results"),
    Area("reports", _("Báo cáo năm"), "", "file-earmark-bar-graph", "reviews:annual"),
)
