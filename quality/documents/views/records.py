"""The records register: series by year, entries, disposal and the carry-over to a new year."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from iso_platform.forms import error_text
from quality.core.permissions import can
from quality.core.steps import Gate
from quality.documents import forms, selectors
from quality.documents.models import RecordEntry, RecordSeries
from quality.documents.services import records


class RecordRegisterView(Gate, TemplateView):
    capability = "records.view"
    template_name = "quality/documents/records.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            year = int(self.request.GET.get("year") or timezone.localdate().year)
        except ValueError:
            year = timezone.localdate().year
        context.update(
            year=year,
            series=selectors.record_register(year),
            years=sorted(
                set(RecordSeries.objects.values_list("year", flat=True)) | {year}, reverse=True
            ),
            form=forms.RecordSeriesForm(initial={"year": year}),
            carry_form=forms.CarryOverForm(initial={"from_year": year - 1, "to_year": year}),
            due=records.entries_due_for_disposal(),
            can_manage=can(self.request.user, "records.manage"),
        )
        return context

    def post(self, request):
        if not can(request.user, "records.manage"):
            raise PermissionDenied("records.manage")
        form = forms.RecordSeriesForm(request.POST)
        if form.is_valid():
            try:
                series = records.record_series_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Đã thêm hồ sơ “%(name)s”.") % {"name": series.name})
                return redirect(f"/documents/records/?year={series.year}")
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("documents:records")


class RecordSeriesView(Gate, TemplateView):
    capability = "records.view"
    template_name = "quality/documents/record_series.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        series = get_object_or_404(
            RecordSeries.objects.select_related("procedure", "keeper_unit"), pk=pk
        )
        context.update(
            series=series,
            entries=series.entries.select_related("created_by", "disposal__by"),
            form=forms.RecordEntryForm(),
            dispose_form=forms.DisposeForm(),
            can_manage=can(self.request.user, "records.manage"),
            today=timezone.localdate(),
        )
        return context

    def post(self, request, pk):
        if not can(request.user, "records.manage"):
            raise PermissionDenied("records.manage")
        series = get_object_or_404(RecordSeries, pk=pk)
        form = forms.RecordEntryForm(request.POST)
        if form.is_valid():
            try:
                records.record_entry_add(actor=request.user, series=series, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Đã thêm hồ sơ."))
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("documents:record_series", pk=pk)


class DisposeView(Gate, View):
    capability = "records.manage"

    def post(self, request, pk):
        entry = get_object_or_404(RecordEntry, pk=pk)
        form = forms.DisposeForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        else:
            try:
                records.record_dispose(actor=request.user, entry=entry, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Đã ghi nhận việc huỷ hồ sơ."))
        return redirect("documents:record_series", pk=entry.series_id)


class CarryOverView(Gate, View):
    capability = "records.manage"

    def post(self, request):
        form = forms.CarryOverForm(request.POST)
        if form.is_valid():
            try:
                count = records.record_register_carry_over(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(
                    request,
                    _("Đã tạo %(n)s hồ sơ cho năm %(year)s.")
                    % {"n": count, "year": form.cleaned_data["to_year"]},
                )
                return redirect(f"/documents/records/?year={form.cleaned_data['to_year']}")
        return redirect("documents:records")
