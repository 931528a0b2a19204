"""The platform audit log on the province console (`/audit-log/`): provincial administrators
only. Filters, pages and the CSV download are those of the agencies' trail
(`quality.core.audit_views.TrailListMixin`)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from iso_platform.accounts.permissions import ProvinceAdminRequiredMixin
from quality.core.audit_filters import TrailFilter, folded_contains
from quality.core.audit_views import TrailListMixin
from tenants.models import Agency, PlatformAuditEvent


class PlatformAuditFilter(TrailFilter):
    agency = django_filters.CharFilter(label=_("Cơ quan (tên hoặc mã)"), method="filter_agency")

    text_fields = (*TrailFilter.text_fields, "agency_code", "ip_address")

    class Meta:
        model = PlatformAuditEvent
        fields = ["actor", "action", "subject_type", "agency", "start", "end", "q"]

    def filter_agency(self, queryset, name, value):
        matching = folded_contains(Agency.objects.all(), value, "name", "code")
        return queryset.filter(agency_code__in=matching.values("code"))


class PlatformAuditView(ProvinceAdminRequiredMixin, TrailListMixin, TemplateView):
    template_name = "console/platform_audit.html"
    filter_class = PlatformAuditFilter
    csv_stem = "nhat-ky-nen-tang"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        codes = {event.agency_code for event in context["events"] if event.agency_code}
        names = dict(Agency.objects.filter(code__in=codes).values_list("code", "name"))
        for event in context["events"]:
            event.agency_name = names.get(event.agency_code, "")
        context["platform"] = True
        return context

    # the agency and the address, after the time and the person
    def csv_columns(self) -> list[str]:
        columns = super().csv_columns()
        return [*columns[:2], str(_("Cơ quan")), str(_("Địa chỉ IP")), *columns[2:]]

    def csv_row(self, event) -> list:
        row = super().csv_row(event)
        return [*row[:2], event.agency_code, event.ip_address or "", *row[2:]]
