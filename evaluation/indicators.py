"""The indicators of adoption and effect, computed from sums of weekly snapshots.

Each indicator reads a dict of sums over a set of agency-weeks (`SUM_FIELDS`, plus `rows`,
`ready_rows` and `issue_days_median`, the median of the agency-weeks' medians) and gives a
Decimal or None (nothing to measure). `better` says which way a gate threshold points:
"higher" means "at least the threshold", "lower" means "at most". `bounds` are the values a
threshold may take (a percentage above 100 or a negative number of days makes no sense).
Exact definitions: docs/evaluation.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

SUM_FIELDS = (
    "staff",
    "active_users",
    "documents_issued",
    "records_kept",
    "received",
    "received_integrated",
    "completed",
    "in_time",
    "late",
    "late_with_nc",
    "nc_assign_hours",
    "corrective_done",
    "corrective_on_time",
    "survey_responses",
    "survey_score_sum",
)

PERCENT, DAYS, HOURS, COUNT, SCORE = "%", "days", "hours", "count", "score"
UNIT_LABELS = {
    PERCENT: "%",
    DAYS: _("ngày"),
    HOURS: _("giờ"),
    COUNT: "",
    SCORE: _("điểm"),
}
BOUNDS = {
    PERCENT: (Decimal(0), Decimal(100)),
    DAYS: (Decimal(0), Decimal(365)),
    HOURS: (Decimal(0), Decimal(8760)),
    COUNT: (Decimal(0), Decimal(1_000_000)),
    SCORE: (Decimal(1), Decimal(5)),
}


def ratio(part, whole, scale=100, places="0.1") -> Decimal | None:
    if not whole:
        return None
    return (Decimal(scale) * Decimal(part) / Decimal(whole)).quantize(
        Decimal(places), ROUND_HALF_UP
    )


def _decimal(value, places="0.1") -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places), ROUND_HALF_UP)


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    better: str  # "higher" or "lower"
    compute: Callable[[dict], Decimal | None]
    baseline: str = ""  # the baseline figure it is compared with ("" if none)

    @property
    def bounds(self) -> tuple[Decimal, Decimal]:
        return BOUNDS[self.unit]

    def meets(self, value: Decimal | None, threshold: Decimal) -> bool:
        if value is None:
            return False
        return value >= threshold if self.better == "higher" else value <= threshold


INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in (
        Indicator(
            "active_share",
            _("Tỷ lệ người dùng hoạt động"),
            PERCENT,
            "higher",
            lambda s: ratio(s["active_users"], s["staff"]),
        ),
        Indicator(
            "documents_issued",
            _("Tài liệu ban hành điện tử"),
            COUNT,
            "higher",
            lambda s: Decimal(s["documents_issued"]),
        ),
        Indicator(
            "issue_days",
            _("Số ngày từ dự thảo đến ban hành (trung vị)"),
            DAYS,
            "lower",
            lambda s: _decimal(s.get("issue_days_median")),
            baseline="issue_days",
        ),
        Indicator(
            "records_kept",
            _("Hồ sơ, biểu mẫu lưu trên hệ thống"),
            COUNT,
            "higher",
            lambda s: Decimal(s["records_kept"]),
        ),
        Indicator(
            "integrated_share",
            _("Tỷ lệ hồ sơ TTHC nhận qua kết nối"),
            PERCENT,
            "higher",
            lambda s: ratio(s["received_integrated"], s["received"]),
        ),
        Indicator(
            "on_time_rate",
            _("Tỷ lệ hồ sơ TTHC đúng hạn"),
            PERCENT,
            "higher",
            lambda s: ratio(s["in_time"], s["completed"]),
            baseline="on_time_rate",
        ),
        Indicator(
            "late_nc_share",
            _("Tỷ lệ hồ sơ trễ hạn được lập phiếu không phù hợp"),
            PERCENT,
            "higher",
            lambda s: ratio(s["late_with_nc"], s["late"]),
        ),
        Indicator(
            "nc_assign_hours",
            _("Số giờ từ khi trễ hạn đến khi lập phiếu (bình quân)"),
            HOURS,
            "lower",
            lambda s: ratio(s["nc_assign_hours"], s["late_with_nc"], scale=1),
        ),
        Indicator(
            "corrective_on_time_rate",
            _("Tỷ lệ hành động khắc phục xong đúng hạn"),
            PERCENT,
            "higher",
            lambda s: ratio(s["corrective_on_time"], s["corrective_done"]),
        ),
        Indicator(
            "survey_responses",
            _("Số phiếu khảo sát hài lòng"),
            COUNT,
            "higher",
            lambda s: Decimal(s["survey_responses"]),
        ),
        Indicator(
            "survey_score",
            _("Điểm hài lòng bình quân"),
            SCORE,
            "higher",
            lambda s: ratio(s["survey_score_sum"], s["survey_responses"], 1, "0.01"),
        ),
        Indicator(
            "annual_report_share",
            _("Tỷ lệ cơ quan lập báo cáo năm từ dữ liệu"),
            PERCENT,
            "higher",
            lambda s: ratio(s["ready_rows"], s["rows"]),
        ),
    )
}


def evaluate(sums: dict) -> dict[str, Decimal | None]:
    return {key: indicator.compute(sums) for key, indicator in INDICATORS.items()}
