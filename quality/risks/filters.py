"""Query parameters of the risk lists, checked before any query (iso_platform/filters.py)."""

from __future__ import annotations

import django_filters

from iso_platform.filters import ChoiceFilter, IdFilter, is_yes
from quality.risks.models import ContextIssue, IssueKind, Risk, RiskKind, RiskStatus


class ContextIssueFilter(django_filters.FilterSet):
    kind = ChoiceFilter(choices=IssueKind.choices)
    active = django_filters.CharFilter(method="by_active")

    class Meta:
        model = ContextIssue
        fields = ["kind", "active"]

    def by_active(self, queryset, name, value):
        return queryset.filter(is_active=is_yes(value))


class RiskFilter(django_filters.FilterSet):
    kind = ChoiceFilter(choices=RiskKind.choices)
    status = ChoiceFilter(choices=RiskStatus.choices)
    unit = IdFilter()

    class Meta:
        model = Risk
        fields = ["kind", "status", "unit"]
