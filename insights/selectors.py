"""Reads of the province-wide statistics: pure functions over the public fact tables.

Nothing here opens an agency's schema. Every function aggregates in SQL, once per call
(a handful of queries, none per agency), and returns plain dicts and lists.

Periods are closed ranges of days `[period_from, period_to]`. Whole months inside the
range are read from the month facts; only the days of a month cut by either end come
from the day facts, so a year is 12 rows per agency, not 365. Procedure-field figures
exist per month only (`FieldFact`): for them the range is widened to whole months.

Which agencies count: every agency except the public one (the province itself), archived
agencies, agencies merged into another and agencies still being provisioned
(`counted_agencies`). Suspended agencies still count: their figures are real.

Rates are Decimal percentages with one decimal (early + on time) / completed; a rate with
nothing completed is None, never a division by zero. Satisfaction scores are averages of
the 1 to 5 scores, two decimals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insights.models import AgencyFact, AgencyStatus, FieldFact, Grain
from tenants.models import Agency, AgencyKind, ReportSubmission
from tenants.models import AgencyStatus as Lifecycle

FLOW_FIELDS = (
    "received",
    "completed",
    "early",
    "on_time",
    "late",
    "ncs_opened",
    "ncs_closed",
    "satisfaction_responses",
    "satisfaction_score_sum",
)
STATUS_FIELDS = (
    "overdue_now",
    "in_progress",
    "ncs_open",
    "ncs_overdue",
    "actions_overdue",
    "audits_planned",
    "audits_done",
    "documents_in_force",
    "documents_review_overdue",
    "objectives_met",
    "objectives_missed",
    "users",
    "active_users_30d",
)
FRESHNESS_FIELDS = ("refreshed_at", "dirty_since", "last_error", "failed_at")
EXCLUDED_NOTE = _("Không tính cơ quan đã lưu trữ, đã hợp nhất vào cơ quan khác hoặc đang khởi tạo.")
STALE_AFTER = dt.timedelta(hours=26)  # the nightly reconciliation runs every 24 hours

# --------------------------------------------------------------------------- small helpers


def rate(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole`, one decimal; None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def score(total: int, responses: int) -> Decimal | None:
    if not responses:
        return None
    return (Decimal(total) / Decimal(responses)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(day, 1) - dt.timedelta(days=1)


def months_between(period_from: dt.date, period_to: dt.date) -> list[dt.date]:
    """First days of every month touching the range."""
    months, current = [], month_start(period_from)
    while current <= period_to:
        months.append(current)
        current = add_months(current, 1)
    return months


def counted_agencies(*, kind: str | None = None) -> QuerySet:
    agencies = (
        Agency.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
        .filter(merged_into__isnull=True)
        .exclude(status__in=[Lifecycle.ARCHIVED, Lifecycle.PROVISIONING])
    )
    return agencies.filter(kind=kind) if kind else agencies


def period_q(period_from: dt.date, period_to: dt.date) -> Q:
    """AgencyFact rows covering the range once: month rows for whole months, day rows for
    the cut months at either end."""
    if period_from > period_to:
        return Q(pk__in=[])
    first_full = period_from if period_from.day == 1 else add_months(period_from, 1)
    after_full = (
        add_months(period_to, 1) if period_to == month_end(period_to) else month_start(period_to)
    )
    if first_full >= after_full:
        return Q(grain=Grain.DAY, period__gte=period_from, period__lte=period_to)
    q = Q(grain=Grain.MONTH, period__gte=first_full, period__lt=after_full)
    if period_from < first_full:
        q |= Q(grain=Grain.DAY, period__gte=period_from, period__lt=first_full)
    if after_full <= period_to:
        q |= Q(grain=Grain.DAY, period__gte=after_full, period__lte=period_to)
    return q


def _sums(fields) -> dict:
    return {f: Coalesce(Sum(f), 0) for f in fields}


def _facts(period_from, period_to, agencies: QuerySet) -> QuerySet:
    return AgencyFact.objects.filter(
        period_q(period_from, period_to), agency_id__in=agencies.values("pk")
    )


def _field_facts(period_from, period_to, agencies: QuerySet, field: str | None = None):
    facts = FieldFact.objects.filter(
        month__gte=month_start(period_from),
        month__lte=period_to,
        agency_id__in=agencies.values("pk"),
    )
    return facts.filter(field=field) if field else facts


def _flow(row: dict) -> dict:
    """Flow sums plus what is derived from them."""
    out = {f: int(row.get(f) or 0) for f in FLOW_FIELDS}
    out["in_time"] = out["early"] + out["on_time"]
    out["on_time_rate"] = rate(out["in_time"], out["completed"])
    out["satisfaction_score"] = score(out["satisfaction_score_sum"], out["satisfaction_responses"])
    return out


def kind_label(kind: str) -> str:
    try:
        return str(AgencyKind(kind).label)
    except ValueError:
        return kind


# --------------------------------------------------------------------------- totals and trend


def province_totals(
    *, period_from: dt.date, period_to: dt.date, kind: str | None = None, field: str | None = None
) -> dict:
    """Province-wide figures: flows over the period, stocks as of the last refresh.

    With `field`, the application figures are those of that procedure field (whole months;
    received, early and on-time are not kept per field and are None).
    """
    agencies = counted_agencies(kind=kind)
    totals = _flow(_facts(period_from, period_to, agencies).aggregate(**_sums(FLOW_FIELDS)))
    if field:
        by_field = _field_facts(period_from, period_to, agencies, field).aggregate(
            **_sums(("completed", "in_time", "late"))
        )
        totals.update(
            received=None,
            early=None,
            on_time=None,
            completed=by_field["completed"],
            in_time=by_field["in_time"],
            late=by_field["late"],
            on_time_rate=rate(by_field["in_time"], by_field["completed"]),
        )
    stock = AgencyStatus.objects.filter(agency_id__in=agencies.values("pk")).aggregate(
        **_sums(STATUS_FIELDS),
        reviews_held=Count("pk", filter=Q(review_held=True)),
        refreshed=Count("pk", filter=Q(refreshed_at__isnull=False)),
        refresh_errors=Count("pk", filter=~Q(last_error="")),
        pending=Count("pk", filter=Q(dirty_since__isnull=False)),
    )
    totals.update({k: int(v or 0) for k, v in stock.items()})
    totals.update(
        agencies=agencies.count(),
        period_from=period_from,
        period_to=period_to,
        kind=kind or None,
        field=field or None,
    )
    return totals


def _trend(period_from, period_to, agencies: QuerySet) -> list[dict]:
    rows = (
        _facts(period_from, period_to, agencies)
        .annotate(month=TruncMonth("period"))
        .values("month")
        .annotate(**_sums(FLOW_FIELDS))
        .order_by("month")
    )
    by_month = {row["month"]: row for row in rows}
    out = []
    for month in months_between(period_from, period_to):
        row = _flow(by_month.get(month, {}))
        row["month"] = month
        row["label"] = f"{month:%m/%Y}"
        out.append(row)
    return out


def monthly_trend(
    *, period_from: dt.date, period_to: dt.date, kind: str | None = None
) -> list[dict]:
    """One row per month touching the range (empty months included, with zeros); the rows
    add up to `province_totals` for the same range."""
    return _trend(period_from, period_to, counted_agencies(kind=kind))


# --------------------------------------------------------------------------- rankings


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


def _agency_rows(agencies: QuerySet) -> list[dict]:
    return list(
        agencies.order_by("name").values(
            "pk", "code", "name", "kind", "parent__name", "status", "created_at"
        )
    )


def _started(created_at: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(created_at) if created_at else None


def _per_agency_flow(period_from, period_to, agencies: QuerySet) -> dict[int, dict]:
    rows = (
        _facts(period_from, period_to, agencies)
        .values("agency_id")
        .annotate(**_sums(FLOW_FIELDS))
        .order_by()
    )
    return {row["agency_id"]: row for row in rows}


def _per_agency_status(agencies: QuerySet) -> dict[int, dict]:
    rows = AgencyStatus.objects.filter(agency_id__in=agencies.values("pk")).values(
        "agency_id", "year", "review_held", "last_activity", *STATUS_FIELDS, *FRESHNESS_FIELDS
    )
    return {row["agency_id"]: row for row in rows}


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


# --------------------------------------------------------------------------- breakdowns

BREAKDOWNS = {"kind": "agency__kind", "parent": "agency__parent"}
NO_PARENT = _("Không có cơ quan cấp trên")


def breakdown(*, by: str, period_from: dt.date, period_to: dt.date) -> list[dict]:
    """Figures grouped by agency kind or by parent agency (one row per group that has
    counted agencies, groups without facts included with zeros)."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    group = BREAKDOWNS[by]
    agencies = counted_agencies()
    own = group.removeprefix("agency__")
    counts = dict(agencies.values_list(own).annotate(n=Count("pk")).order_by())
    flows = {
        row[group]: row
        for row in _facts(period_from, period_to, agencies)
        .values(group)
        .annotate(**_sums(FLOW_FIELDS))
        .order_by()
    }
    stock_fields = (
        "overdue_now",
        "ncs_overdue",
        "actions_overdue",
        "documents_review_overdue",
        "audits_done",
    )
    stocks = {
        row[group]: row
        for row in AgencyStatus.objects.filter(agency_id__in=agencies.values("pk"))
        .values(group)
        .annotate(**_sums(stock_fields), reviews_held=Count("pk", filter=Q(review_held=True)))
        .order_by()
    }
    if by == "kind":
        labels = {key: (key, kind_label(key)) for key in counts}
    else:
        parents = {
            pk: (code, name)
            for pk, code, name in Agency.objects.filter(
                pk__in=[k for k in counts if k]
            ).values_list("pk", "code", "name")
        }
        labels = {
            key: parents.get(key, ("", "")) if key else (None, str(NO_PARENT)) for key in counts
        }
    out = []
    for key, n in counts.items():
        row = _flow(flows.get(key, {}))
        stock = stocks.get(key, {})
        row.update({f: int(stock.get(f) or 0) for f in (*stock_fields, "reviews_held")})
        row.update(key=labels[key][0], label=labels[key][1], agencies=n)
        out.append(row)
    return sorted(out, key=lambda r: (r["key"] is None, r["label"]))


