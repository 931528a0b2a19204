"""Filters of the audit-trail pages: the agency's trail and the platform audit log.

Every filter works from fixed lists (no query to build the form) and keeps the time filter
sargable (a range on `at`, in the province's time zone), so a long trail stays quick.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform.text import Unaccent, fold
from quality.core.audit_labels import ACTION_LABELS, SUBJECT_LABELS, subject_label
from quality.core.models import AuditEvent

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def action_choices() -> list[tuple[str, str]]:
    return sorted(((k, str(v)) for k, v in ACTION_LABELS.items()), key=lambda c: fold(c[1]))


def subject_choices(model_names=()) -> list[tuple[str, str]]:
    keys = set(SUBJECT_LABELS) | set(model_names)
    return sorted(((k, subject_label(k)) for k in keys), key=lambda c: fold(c[1]))


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def folded_contains(queryset, value: str, *fields):
    """Rows whose fields, folded (no case, no diacritics), contain the folded `value`."""
    folded = fold(value.strip())
    if not folded:
        return queryset
    parts = []
    for name in fields:
        parts += [Cast(name, CharField()), Value(" ")]
    return queryset.annotate(_folded=Unaccent(Concat(*parts, output_field=CharField()))).filter(
        _folded__contains=folded
    )


class TrailFilter(django_filters.FilterSet):
    """Shared by both trails (their rows have the same shape); `Meta.model` in each."""

    actor = django_filters.CharFilter(label=_("Người thực hiện"), method="filter_actor")
    action = django_filters.ChoiceFilter(
        label=_("Thao tác"), choices=action_choices, empty_label=_("Mọi thao tác")
    )
    subject_type = django_filters.ChoiceFilter(
        label=_("Đối tượng"), choices=subject_choices, empty_label=_("Mọi đối tượng")
    )
    start = django_filters.DateFilter(label=_("Từ ngày"), method="filter_start", widget=DATE_WIDGET)
    end = django_filters.DateFilter(label=_("Đến ngày"), method="filter_end", widget=DATE_WIDGET)
    q = django_filters.CharFilter(label=_("Tìm trong nội dung"), method="filter_text")

    text_fields = ("actor_label", "action", "subject_id", "subject_label", "changes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["subject_type"].extra["choices"] = subject_choices(self.subject_types())
        for name, field in self.form.fields.items():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("id", f"id_{name}")

    def subject_types(self) -> list[str]:
        """Model names offered in the subject filter besides `SUBJECT_LABELS`."""
        return []

    def filter_actor(self, queryset, name, value):
        return folded_contains(queryset, value, "actor_label")

    def filter_start(self, queryset, name, value):
        return queryset.filter(at__gte=_midnight(value))

    def filter_end(self, queryset, name, value):
        return queryset.filter(at__lt=_midnight(value + dt.timedelta(days=1)))

    def filter_text(self, queryset, name, value):
        return folded_contains(queryset, value, *self.text_fields)


def _agency_model_names() -> list[str]:
    from django.apps import apps

    return [
        m._meta.model_name
        for m in apps.get_models()
        if m._meta.app_label.startswith("quality_")
        or m._meta.app_label in ("integrations", "onboarding")
    ]


class AuditEventFilter(TrailFilter):
    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "subject_type", "start", "end", "q"]

    def subject_types(self) -> list[str]:
        return _agency_model_names()
