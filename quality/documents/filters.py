"""Query parameters of the document lists, checked before any query (iso_platform/filters.py)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from iso_platform.filters import ChoiceFilter, IdFilter, YearFilter
from quality.documents import selectors
from quality.documents.models import DocType, Document, DocumentStatus, RecordSeries

OUT_OF_FORCE = ("out_of_force", _("Hết hiệu lực"))


class DocumentFilter(django_filters.FilterSet):
    """The register's parameters; what they mean is `selectors.document_register`'s."""

    q = django_filters.CharFilter(label=_("Tìm kiếm"))
    doc_type = ChoiceFilter(choices=DocType.choices)
    unit = IdFilter()
    status = ChoiceFilter(choices=[*DocumentStatus.choices, OUT_OF_FORCE])

    class Meta:
        model = Document
        fields = ["q", "doc_type", "unit", "status"]

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return selectors.document_register(
            q=data.get("q") or "",
            doc_type=data.get("doc_type") or "",
            unit_id=data.get("unit"),
            status=data.get("status") or "",
        )


class SeriesFilter(django_filters.FilterSet):
    year = YearFilter()

    class Meta:
        model = RecordSeries
        fields = ["year"]
