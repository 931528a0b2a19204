"""Reads of the register: risks and opportunities counted apart (one list, two kinds)."""

from __future__ import annotations

from django.db.models import Count, Q

from quality.risks.models import Risk, RiskKind, RiskStatus


def kind_counts() -> dict[str, dict[str, int]]:
    """{kind: {"open", "treated", "closed", "total"}} for both kinds, in one query."""
    rows = Risk.objects.values("kind").annotate(
        open=Count("id", filter=Q(status=RiskStatus.OPEN)),
        treated=Count("id", filter=Q(status=RiskStatus.TREATED)),
        closed=Count("id", filter=Q(status=RiskStatus.CLOSED)),
        total=Count("id"),
    )
    found = {row.pop("kind"): row for row in rows}
    empty = {"open": 0, "treated": 0, "closed": 0, "total": 0}
    return {kind: found.get(kind, dict(empty)) for kind in RiskKind.values}
