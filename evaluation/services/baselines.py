"""Each agency's "before" figures: declared for the paper era on the agency's host, and
measured over its first weeks on the platform from the weekly snapshots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluation.indicators import DAYS, HOURS, PERCENT
from evaluation.models import Assessment, BaselineFigure, Source, WeeklySnapshot
from evaluation.selectors import sums_by_agency
from iso_platform.audit import actor_label, platform_record
from tenants.models import Agency

COUNT_FIGURE = "count"
MEASURED_WEEKS = 4  # the agency's first weeks on the platform


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    low: Decimal
    high: Decimal
    measured_from: str = ""  # the indicator that measures it ("" if only declared)


FIGURES: dict[str, Figure] = {
    f.key: f
    for f in (
        Figure(
            "documents_in_force",
            _("Số tài liệu ISO đang áp dụng"),
            COUNT_FIGURE,
            Decimal(0),
            Decimal(10000),
        ),
        Figure(
            "issue_days",
            _("Số ngày bình quân từ dự thảo đến ban hành một tài liệu"),
            DAYS,
            Decimal(0),
            Decimal(365),
            "issue_days",
        ),
        Figure(
            "on_time_rate",
            _("Tỷ lệ hồ sơ TTHC giải quyết đúng hạn (%)"),
            PERCENT,
            Decimal(0),
            Decimal(100),
            "on_time_rate",
        ),
        Figure(
            "annual_report_hours",
            _("Số giờ công lập báo cáo năm về áp dụng ISO"),
            HOURS,
            Decimal(0),
            Decimal(2000),
        ),
        Figure(
            "paper_forms",
            _("Số biểu mẫu giấy đang dùng"),
            COUNT_FIGURE,
            Decimal(0),
            Decimal(5000),
        ),
    )
}
MSG_RANGE = "“{label}” phải từ {low} đến {high}."
MSG_MISSING = "Hãy nhập “{label}”."
MSG_ASSESSMENT_EMPTY = "Hãy ghi ưu điểm và hạn chế của việc áp dụng."


def baseline_declare(
    *, agency: Agency, actor, values: dict[str, Decimal | None], request=None
) -> list[BaselineFigure]:
    """Store the agency's declared paper-era figures, all or none."""
    errors = {}
    for key, figure in FIGURES.items():
        value = values.get(key)
        if value is None:
            errors[key] = MSG_MISSING.format(label=figure.label)
        elif not figure.low <= value <= figure.high:
            errors[key] = MSG_RANGE.format(label=figure.label, low=figure.low, high=figure.high)
    if errors:
        raise ValidationError(errors)
    today, label = timezone.localdate(), actor_label(actor)
    with transaction.atomic():
        rows = [
            BaselineFigure.objects.update_or_create(
                agency=agency,
                key=key,
                source=Source.DECLARED,
                defaults={
                    "value": values[key],
                    "as_of": today,
                    "recorded_by": label,
                    "recorded_at": timezone.now(),
                },
            )[0]
            for key in FIGURES
        ]
        platform_record(
            action="evaluation.baseline_declare",
            subject_type="agency",
            subject_id=agency.pk,
            subject_label=agency.name,
            actor=actor,
            agency=agency,
            changes={key: str(values[key]) for key in FIGURES},
            request=request,
        )
    return rows


def baselines_measure(*, agencies=None) -> int:
    """Measured "before" figures of agencies from their first MEASURED_WEEKS complete weeks
    (set-based: one read of the snapshots, one write). Returns how many rows were written."""
    first = WeeklySnapshot.objects.values("agency_id").annotate(first=Min("week"))
    if agencies is not None:
        first = first.filter(agency__in=agencies)
    windows = {
        row["agency_id"]: (row["first"], row["first"] + dt.timedelta(weeks=MEASURED_WEEKS))
        for row in first
    }
    today = timezone.localdate()
    # only agencies whose first weeks are over: a measurement of half a window would change
    complete = {a: w for a, w in windows.items() if w[1] <= today}
    sums = sums_by_agency(complete)
    rows = []
    for agency_id, (_start, end) in complete.items():
        values = sums.get(agency_id, {})
        for key, figure in FIGURES.items():
            value = values.get(figure.measured_from) if figure.measured_from else None
            if value is not None:
                rows.append(
                    BaselineFigure(
                        agency_id=agency_id,
                        key=key,
                        source=Source.MEASURED,
                        value=value,
                        as_of=end - dt.timedelta(days=1),
                        recorded_by="eISO",
                        recorded_at=timezone.now(),
                    )
                )
    with transaction.atomic():
        BaselineFigure.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["agency", "key", "source"],
            update_fields=["value", "as_of", "recorded_at"],
        )
    return len(rows)


def assessment_write(
    *, agency: Agency, actor, advantages: str, limitations: str, proposals: str = "", request=None
):
    advantages, limitations = advantages.strip(), limitations.strip()
    if not advantages or not limitations:
        raise ValidationError(MSG_ASSESSMENT_EMPTY)
    with transaction.atomic():
        row, _created = Assessment.objects.update_or_create(
            agency=agency,
            defaults={
                "advantages": advantages,
                "limitations": limitations,
                "proposals": proposals.strip(),
                "written_by": actor_label(actor),
                "updated_at": timezone.now(),
            },
        )
        platform_record(
            action="evaluation.assessment_write",
            subject_type="agency",
            subject_id=agency.pk,
            subject_label=agency.name,
            actor=actor,
            agency=agency,
            request=request,
        )
    return row