# --------------------------------------------------------------------------- status grid

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
                "year": known.get("year"),
                "freshness": freshness,
                "freshness_label": str(FRESHNESS[freshness]),
                **{f: (status or {}).get(f) for f in FRESHNESS_FIELDS},
            }
        )
    return out


# --------------------------------------------------------------------------- fields


def _field_rates(period_from, period_to, agencies: QuerySet) -> list[dict]:
    # Two levels (field and agency, then field): much cheaper than count(DISTINCT agency).
    inner = (
        _field_facts(period_from, period_to, agencies)
        .values("field", "agency_id")
        .annotate(**_sums(("completed", "in_time", "late")))
        .order_by()
    )
    sql, params = inner.query.sql_with_params()  # Django's own SQL, values as parameters
    outer = "SELECT x.field, count(*), sum(x.completed), sum(x.in_time), sum(x.late) FROM ({}) x"
    with connection.cursor() as cursor:
        cursor.execute(outer.format(sql) + " GROUP BY x.field", params)
        keys = ("field", "agencies", "completed", "in_time", "late")
        rows = [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]
    out = [
        {
            "field": row["field"],
            "agencies": int(row["agencies"]),
            "completed": int(row["completed"]),
            "in_time": int(row["in_time"]),
            "late": int(row["late"]),
            "on_time_rate": rate(int(row["in_time"]), int(row["completed"])),
        }
        for row in rows
    ]
    # the fields failing citizens most first; fields with nothing completed last
    return sorted(
        out,
        key=lambda r: (r["on_time_rate"] is None, r["on_time_rate"] or 0, -r["late"], r["field"]),
    )


