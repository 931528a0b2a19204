"""Agencies ranked on one indicator (`INDICATORS`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from insights.selectors.common import (
    _agency_rows,
    _flow,
    _per_agency_flow,
    _per_agency_status,
    counted_agencies,
    kind_label,
)


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    source: str  # "flow": over the period; "status": as of the last refresh
    unit: str  # "count", "rate" (percent) or "score" (1 to 5)
    higher_is_better: bool


INDICATORS = {
    i.key: i
    for i in (
        Indicator("on_time_rate", _("Tỷ lệ giải quyết đúng hạn (%)"), "flow", "rate", True),
        Indicator("late", _("Hồ sơ trễ hạn"), "flow", "count", False),
        Indicator("overdue_now", _("Hồ sơ đang quá hạn"), "status", "count", False),
        Indicator("received", _("Hồ sơ tiếp nhận"), "flow", "count", True),
        Indicator("completed", _("Hồ sơ có kết quả"), "flow", "count", True),
        Indicator("ncs_opened", _("Điểm không phù hợp mới"), "flow", "count", False),
        Indicator("ncs_overdue", _("Điểm không phù hợp quá hạn"), "status", "count", False),
        Indicator("actions_overdue", _("Hành động khắc phục quá hạn"), "status", "count", False),
        Indicator(
            "documents_review_overdue", _("Tài liệu quá hạn rà soát"), "status", "count", False
        ),
        Indicator("documents_in_force", _("Tài liệu đang hiệu lực"), "status", "count", True),
        Indicator("audits_done", _("Cuộc đánh giá nội bộ đã thực hiện"), "status", "count", True),
        Indicator(
            "objectives_missed", _("Mục tiêu chất lượng không đạt"), "status", "count", False
        ),
        Indicator("satisfaction_score", _("Điểm hài lòng (1–5)"), "flow", "score", True),
        Indicator("satisfaction_responses", _("Lượt đánh giá hài lòng"), "flow", "count", True),
        Indicator("active_users_30d", _("Người dùng hoạt động (30 ngày)"), "status", "count", True),
    )
}


def agency_ranking(
    *,
    indicator: str,
    period_from: dt.date,
    period_to: dt.date,
    kind: str | None = None,
    limit: int | None = None,
    best_first: bool = False,
) -> list[dict]:
    """Every counted agency ranked on one indicator, the agencies needing attention first
    (lowest on-time rate, most late applications...), or the best first.

    Agencies without a value (no completed application for a rate, never refreshed for a
    current figure) come last, unranked. Ties share a rank (1, 2, 2, 4).
    """
    spec = INDICATORS.get(indicator)
    if spec is None:
        raise ValueError(f"unknown indicator {indicator!r}")
    agencies = counted_agencies(kind=kind)
    rows = _agency_rows(agencies)
    if spec.source == "flow":
        flows = _per_agency_flow(period_from, period_to, agencies)
        values = {pk: _flow(row)[indicator] for pk, row in flows.items()}
        default = None if spec.unit in ("rate", "score") else 0
    else:
        values = {
            pk: row[indicator]
            for pk, row in _per_agency_status(agencies).items()
            if row["refreshed_at"] is not None  # a row never refreshed holds no figures
        }
        default = None
    out = []
    for row in rows:
        out.append(
            {
                "code": row["code"],
                "name": row["name"],
                "kind": row["kind"],
                "kind_label": kind_label(row["kind"]),
                "parent": row["parent__name"] or "",
                "value": values.get(row["pk"], default),
            }
        )
    # worst first: ascending when higher is better; `best_first` flips it.
    descending = spec.higher_is_better == best_first
    valued = sorted(
        (r for r in out if r["value"] is not None),
        key=lambda r: (-r["value"] if descending else r["value"], r["name"]),
    )
    rank, previous = 0, object()
    for position, row in enumerate(valued, start=1):
        if row["value"] != previous:
            rank, previous = position, row["value"]
        row["rank"] = rank
    unvalued = [dict(r, rank=None) for r in out if r["value"] is None]
    ranked = valued + unvalued
    return ranked[:limit] if limit else ranked
