"""Context issues, the risk and opportunity register, treatment and re-evaluation."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from quality.core.models import AgencySettings
from quality.core.permissions import can
from quality.core.services import audit_record, changes_between
from quality.risks.models import ClimateDecision, ContextIssue, IssueKind, Risk, RiskStatus

MSG_SCALE = gettext_noop("%(field)s phải là số nguyên từ 1 đến %(n)s (ma trận %(n)s x %(n)s).")
MSG_CLOSED = gettext_noop("Rủi ro đã đóng; không đánh giá lại.")
MSG_TITLE = gettext_noop("Cần mô tả.")
MSG_CLIMATE_REASONS = gettext_noop(
    "Cần nêu lý do, căn cứ của kết luận về biến đổi khí hậu (Sửa đổi 1:2024, điều 4.1)."
)
MSG_CLIMATE_CHOICE = gettext_noop("Hãy chọn biến đổi khí hậu có hay không là vấn đề liên quan.")
CLIMATE_ISSUE_TITLE = gettext_noop("Biến đổi khí hậu")
MSG_RESIDUAL_BOTH = gettext_noop("Đánh giá lại cần cả khả năng và mức độ ảnh hưởng sau xử lý.")


@dataclass(frozen=True)
class Level:
    key: str
    label: str
    css: str


DEFAULT_LEVELS = (  # (highest score of the band, level): for a 5 x 5 matrix
    (4, Level("low", gettext_lazy("Thấp"), "success")),
    (9, Level("medium", gettext_lazy("Trung bình"), "warning")),
    (16, Level("high", gettext_lazy("Cao"), "orange")),
    (25, Level("very_high", gettext_lazy("Rất cao"), "danger")),
)


def matrix() -> tuple[int, tuple]:
    """(size, bands) of the agency's risk matrix; bands scale with the size."""
    config = AgencySettings.load()
    size = config.risk_matrix_size
    scale = (size * size) / 25
    return size, tuple((max(1, round(top * scale)), level) for top, level in DEFAULT_LEVELS)


def level_of(score: int) -> Level:
    _size, bands = matrix()
    for top, level in bands:
        if score <= top:
            return level
    return bands[-1][1]


def _require(actor) -> None:
    if not can(actor, "risks.manage"):
        raise PermissionDenied("risks.manage")


def _check_scale(**values) -> None:
    size, _bands = matrix()
    errors = {}
    names = {
        "likelihood": _("Khả năng xảy ra"),
        "impact": _("Mức độ ảnh hưởng"),
        "residual_likelihood": _("Khả năng sau xử lý"),
        "residual_impact": _("Ảnh hưởng sau xử lý"),
    }
    for field, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= size:
            errors[field] = _(MSG_SCALE) % {"field": names[field], "n": size}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def context_issue_save(*, actor, issue: ContextIssue | None = None, **fields) -> ContextIssue:
    _require(actor)
    creating = issue is None
    if (creating or "title" in fields) and not (fields.get("title") or "").strip():
        raise ValidationError({"title": _(MSG_TITLE)})
    issue = issue or ContextIssue()
    before = {k: getattr(issue, k, None) for k in fields}
    for name, value in fields.items():
        setattr(issue, name, value.strip() if isinstance(value, str) else value)
    issue.updated_at = timezone.now()
    issue.save()
    audit_record(
        actor=actor,
        action="create" if creating else "edit",
        subject=issue,
        changes=changes_between(before, fields),
    )
    return issue


@transaction.atomic
def climate_decide(*, actor, relevant: bool, reasons: str) -> ClimateDecision:
    """Record whether climate change is a relevant issue (4.1 as amended in 2024). A relevant
    one also stands in the register as an external issue, so reviews and risks see it; a
    later "not relevant" retires that issue (kept, marked no longer in force)."""
    _require(actor)
    if not isinstance(relevant, bool):
        raise ValidationError({"relevant": _(MSG_CLIMATE_CHOICE)})
    if not (reasons or "").strip():
        raise ValidationError({"reasons": _(MSG_CLIMATE_REASONS)})
    issue = _climate_issue(relevant=relevant, reasons=reasons.strip())
    decision = ClimateDecision.objects.create(
        relevant=relevant, reasons=reasons.strip(), issue=issue, decided_by=actor
    )
    audit_record(
        actor=actor,
        action="climate_decide",
        subject=decision,
        changes={"relevant": relevant, "reasons": decision.reasons},
    )
    return decision


