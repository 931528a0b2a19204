import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from iso_platform.text import Unaccent, fold
from tenants.models import Agency, AgencyKind, AgencyStatus


class AgencyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Tìm theo tên hoặc mã"), method="search")
    kind = django_filters.ChoiceFilter(
        label=_("Loại"), choices=AgencyKind.choices, empty_label=_("Tất cả loại")
    )
    status = django_filters.ChoiceFilter(
        label=_("Trạng thái"), choices=AgencyStatus.choices, empty_label=_("Tất cả trạng thái")
    )

    class Meta:
        model = Agency
        fields = ["q", "kind", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("kind", "status"):
            self.form.fields[name].widget.attrs["class"] = "form-select"

    def search(self, queryset, name, value):
        folded = fold(value.strip())
        if not folded:
            return queryset
        return queryset.annotate(folded_name=Unaccent("name")).filter(
            Q(folded_name__contains=folded) | Q(code__contains=folded)
        )
