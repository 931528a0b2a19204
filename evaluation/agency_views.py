"""The agency's own part of the evaluation, on its host (`/evaluation/`): its paper-era
baseline and its written assessment of the pilot. Each agency reads and writes only its
own rows: the agency is the host's, never a parameter."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from evaluation.forms import AssessmentForm, BaselineForm
from evaluation.models import Assessment, BaselineFigure, Source
from evaluation.services import baselines as service
from iso_platform.current import current_agency
from iso_platform.forms import add_errors
from quality.core.steps import Gate


class AgencyEvaluationView(Gate, TemplateView):
    capability = "settings.manage"
    template_name = "evaluation/agency.html"

    def get_context_data(self, baseline_form=None, assessment_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        agency = current_agency()
        figures = {
            (row.key, row.source): row for row in BaselineFigure.objects.filter(agency=agency)
        }
        assessment = Assessment.objects.filter(agency=agency).first()
        declared = {k: r.value for (k, s), r in figures.items() if s == Source.DECLARED}
        context.update(
            agency=agency,
            figures=[
                {
                    "label": figure.label,
                    "declared": figures.get((key, Source.DECLARED)),
                    "measured": figures.get((key, Source.MEASURED)),
                }
                for key, figure in service.FIGURES.items()
            ],
            baseline_form=baseline_form or BaselineForm(initial=declared),
            assessment_form=assessment_form
            or AssessmentForm(
                initial={
                    "advantages": assessment.advantages,
                    "limitations": assessment.limitations,
                    "proposals": assessment.proposals,
                }
                if assessment
                else None
            ),
        )
        return context

    def post(self, request):
        if "advantages" in request.POST:
            return self._assessment(request)
        form = BaselineForm(request.POST)
        if form.is_valid():
            try:
                service.baseline_declare(
                    agency=current_agency(),
                    actor=request.user,
                    values=form.cleaned_data,
                    request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu số liệu trước khi áp dụng."))
                return redirect("agency_evaluation:home")
        return self.render_to_response(self.get_context_data(baseline_form=form), status=400)

    def _assessment(self, request):
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                service.assessment_write(
                    agency=current_agency(),
                    actor=request.user,
                    request=request,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu tự đánh giá của cơ quan."))
                return redirect("agency_evaluation:home")
        return self.render_to_response(self.get_context_data(assessment_form=form), status=400)
