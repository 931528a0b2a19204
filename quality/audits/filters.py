"""Query parameters of the audit lists, checked before any query (iso_platform/filters.py)."""

from __future__ import annotations

import django_filters

from iso_platform.filters import ChoiceFilter, YearFilter
from quality.audits.models import AuditPlan, PlanStatus


class PlanFilter(django_filters.FilterSet):
    year = YearFilter(field_name="programme__year")
    status = ChoiceFilter(choices=PlanStatus.choices)

    class Meta:
        model = AuditPlan
        fields = ["year", "status"]
