"""Readiness criteria of an agency in a wave: a small registry keyed by name.

Each criterion reads a per-agency context built set-wise from public tables (the
onboarding checklist mirror, the statistics' status row and week facts) and answers met,
not met, or not measurable ("chưa đo được") when the figure it needs does not exist yet.
Another part of the platform may register more criteria with `criterion_register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from insights.models import AgencyFact, AgencyStatus, Grain
from onboarding.province.models import AgencyOnboarding

MET, UNMET, UNMEASURED = "met", "unmet", "unmeasured"
STATE_LABELS = {MET: _("Đạt"), UNMET: _("Chưa đạt"), UNMEASURED: _("Chưa đo được")}
SIGNED_IN_SHARE = 80  # % of the agency's active accounts that have signed in at least once
MIN_STAFF = 2  # the administrator alone is not "staff invited"
TRAINED_SHARE = 80  # % of staff trained


@dataclass(frozen=True)
class Cell:
    state: str
    detail: str = ""

    @property
    def met(self) -> bool:
        return self.state == MET

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    check: Callable[[dict], Cell]
    status_fields: tuple[str, ...] = ()


CRITERIA: dict[str, Criterion] = {}


def criterion_register(
    key: str, label, check: Callable[[dict], Cell], *, status_fields: tuple[str, ...] = ()
) -> None:
    """`status_fields`: the `AgencyStatus` columns `check` reads from `ctx["status"]`
    (`refreshed_at` is always there); only those are read, a wave may hold hundreds of
    agencies and the status row has dozens of columns."""
    CRITERIA[key] = Criterion(key, label, check, tuple(status_fields))


def _status_fields() -> list[str]:
    wanted = {"refreshed_at"}.union(*(c.status_fields for c in CRITERIA.values()))
    return sorted(wanted)


def readiness_context(agency_ids: list[int], *, among: QuerySet | None = None) -> dict[int, dict]:
    """Per agency: its checklist mirror, status row and documents issued so far (three
    queries whatever the number of agencies). `among`, a query selecting the same ids
    (a wave's members), lets the statements carry a subquery instead of hundreds of bound
    parameters, which cost more to send and plan than the rows themselves."""
    among = agency_ids if among is None else among
    onboarding = {
        row["agency_id"]: row
        for row in AgencyOnboarding.objects.filter(agency_id__in=among).values(
            "agency_id", "done", "total"
        )
    }
    status = {
        row["agency"]: row
        for row in AgencyStatus.objects.filter(agency_id__in=among).values(
            "agency", *_status_fields()
        )
    }
    issued = {
        row["agency_id"]: row["n"]
        for row in AgencyFact.objects.filter(agency_id__in=among, grain=Grain.MONTH)
        .values("agency_id")
        .annotate(n=Sum("documents_issued"))
        .order_by()
    }
    return {
        pk: {
            "onboarding": onboarding.get(pk),
            "status": status.get(pk),
            "documents_issued": issued.get(pk, 0) or 0,
        }
        for pk in agency_ids
    }


def _checklist(ctx: dict) -> Cell:
    row = ctx["onboarding"]
    if row is None or not row["total"]:
        return Cell(UNMEASURED)
    done = row["done"] >= row["total"]
    return Cell(MET if done else UNMET, f"{row['done']}/{row['total']}")


def _signed_in(ctx: dict) -> Cell:
    status = ctx["status"]
    if status is None or status.get("refreshed_at") is None:
        return Cell(UNMEASURED)
    users, signed = status["users"], status["users_signed_in"]
    ok = users >= MIN_STAFF and 100 * signed >= SIGNED_IN_SHARE * users
    return Cell(MET if ok else UNMET, f"{signed}/{users}")


def _documents(ctx: dict) -> Cell:
    if ctx["status"] is None:
        return Cell(UNMEASURED)
    n = ctx["documents_issued"]
    return Cell(MET if n else UNMET, str(n))


def _integration(ctx: dict) -> Cell:
    status = ctx["status"]
    if status is None or status.get("refreshed_at") is None:
        return Cell(UNMEASURED)
    used = status["integration_used_at"]
    return Cell(MET if used else UNMET, used.strftime("%d/%m/%Y") if used else "")


def _trained(ctx: dict) -> Cell:
    """Staff who attended a training session this year (quality.competence, counted by the
    statistics refresh as `staff_trained`) over the active staff. Before the first refresh,
    or with nobody on staff, it is not measurable, never "not met"."""
    status = ctx["status"]
    if status is None or status.get("refreshed_at") is None or not status.get("users"):
        return Cell(UNMEASURED)
    share = round(100 * (status.get("staff_trained") or 0) / status["users"])
    return Cell(MET if share >= TRAINED_SHARE else UNMET, f"{share}%")


criterion_register("checklist", _("Hoàn thành danh mục khởi đầu"), _checklist)
criterion_register(
    "staff_signed_in",
    _("Đã mời cán bộ và cán bộ đã đăng nhập"),
    _signed_in,
    status_fields=("users", "users_signed_in"),
)
criterion_register("documents_issued", _("Đã ban hành tài liệu đầu tiên"), _documents)
criterion_register(
    "integration_used",
    _("Đã dùng khoá kết nối một cửa"),
    _integration,
    status_fields=("integration_used_at",),
)
criterion_register(
    "staff_trained",
    _("Cán bộ đã được đào tạo"),
    _trained,
    status_fields=("users", "staff_trained"),
)
