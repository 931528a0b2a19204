"""Chart specifications for iso_platform/static/eiso/charts.js (JSON in a script tag)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from evaluation import selectors
from evaluation.indicators import INDICATORS, PERCENT, UNIT_LABELS
from evaluation.models import BaselineFigure, Source, Wave

PALETTE = ("#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997")
BLUE, GREY, GREEN = "#0d6efd", "#6c757d", "#198754"


def _number(value):
    return None if value is None else float(value)


def adoption_curves(waves, *, weeks: int) -> dict:
    """Active users' share per week since each wave started (week 1, 2, ...)."""
    datasets = []
    for index, wave in enumerate(w for w in waves if w.started_on):
        start = wave.started_on - dt.timedelta(days=wave.started_on.weekday())
        series = selectors.weekly_series(
            wave.members.values("agency_id"), start, start + dt.timedelta(weeks=weeks)
        )
        by_week = {row["week"]: row["active_share"] for row in series}
        datasets.append(
            {
                "type": "line",
                "label": wave.name,
                "data": [_number(by_week.get(start + dt.timedelta(weeks=i))) for i in range(weeks)],
                "borderColor": PALETTE[index % len(PALETTE)],
                "backgroundColor": PALETTE[index % len(PALETTE)],
            }
        )
    return {
        "type": "line",
        "labels": [_("Tuần %(n)s") % {"n": i + 1} for i in range(weeks)],
        "datasets": datasets,
        "max": 100,
        "yTitle": _("% người dùng hoạt động"),
    }


def _baseline_means(wave: Wave) -> dict[tuple[str, str], float]:
    rows = BaselineFigure.objects.filter(agency__rollout_wave__wave=wave)
    sums: dict[tuple[str, str], list] = {}
    for key, source, value in rows.values_list("key", "source", "value"):
        sums.setdefault((key, source), []).append(float(value))
    return {k: sum(v) / len(v) for k, v in sums.items()}


def indicator_charts(wave: Wave, series: list[dict]) -> list[dict]:
    """One chart per indicator: the wave's weekly figure as bars, and where the indicator
    has a baseline, the declared (paper era) and measured (first weeks) figures as lines."""
    labels = [row["week"].strftime("%d/%m") for row in series]
    baselines = _baseline_means(wave)
    charts = []
    for key, indicator in INDICATORS.items():
        datasets = [
            {
                "label": _("Theo tuần"),
                "data": [_number(row[key]) for row in series],
                "backgroundColor": BLUE,
            }
        ]
        for source, colour, name in (
            (Source.DECLARED, GREY, _("Trước (kê khai)")),
            (Source.MEASURED, GREEN, _("Những tuần đầu (đo)")),
        ):
            value = baselines.get((indicator.baseline, source.value))
            if indicator.baseline and value is not None:
                datasets.append(
                    {
                        "type": "line",
                        "label": name,
                        "data": [value] * len(series),
                        "borderColor": colour,
                        "backgroundColor": colour,
                        "pointRadius": 0,
                    }
                )
        charts.append(
            {
                "id": f"chart-{key}",
                "title": str(indicator.label),
                "spec": {
                    "type": "bar",
                    "labels": labels,
                    "datasets": datasets,
                    "max": 100 if indicator.unit == PERCENT else None,
                    "yTitle": str(UNIT_LABELS[indicator.unit]),
                },
            }
        )
    return charts
