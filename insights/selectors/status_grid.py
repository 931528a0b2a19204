"""Every agency's colour (by `STATUS_RULES`) and how fresh its figures are."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insights.selectors.common import (
    FRESHNESS_FIELDS,
    STALE_AFTER,
    STATUS_FIELDS,
    _agency_rows,
    _per_agency_status,
    _started,
    counted_agencies,
    edition_figures,
    kind_label,
)
from tenants.models import AgencyStatus as Lifecycle

GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
COLOURS = {
    GREEN: _("Đạt: không có việc quá hạn"),
    AMBER: _("Cần chú ý"),
    RED: _("Cần xử lý ngay"),
    GREY: _("Chưa có số liệu"),
}
# The rules, in the order they are checked; shown as the grid's legend.
STATUS_RULES = [
    (GREY, _("chưa từng cập nhật số liệu")),
    (RED, _("có hồ sơ đang quá hạn")),
    (RED, _("có điểm không phù hợp quá hạn khắc phục")),
    (
        RED,
        _(
            "đến quý IV chưa thực hiện cuộc đánh giá nội bộ nào trong năm"
            " (cơ quan đã triển khai từ 6 tháng)"
        ),
    ),
    (AMBER, _("có hành động khắc phục quá hạn")),
    (AMBER, _("có tài liệu quá hạn rà soát")),
    (AMBER, _("có mục tiêu chất lượng không đạt")),
    (
        AMBER,
        _(
            "đến quý III chưa thực hiện cuộc đánh giá nội bộ nào trong năm"
            " (cơ quan đã triển khai từ 6 tháng)"
        ),
    ),
    (AMBER, _("đến quý IV chưa họp xem xét của lãnh đạo (cơ quan đã triển khai từ 6 tháng)")),
    (GREEN, _("không có điều nào ở trên")),
]


# The yearly internal audit and management review are expected of an agency only once it
# has run its system this long before the quarter that asks for them: an agency created in
# November is not red for having held no audit that year.
SETTLING_IN = dt.timedelta(days=183)


def colour_of(
    status: dict | None, *, today: dt.date, since: dt.date | None = None
) -> tuple[str, list[str]]:
    """(colour, reasons) of one agency's current figures, by STATUS_RULES. `since`: the day
    the agency started on the platform (None: long enough)."""
    if not status or status.get("refreshed_at") is None:
        return GREY, [str(STATUS_RULES[0][1])]
    year = status["year"] or today.year

    def from_quarter(q: int) -> bool:  # the figures' year is at least in quarter q, and the
        start = dt.date(year, 3 * q - 2, 1)  # agency had settled in before that quarter
        return today >= start and (since is None or since <= start - SETTLING_IN)

    red, amber = _red_reasons(status, from_quarter), _amber_reasons(status, from_quarter)
    if red:
        return RED, [str(r) for r in red + amber]
    if amber:
        return AMBER, [str(r) for r in amber]
    return GREEN, []


def _red_reasons(status: dict, from_quarter: Callable[[int], bool]) -> list:
    red = []
    if status["overdue_now"]:
        red.append(STATUS_RULES[1][1])
    if status["ncs_overdue"]:
        red.append(STATUS_RULES[2][1])
    if not status["audits_done"] and from_quarter(4):
        red.append(STATUS_RULES[3][1])
    return red


def _amber_reasons(status: dict, from_quarter: Callable[[int], bool]) -> list:
    amber = []
    if status["actions_overdue"]:
        amber.append(STATUS_RULES[4][1])
    if status["documents_review_overdue"]:
        amber.append(STATUS_RULES[5][1])
    if status["objectives_missed"]:
        amber.append(STATUS_RULES[6][1])
    if not status["audits_done"] and from_quarter(3) and not from_quarter(4):
        amber.append(STATUS_RULES[7][1])
    if not status["review_held"] and from_quarter(4):
        amber.append(STATUS_RULES[8][1])
    return amber


def freshness_of(status: dict | None, *, now: dt.datetime) -> str:
    """never / error / pending / stale / fresh."""
    if not status or status.get("refreshed_at") is None:
        return "error" if status and status.get("last_error") else "never"
    if status.get("last_error"):
        return "error"
    if status.get("dirty_since"):
        return "pending"
    if now - status["refreshed_at"] > STALE_AFTER:
        return "stale"
    return "fresh"


FRESHNESS = {
    "fresh": _("Đã cập nhật"),
    "pending": _("Đang chờ cập nhật"),
    "stale": _("Số liệu cũ (quá 26 giờ)"),
    "error": _("Lỗi cập nhật"),
    "never": _("Chưa cập nhật"),
}


def status_grid(*, kind: str | None = None, today: dt.date | None = None) -> list[dict]:
    """Every counted agency with its colour, the reasons for it, its key current figures
    and how fresh they are."""
    today = today or timezone.localdate()
    now = timezone.now()
    agencies = counted_agencies(kind=kind)
    statuses = _per_agency_status(agencies)
    out = []
    for row in _agency_rows(agencies):
        status = statuses.get(row["pk"])
        colour, reasons = colour_of(status, today=today, since=_started(row["created_at"]))
        freshness = freshness_of(status, now=now)
        known = status if status and status["refreshed_at"] is not None else {}
        figures = {f: known.get(f) for f in STATUS_FIELDS}
        out.append(
            {
                "code": row["code"],
                "name": row["name"],
                "kind": row["kind"],
                "kind_label": kind_label(row["kind"]),
                "parent": row["parent__name"] or "",
                "suspended": row["status"] == Lifecycle.SUSPENDED,
                "colour": colour,
                "colour_label": str(COLOURS[colour]),
                "reasons": reasons,
                **figures,
                "review_held": known.get("review_held"),
                **edition_figures(known),
                "year": known.get("year"),
                "freshness": freshness,
                "freshness_label": str(FRESHNESS[freshness]),
                **{f: (status or {}).get(f) for f in FRESHNESS_FIELDS},
            }
        )
    return out


def colour_counts(grid: list[dict]) -> dict[str, int]:
    counts = defaultdict(int)
    for row in grid:
        counts[row["colour"]] += 1
    return {colour: counts[colour] for colour in COLOURS}
