"""The province's annual report page and its DOCX and PDF (province users only)."""

from __future__ import annotations

from functools import partial

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from insights.services import province_report, signing
from iso_platform.accounts.permissions import (
    ProvinceAdminRequiredMixin,
    ProvinceUserRequiredMixin,
    is_province_admin,
)
from iso_platform.signing.models import ProvinceSignedDocument
from iso_platform.signing.views import sign_submitted, signed_file_response, signing_panel
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

    def get_context_data(self, year=None, sign_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        if year is None:
            year, form = _year(self.request)
        else:  # the signing form's year, shown again with its refusal
            form = YearForm(initial={"year": year})
        report = province_report.build(year=year)
        context.update(
            form=form,
            year=year,
            report=report,
            document=province_report.document(report),
            can_manage=is_province_admin(self.request),
            signing=signing_panel(
                self.request,
                subject_type=signing.YEARLY_SUBJECT,
                subject_id=year,
                kind=signing.YEARLY_KIND,
                action=reverse("province_report:sign", args=[year]),
                download=lambda r: reverse("province_report:signed", args=[r.pk]),
                form=sign_form,
            ),
        )
        return context


def _signable(year: int) -> int:
    # Only a year the page offers: never a signed report of a year nobody could look at.
    if year not in province_report.year_choices():
        raise Http404
    return year


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ReportSignView(ProvinceAdminRequiredMixin, View):
    """ "Ký và phát hành" the report of `year`, with today's figures; a refusal shows the
    page again with the reason on the form."""

    def post(self, request, year):
        year = _signable(year)
        form, signed = sign_submitted(
            request,
            kind=signing.YEARLY_KIND,
            sign=partial(
                signing.yearly_report_sign, actor=request.user, year=year, request=request
            ),
            done=gettext("Đã ký số và phát hành báo cáo số %s."),
        )
        if signed:
            return redirect(f"{reverse('province_report:home')}?year={year}")
        page = ReportView()
        page.setup(request)
        return page.render_to_response(page.get_context_data(year=year, sign_form=form), status=400)


class SignedReportFileView(ProvinceUserRequiredMixin, View):
    """A signed yearly report, byte for byte as it was signed."""

    def get(self, request, signed):
        record = get_object_or_404(
            ProvinceSignedDocument, pk=signed, subject_type=signing.YEARLY_SUBJECT
        )
        name = f"bao-cao-iso-toan-tinh-{record.subject_id}-so-{record.sequence:02d}-{record.year}"
        return signed_file_response(request, record, name)


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
