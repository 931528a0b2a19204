"""Query parameters of the improvement lists, checked before any query (iso_platform/filters.py)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from iso_platform.filters import ChoiceFilter, is_yes
from iso_platform.text import Unaccent, fold
from quality.improvement.models import (
    Action,
    ActionKind,
    ActionStatus,
    NcSource,
    NcStatus,
    Nonconformity,
)


class NonconformityFilter(django_filters.FilterSet):
    status = ChoiceFilter(choices=NcStatus.choices)
    source = ChoiceFilter(choices=NcSource.choices)
    q = django_filters.CharFilter(method="search", help_text="Tìm trong nội dung, không cần dấu.")

    class Meta:
        model = Nonconformity
        fields = ["status", "source", "q"]

    def search(self, queryset, name, value):
        q = fold(value).strip()
        if not q:
            return queryset
        return queryset.annotate(
            _title=Unaccent("title"), _ref=Unaccent("source_ref"), _desc=Unaccent("description")
        ).filter(Q(_title__contains=q) | Q(_ref__contains=q) | Q(_desc__contains=q))


class ActionFilter(django_filters.FilterSet):
    """`mine=1`: mine; `overdue=1`: open and past due."""

    mine = django_filters.CharFilter(method="only_mine")
    kind = ChoiceFilter(choices=ActionKind.choices)
    status = ChoiceFilter(choices=ActionStatus.choices)
    overdue = django_filters.CharFilter(method="only_overdue")

    class Meta:
        model = Action
        fields = ["mine", "kind", "status", "overdue"]

    def only_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if is_yes(value) else queryset

    def only_overdue(self, queryset, name, value):
        if not is_yes(value):
            return queryset
        return queryset.filter(
            status__in=[ActionStatus.OPEN, ActionStatus.INEFFECTIVE],
            due_on__lt=timezone.localdate(),
        )
