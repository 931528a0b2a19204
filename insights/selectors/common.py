"""What every statistic shares: the figures' fields, which agencies count, periods and
months, the fact querysets and the per-agency reads."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insights.models import AgencyFact, AgencyStatus, FieldFact, Grain
from iso_platform.months import add_months, month_end, month_start
from quality.core.editions import catalogue
from tenants.models import Agency, AgencyKind
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
    "staff_trained",
)
FRESHNESS_FIELDS = ("refreshed_at", "dirty_since", "last_error", "failed_at")
# The edition followed and the move to a newer one (not summed: read per agency)
EDITION_FIELDS = (
    "iso_edition",
    "transition_target",
    "transition_deadline",
    "transition_questions",
    "transition_answered",
    "transition_closed",
    "transition_actions",
    "transition_actions_done",
)
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


def months_between(period_from: dt.date, period_to: dt.date) -> list[dt.date]:
    """First days of every month touching the range."""
    months, current = [], month_start(period_from)
    while current <= period_to:
        months.append(current)
        current = add_months(current, 1)
    return months


def counted_agencies(*, kind: str | None = None) -> QuerySet:
    agencies = (
        Agency.objects.agencies()
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


# --------------------------------------------------------------------------- per agency


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
        "agency_id",
        "year",
        "review_held",
        "last_activity",
        *STATUS_FIELDS,
        *FRESHNESS_FIELDS,
        *EDITION_FIELDS,
    )
    return {row["agency_id"]: row for row in rows}


def edition_figures(status: dict | None) -> dict:
    """The edition an agency follows and its transition, ready for the grid and the chart."""
    status = status or {}
    editions = catalogue()
    code, target = status.get("iso_edition") or "", status.get("transition_target") or ""
    questions = status.get("transition_questions") or 0
    return {
        "iso_edition": code,
        "edition_name": editions[code].name if code in editions else code,
        "transition_target": target,
        "transition_target_name": editions[target].name if target in editions else target,
        "transition_percent": (
            round(100 * (status.get("transition_closed") or 0) / questions) if questions else None
        ),
        "transition_deadline": status.get("transition_deadline"),
        "transition_answered": status.get("transition_answered") or 0,
        "transition_questions": questions,
    }
