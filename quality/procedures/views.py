"""Pages: procedure catalogue and editor, applications with their sheets, on-time charts."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from iso_platform import spreadsheets
from iso_platform.audit import export_record
from iso_platform.forms import add_errors, error_text
from iso_platform.numbers import vn_number
from iso_platform.paging import CappedPaginator
from quality.core.permissions import can
from quality.core.steps import Gate
from quality.improvement.models import Nonconformity
from quality.procedures import exports, forms, selectors
from quality.procedures.event_sources import application_events
from quality.procedures.models import Application, Procedure
from quality.procedures.services import catalogue


class ProcedureListView(Gate, TemplateView):
    capability = "procedures.view"
    template_name = "quality/procedures/catalogue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        procedures = selectors.procedures_with_counts().prefetch_related("versions")
        context.update(
            procedures=procedures,
            can_manage=can(self.request.user, "procedures.manage"),
            import_form=forms.ImportForm(),
        )
        return context


class ProcedureCreateView(Gate, View):
    capability = "procedures.manage"
    template = "quality/procedures/edit.html"

    def get(self, request):
        return render(
            request,
            self.template,
            {
                "form": forms.ProcedureForm(),
                "version_form": forms.VersionForm(initial={"effective_from": timezone.localdate()}),
            },
        )

    def post(self, request):
        form, version_form = forms.ProcedureForm(request.POST), forms.VersionForm(request.POST)
        if form.is_valid() and version_form.is_valid():
            try:
                procedure = catalogue.procedure_create(
                    actor=request.user, version=version_form.spec(), **form.cleaned_data
                )
            except ValidationError as exc:
                _split_errors(exc, form, version_form)
            else:
                messages.success(request, _("Đã thêm thủ tục %(code)s.") % {"code": procedure.code})
                return redirect("procedures:detail", pk=procedure.pk)
        return render(
            request, self.template, {"form": form, "version_form": version_form}, status=400
        )


def _split_errors(exc, form, version_form) -> None:
    if not hasattr(exc, "error_dict"):
        version_form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        target = form if field in form.fields else version_form
        target.add_error(field if field in target.fields else None, errors)


class ProcedureDetailView(Gate, View):
    capability = "procedures.view"
    template = "quality/procedures/detail.html"

    def get(self, request, pk, version_form=None, status=200):
        procedure = get_object_or_404(Procedure.objects.select_related("document"), pk=pk)
        versions = procedure.versions.prefetch_related("steps__unit").order_by("-effective_from")
        return render(
            request,
            self.template,
            {
                "procedure": procedure,
                "versions": versions,
                "current": procedure.version_on(timezone.localdate()),
                "can_manage": can(request.user, "procedures.manage"),
                "version_form": version_form
                or forms.VersionForm(initial={"effective_from": timezone.localdate()}),
            },
            status=status,
        )

    def post(self, request, pk):
        """A new version of the rules from a date."""
        procedure = get_object_or_404(Procedure, pk=pk)
        if not can(request.user, "procedures.manage"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("procedures.manage")
        form = forms.VersionForm(request.POST)
        if form.is_valid():
            try:
                catalogue.procedure_version_add(
                    actor=request.user, procedure=procedure, version=form.spec()
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã thêm phiên bản quy định mới."))
                return redirect("procedures:detail", pk=pk)
        return self.get(request, pk, version_form=form, status=400)


class ImportView(Gate, View):
    capability = "procedures.manage"

    def post(self, request):
        form = forms.ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("Hãy chọn tệp CSV hoặc XLSX."))
            return redirect("procedures:catalogue")
        upload = form.cleaned_data["file"]
        try:
            report = catalogue.catalogue_import(
                actor=request.user, name=upload.name, data=upload.read()
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("procedures:catalogue")
        return render(
            request,
            "quality/procedures/import_report.html",
            {"report": report},
            status=200 if report.ok else 400,
        )


class ApplicationListView(Gate, TemplateView):
    capability = "applications.view"
    template_name = "quality/procedures/applications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.ApplicationFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        queryset = selectors.application_list(
            status=data.get("status", ""),
            q=data.get("q", ""),
            procedure_id=data["procedure"].pk if data.get("procedure") else None,
            timeliness=data.get("timeliness", ""),
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            completed_from=data.get("completed_from"),
            completed_to=data.get("completed_to"),
            channel=data.get("channel", ""),
        )
        page = CappedPaginator(queryset, 50).get_page(self.request.GET.get("page"))
        total = vn_number(page.paginator.count)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            applications=page.object_list,
            total_label=_("hơn %(n)s") % {"n": total} if page.paginator.capped else total,
            query=query.urlencode(),
            now=timezone.now(),
        )
        return context


class ApplicationDetailView(Gate, TemplateView):
    capability = "applications.view"
    template_name = "quality/procedures/application.html"

    def get_context_data(self, pk, **kwargs):

        context = super().get_context_data(**kwargs)
        app = get_object_or_404(Application.objects.select_related("procedure", "version"), pk=pk)
        context.update(
            app=app,
            sheet=app.handoffs.order_by("seq"),
            now=timezone.now(),
            steps=app.version.steps.select_related("unit"),
            events=application_events(app),
            nonconformities=Nonconformity.objects.filter(
                source_type="application", source_id=app.code
            )
            .select_related("owner")
            .order_by("detected_at", "id"),
        )
        return context


class SheetPdfView(Gate, View):
    capability = "applications.view"

    def get(self, request, pk):
        app = get_object_or_404(Application.objects.select_related("procedure"), pk=pk)
        response = HttpResponse(exports.sheet_pdf(app), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="phieu-kiem-soat-{app.code}.pdf"'
        return response


class TrackingBookView(Gate, View):
    capability = "applications.view"

    def get(self, request):
        form = forms.TrackingBookForm(request.GET)
        if not form.is_valid():
            messages.error(request, _("Khoảng thời gian không hợp lệ."))
            return redirect("procedures:applications")
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        stem = f"so-theo-doi-ho-so-{start:%Y%m%d}-{end:%Y%m%d}"
        response = spreadsheets.download(
            exports.tracking_book_xlsx(start, end), fmt="xlsx", filename=stem
        )
        export_record(request=request, kind="tracking_book", filename=f"{stem}.xlsx")
        return response


def _stats_period(request):
    """(form, start, end, procedure id or None) of the statistics page and its download."""
    default = forms.PeriodForm.default_initial()
    form = forms.PeriodForm(request.GET or None, initial=default)
    data = form.cleaned_data if form.is_valid() else default
    procedure = data.get("procedure")
    return form, data["start"], data["end"], procedure.pk if procedure else None


class StatsView(Gate, TemplateView):
    capability = "applications.view"
    template_name = "quality/procedures/stats.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, start, end, pid = _stats_period(self.request)
        months = selectors.on_time_by_month(start, end, pid)
        by_step = selectors.on_time_by_step(start, end, pid)
        by_unit = selectors.on_time_by_unit(start, end, pid)
        by_procedure = selectors.on_time_by_procedure(start, end)
        context.update(
            form=form,
            start=start,
            end=end,
            summary=selectors.summary(start, end),
            months=months,
            by_step=by_step,
            by_unit=by_unit,
            by_procedure=by_procedure,
            month_chart=_stacked(months, _("Số hồ sơ có kết quả")),
            step_chart=_rate_chart(by_step),
            unit_chart=_rate_chart(by_unit),
        )
        return context


class StatsExportView(Gate, View):
    """The on-time statistics of the page's period as one workbook: a sheet per breakdown
    (month, procedure, step, unit), the same figures as the page."""

    capability = "applications.view"

    def get(self, request):
        _form, start, end, pid = _stats_period(request)
        sheets = [
            (_("Theo tháng"), _("Tháng"), selectors.on_time_by_month(start, end, pid)),
            (_("Theo thủ tục"), _("Thủ tục"), selectors.on_time_by_procedure(start, end)),
            (_("Theo bước"), _("Bước"), selectors.on_time_by_step(start, end, pid)),
            (_("Theo đơn vị"), _("Đơn vị"), selectors.on_time_by_unit(start, end, pid)),
        ]
        book = spreadsheets.Workbook()
        for title, first, rates in sheets:
            sheet = book.sheet(str(title), freeze_header=True)
            sheet.append(
                [
                    first,
                    _("Trước hạn"),
                    _("Đúng hạn"),
                    _("Trễ hạn"),
                    _("Đang quá hạn"),
                    _("Tỷ lệ đúng và trước hạn (%)"),
                ],
                bold=True,
            )
            for r in rates:
                rate = r.on_time_rate
                sheet.append([r.label, r.early, r.on_time, r.late, r.open_overdue, rate])
        name = f"dung-han-{start:%Y%m%d}-{end:%Y%m%d}"
        return spreadsheets.download(book.to_bytes(), fmt="xlsx", filename=name)


GREEN, BLUE, RED = "#198754", "#0d6efd", "#dc3545"


def _stacked(rates, title) -> dict:
    return {
        "type": "bar",
        "stacked": True,
        "labels": [r.label for r in rates],
        "yTitle": title,
        "datasets": [
            {
                "label": str(_("Trước hạn")),
                "data": [r.early for r in rates],
                "backgroundColor": GREEN,
            },
            {
                "label": str(_("Đúng hạn")),
                "data": [r.on_time for r in rates],
                "backgroundColor": BLUE,
            },
            {"label": str(_("Trễ hạn")), "data": [r.late for r in rates], "backgroundColor": RED},
        ],
    }


def _rate_chart(rates) -> dict:
    return {
        "type": "bar",
        "max": 100,
        "yTitle": "%",
        "labels": [r.label for r in rates],
        "datasets": [
            {
                "label": str(_("Tỷ lệ đúng hạn (%)")),
                "data": [r.on_time_rate for r in rates],
                "backgroundColor": BLUE,
            }
        ],
    }


def period_default() -> tuple[dt.date, dt.date]:
    initial = forms.PeriodForm.default_initial()
    return initial["start"], initial["end"]