def _climate_issue(*, relevant: bool, reasons: str) -> ContextIssue | None:
    previous = ClimateDecision.objects.filter(issue__isnull=False).select_for_update().first()
    issue = previous.issue if previous else None
    if issue is None and not relevant:
        return None
    issue = issue or ContextIssue(kind=IssueKind.EXTERNAL, title=_(CLIMATE_ISSUE_TITLE))
    issue.description, issue.is_active = reasons, relevant
    issue.climate_related, issue.updated_at = True, timezone.now()
    issue.save()
    return issue


def climate_decision_current() -> ClimateDecision | None:
    return ClimateDecision.objects.select_related("decided_by").first()


@transaction.atomic
def risk_create(*, actor, title: str, likelihood: int, impact: int, owner, **fields) -> Risk:
    _require(actor)
    if not (title or "").strip():
        raise ValidationError({"title": _(MSG_TITLE)})
    _check_scale(likelihood=likelihood, impact=impact)
    risk = Risk.objects.create(
        title=title.strip(), likelihood=likelihood, impact=impact, owner=owner, **fields
    )
    audit_record(
        actor=actor,
        action="create",
        subject=risk,
        changes={
            "title": risk.title,
            "likelihood": likelihood,
            "impact": impact,
            "level": level_of(risk.score).key,
        },
    )
    return risk


@transaction.atomic
def risk_update(*, actor, risk: Risk, **fields) -> Risk:
    _require(actor)
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    scores = {
        k: v
        for k, v in fields.items()
        if k in ("likelihood", "impact", "residual_likelihood", "residual_impact")
        and not (k.startswith("residual_") and v is None)
    }
    if scores:
        _check_scale(**scores)
    before = {k: getattr(risk, k) for k in fields}
    for name, value in fields.items():
        setattr(risk, name, value)
    risk.save()
    audit_record(actor=actor, action="edit", subject=risk, changes=changes_between(before, fields))
    return risk


@transaction.atomic
def risk_reevaluate(
    *, actor, risk: Risk, residual_likelihood: int, residual_impact: int, note: str = ""
) -> Risk:
    """After treatment: the residual level on the same matrix."""
    _require(actor)
    if residual_likelihood is None or residual_impact is None:
        raise ValidationError(_(MSG_RESIDUAL_BOTH))
    _check_scale(residual_likelihood=residual_likelihood, residual_impact=residual_impact)
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    if risk.status == RiskStatus.CLOSED:
        raise ValidationError(_(MSG_CLOSED))
    risk.residual_likelihood, risk.residual_impact = residual_likelihood, residual_impact
    risk.reevaluated_at, risk.reevaluation_note = timezone.now(), note.strip()
    risk.status = RiskStatus.TREATED
    risk.save(
        update_fields=[
            "residual_likelihood",
            "residual_impact",
            "reevaluated_at",
            "reevaluation_note",
            "status",
        ]
    )
    audit_record(
        actor=actor,
        action="risk_reevaluate",
        subject=risk,
        changes={
            "before": risk.score,
            "after": risk.residual_score,
            "level_after": level_of(risk.residual_score).key,
            "note": note,
        },
    )
    return risk


def heat_map(risks=None) -> dict:
    """Counts per (likelihood, impact) cell, rows from the highest likelihood down."""
    size, _bands = matrix()
    risks = Risk.objects.exclude(status=RiskStatus.CLOSED) if risks is None else risks
    counts: dict[tuple[int, int], int] = {}
    for likelihood, impact in risks.values_list("likelihood", "impact"):
        counts[(likelihood, impact)] = counts.get((likelihood, impact), 0) + 1
    rows = []
    for likelihood in range(size, 0, -1):
        rows.append(
            {
                "likelihood": likelihood,
                "cells": [
                    {
                        "impact": impact,
                        "count": counts.get((likelihood, impact), 0),
                        "level": level_of(likelihood * impact),
                    }
                    for impact in range(1, size + 1)
                ],
            }
        )
    return {"size": size, "rows": rows, "impacts": list(range(1, size + 1))}
