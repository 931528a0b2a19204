"""Query parameters of the objective list, checked before any query (iso_platform/filters.py)."""

from __future__ import annotations

import django_filters

from iso_platform.filters import YearFilter
from quality.objectives.models import Objective


class ObjectiveFilter(django_filters.FilterSet):
    year = YearFilter()

    class Meta:
        model = Objective
        fields = ["year"]