def field_rates(*, period_from: dt.date, period_to: dt.date, kind: str | None = None) -> list[dict]:
    """On-time figures per procedure field (months touching the range), worst first."""
    return _field_rates(period_from, period_to, counted_agencies(kind=kind))


FIELD_NAMES_KEY = "insights:field-names"


def field_names() -> list[str]:
    """Every procedure field with figures (for the filter's list; cached five minutes)."""

    def read() -> list[str]:
        return list(FieldFact.objects.order_by("field").values_list("field", flat=True).distinct())

    try:
        return cache.get_or_set(FIELD_NAMES_KEY, read, 300)
    except Exception:  # noqa: BLE001 - no cache, no harm: read it
        return read()


# --------------------------------------------------------------------------- one agency


def agency_summary(*, agency: Agency | str, months: int = 12, today: dt.date | None = None) -> dict:
    """One agency's figures only: the last `months` months (this one included) and its
    current figures, colour and freshness. Nothing from its schema. `agency`: the agency
    or its code."""
    if isinstance(agency, str):
        agency = Agency.objects.select_related("parent").get(code=agency)
    today = today or timezone.localdate()
    months = max(1, min(int(months), 60))
    period_from = add_months(today, -(months - 1))
    period_to = month_end(today)
    only = Agency.objects.filter(pk=agency.pk)
    status = _per_agency_status(only).get(agency.pk)
    colour, reasons = colour_of(status, today=today, since=_started(agency.created_at))
    trend = _trend(period_from, period_to, only)
    totals = _flow(_facts(period_from, period_to, only).aggregate(**_sums(FLOW_FIELDS)))
    freshness = freshness_of(status, now=timezone.now())
    refreshed = bool(status and status["refreshed_at"] is not None)
    current = {f: status[f] for f in STATUS_FIELDS} if refreshed else None
    if current is not None:
        current.update(
            year=status["year"],
            review_held=status["review_held"],
            last_activity=status["last_activity"],
        )
    return {
        "agency": {
            "code": agency.code,
            "name": agency.name,
            "kind": agency.kind,
            "kind_label": kind_label(agency.kind),
            "parent": agency.parent.name if agency.parent_id else "",
            "status": agency.status,
        },
        "period_from": period_from,
        "period_to": period_to,
        "months": months,
        "totals": totals,
        "trend": trend,
        "fields": _field_rates(period_from, period_to, only),
        "current": current,
        # the annual QMS reports it submitted to the province (public rows, figures only)
        "reports": list(
            ReportSubmission.objects.filter(agency=agency)
            .order_by("-year")
            .values("year", "submitted_at", "announced_conformity")[:5]
        ),
        "colour": colour,
        "colour_label": str(COLOURS[colour]),
        "reasons": reasons,
        "freshness": freshness,
        "freshness_label": str(FRESHNESS[freshness]),
        **{f: (status or {}).get(f) for f in FRESHNESS_FIELDS},
    }


def colour_counts(grid: list[dict]) -> dict[str, int]:
    counts = defaultdict(int)
    for row in grid:
        counts[row["colour"]] += 1
    return {colour: counts[colour] for colour in COLOURS}
