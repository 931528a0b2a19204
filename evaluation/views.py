"""The rollout evaluation on the province console (`/evaluation/`).

Province users read; the province administrator plans waves, sets thresholds and moves
waves. Pages read public tables only (evaluation.selectors), never an agency schema.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from evaluation import charts, selectors
from evaluation.forms import AdvanceForm, GateForm, WaveAgenciesForm, WaveForm
from evaluation.indicators import SUM_FIELDS
from evaluation.models import NEXT_STAGE, WAVE_SUBJECT, SignedReport, Stage, Wave, WeeklySnapshot
from evaluation.readiness import STATE_LABELS
from evaluation.services import report as report_service
from evaluation.services import signing as signing_service
from evaluation.services import waves as service
from iso_platform import spreadsheets
from iso_platform.accounts.permissions import (
    ProvinceAdminRequiredMixin,
    ProvinceUserRequiredMixin,
    is_province_admin,
)
from iso_platform.audit import export_record
from iso_platform.forms import add_errors, error_text
from iso_platform.signing.views import sign_submitted, signed_file_response, signing_panel
from quality.core.reports import file_response

CURVE_WEEKS = 16
GRID_ROWS = 50  # rows per page of the readiness grid (furthest from ready first)


class HomeView(ProvinceUserRequiredMixin, TemplateView):
    template_name = "evaluation/home.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        waves = selectors.overview()
        context.update(
            waves=waves,
            form=form or WaveForm(),
            can_manage=is_province_admin(self.request),
            curves=charts.adoption_curves(waves, weeks=CURVE_WEEKS),
        )
        return context

    def post(self, request):
        if not is_province_admin(request):
            raise PermissionDenied
        form = WaveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                wave = service.wave_create(
                    actor=request.user,
                    request=request,
                    name=data["name"],
                    order=data["order"],
                    planned_start=data["planned_start"],
                    planned_go_live=data["planned_go_live"],
                    agencies=list(data["agencies"]),
                    note=data["note"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lập đợt triển khai “%s”.") % wave.name)
                return redirect("evaluation:wave", pk=wave.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _weekly_rows(wave: Wave) -> tuple[list, list]:
    """Every agency-week of the wave since it started: the export table."""
    header = [_("Mã cơ quan"), _("Cơ quan"), _("Tuần từ"), *SUM_FIELDS, "issue_days_median"]
    rows = (
        WeeklySnapshot.objects.filter(agency__rollout_wave__wave=wave)
        .order_by("agency__name", "week")
        .values_list("agency__code", "agency__name", "week", *SUM_FIELDS, "issue_days_median")
    )
    return header, [list(r) for r in rows]


def _readiness_rows(wave: Wave) -> tuple[list, list]:
    """Every agency of the wave against every readiness criterion: the grid in full."""
    grid = selectors.readiness_grid(wave, furthest_first=True)
    header = [_("Mã cơ quan"), _("Cơ quan"), *[str(c.label) for c in grid["criteria"]]]
    header.append(_("Sẵn sàng"))
    rows = [
        [
            row["agency"].code,
            row["agency"].name,
            *[f"{c.label} ({c.detail})" if c.detail else c.label for c in row["cells"]],
            _("Có") if row["ready"] else f"{row['met']}/{row['measured']}",
        ]
        for row in grid["rows"]
    ]
    return header, rows


class WaveView(ProvinceUserRequiredMixin, TemplateView):
    template_name = "evaluation/wave.html"

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format")
        if fmt:
            return self.export(fmt)
        return super().get(request, *args, **kwargs)

    def wave(self) -> Wave:
        return get_object_or_404(Wave, pk=self.kwargs["pk"])

    def export(self, fmt):
        if fmt not in spreadsheets.CONTENT_TYPES:
            raise Http404
        wave = self.wave()
        if self.request.GET.get("table") == "readiness":
            header, rows = _readiness_rows(wave)
            title, name = _("Mức độ sẵn sàng"), f"san-sang-dot-{wave.order}"
        else:
            header, rows = _weekly_rows(wave)
            title, name = _("Số liệu tuần"), f"so-lieu-tuan-dot-{wave.order}"
        body = (
            spreadsheets.xlsx_bytes(rows, title=title, header=header)
            if fmt == "xlsx"
            else spreadsheets.csv_bytes(rows, header=header)
        )
        response = spreadsheets.download(body, fmt=fmt, filename=name)
        export_record(request=self.request, kind="evaluation", filename=f"{name}.{fmt}")
        return response

    def get_context_data(self, forms=None, **kwargs):
        context = super().get_context_data(**kwargs)
        wave = self.wave()
        forms = forms or {}
        # A subquery, not a list of ids: a wave may hold hundreds of agencies.
        members = wave.members.values("agency_id")
        start = wave.started_on or wave.planned_start
        _first, end = selectors.window()
        series = selectors.weekly_series(members, start - dt.timedelta(weeks=1), end)
        gate = selectors.gate_status(wave)
        grid = selectors.readiness_grid(wave, furthest_first=True)
        grid_page = Paginator(grid["rows"], GRID_ROWS).get_page(self.request.GET.get("page"))
        can_manage = is_province_admin(self.request)
        context.update(
            wave=wave,
            previous=selectors.previous_wave(wave),
            grid=grid,
            grid_page=grid_page,
            state_labels=STATE_LABELS,
            gate=gate,
            gate_met=selectors.gate_met(gate),
            next_stage=NEXT_STAGE.get(Stage(wave.stage)),
            indicator_charts=charts.indicator_charts(wave, series),
            lagging=selectors.lagging(wave),
            decisions=wave.decisions.all()[:20],
            can_manage=can_manage,
        )
        if can_manage:
            context.update(self.manage_forms(wave, forms))
        return context

    def manage_forms(self, wave: Wave, forms: dict) -> dict:
        """The administrator's forms, filled with what is stored: the wave's agency codes
        (only while it is planned, the only stage they may change) and its thresholds."""
        agencies = forms.get("agencies")
        if agencies is None and wave.stage == Stage.PLANNED:
            codes = wave.members.order_by("agency__code").values_list("agency__code", flat=True)
            agencies = WaveAgenciesForm(initial={"codes": "\n".join(codes)})
        thresholds = {c.indicator: c.threshold for c in wave.gate.all()}
        return {
            "agencies_form": agencies,
            "gate_form": forms.get("gate") or GateForm(initial=thresholds),
            "advance_form": forms.get("advance") or AdvanceForm(),
        }


class WaveStep(ProvinceUserRequiredMixin, View):
    """A POST on a wave by the province administrator; a refusal shows the page again
    with the service's message on the form (status 400)."""

    form_class = None
    form_key = ""

    def post(self, request, pk):
        if not is_province_admin(request):
            raise PermissionDenied
        wave = get_object_or_404(Wave, pk=pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                message = self.act(wave, form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
                messages.error(request, error_text(exc))
            else:
                messages.success(request, message)
                return redirect("evaluation:wave", pk=wave.pk)
        page = WaveView(request=request, kwargs={"pk": pk})
        return page.render_to_response(
            page.get_context_data(forms={self.form_key: form}), status=400
        )


class WaveAgenciesView(WaveStep):
    form_class, form_key = WaveAgenciesForm, "agencies"

    def act(self, wave, data):
        service.wave_agencies_set(
            actor=self.request.user,
            wave=wave,
            agencies=list(data["agencies"]),
            request=self.request,
        )
        return _("Đã cập nhật danh sách cơ quan của đợt.")


class WaveGateView(WaveStep):
    form_class, form_key = GateForm, "gate"

    def act(self, wave, data):
        service.gate_set(actor=self.request.user, wave=wave, thresholds=data, request=self.request)
        return _("Đã lưu điều kiện chuyển đợt.")


class WaveAdvanceView(WaveStep):
    form_class, form_key = AdvanceForm, "advance"

    def act(self, wave, data):
        decision = service.wave_advance(
            actor=self.request.user,
            wave=wave,
            reason=data["reason"],
            override=data["override"],
            request=self.request,
        )
        return _("Đã chuyển đợt sang bước “%s”.") % decision.get_to_stage_display()


class ReportView(ProvinceUserRequiredMixin, TemplateView):
    template_name = "evaluation/report.html"

    def get_context_data(self, sign_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        wave = get_object_or_404(Wave, pk=self.kwargs["pk"])
        evaluation = report_service.evaluation_build(wave=wave)
        context.update(
            wave=wave,
            evaluation=evaluation,
            document=report_service.document(evaluation),
            signing=signing_panel(
                self.request,
                subject_type=WAVE_SUBJECT,
                subject_id=wave.pk,
                kind=signing_service.KIND,
                action=reverse("evaluation:report_sign", args=[wave.pk]),
                download=lambda r: reverse("evaluation:report_signed", args=[wave.pk, r.pk]),
                form=sign_form,
            ),
        )
        return context


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ReportSignView(ProvinceAdminRequiredMixin, View):
    """ "Ký và phát hành báo cáo": the provincial administrator signs with their own
    certificate; a refusal shows the report page again with the reason on the form."""

    def post(self, request, pk):
        wave = get_object_or_404(Wave, pk=pk)
        form, signed = sign_submitted(
            request,
            kind=signing_service.KIND,
            sign=partial(
                signing_service.report_sign, actor=request.user, wave=wave, request=request
            ),
            done=_("Đã ký số và phát hành báo cáo số %s."),
        )
        if signed:
            return redirect("evaluation:report", pk=wave.pk)
        page = ReportView(request=request, kwargs={"pk": pk})
        return page.render_to_response(page.get_context_data(sign_form=form), status=400)


class SignedReportFileView(ProvinceUserRequiredMixin, View):
    """The signed PDF byte for byte as it was signed (never a new rendering)."""

    def get(self, request, pk, signed):
        record = get_object_or_404(SignedReport, pk=signed, subject_id=str(pk))
        name = f"bao-cao-danh-gia-dot-{record.wave.order}-so-{record.sequence:02d}-{record.year}"
        return signed_file_response(request, record, name)


class ReportFileView(ProvinceUserRequiredMixin, View):
    fmt = "pdf"

    def get(self, request, pk):
        wave = get_object_or_404(Wave, pk=pk)
        document = report_service.document(report_service.evaluation_build(wave=wave))
        return file_response(
            document, self.fmt, f"bao-cao-danh-gia-dot-{wave.order}", request=request
        )
