"""The province's annual report page and its DOCX and PDF (province users only)."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from insights.services import province_report
from iso_platform.accounts.permissions import ProvinceUserRequiredMixin, is_province_admin
from quality.core.reports import file_response


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Năm báo cáo"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in province_report.year_choices()]
        self.fields["year"].error_messages["invalid_choice"] = _(
            "Năm %(value)s không có trong danh sách, hãy chọn năm khác."
        )


def _year(request) -> tuple[int, YearForm]:
    """The chosen year (or the default one), and the form showing it or its error."""
    if "year" in request.GET:
        form = YearForm(request.GET)
        if form.is_valid():
            return form.cleaned_data["year"], form
        return province_report.default_year(), form
    year = province_report.default_year()
    return year, YearForm(initial={"year": year})


class ReportView(ProvinceUserRequiredMixin, TemplateView):
    template_name = "insights/province_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year, form = _year(self.request)
        report = province_report.build(year=year)
        context.update(
            form=form,
            year=year,
            report=report,
            document=province_report.document(report),
            can_manage=is_province_admin(self.request),
        )
        return context


class ReportFileView(ProvinceUserRequiredMixin, View):
    fmt = "pdf"

    def get(self, request):
        year, form = _year(request)
        if form.errors:  # never a file of another year than the one asked for
            raise Http404
        report = province_report.build(year=year)
        return file_response(
            province_report.document(report),
            self.fmt,
            f"bao-cao-iso-toan-tinh-{year}",
            request=request,
        )
