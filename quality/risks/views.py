"""Pages: context of the organisation, the risk and opportunity register, its heat map."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from iso_platform.forms import add_errors
from quality.core.editions import agency_edition
from quality.core.permissions import can
from quality.core.steps import Gate, Step
from quality.improvement.models import OPEN_ACTION_STATUSES, Action, ActionKind
from quality.improvement.views import SourceActionAddView, actions_context, trail
from quality.risks import forms, selectors, services
from quality.risks.models import ContextIssue, IssueKind, Risk, RiskStatus


class RegisterView(Gate, TemplateView):
    capability = "risks.view"
    template_name = "quality/risks/register.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.RiskFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        rows = Risk.objects.select_related("owner", "unit", "procedure")
        status = data.get("status", "")
        if status == "":
            rows = rows.exclude(status=RiskStatus.CLOSED)
        elif status != "all":
            rows = rows.filter(status=status)
        if data.get("kind"):
            rows = rows.filter(kind=data["kind"])
        open_actions = dict(
            Action.objects.filter(source_type="risk", status__in=OPEN_ACTION_STATUSES)
            .values_list("source_id")
            .annotate(n=Count("id"))
        )
        risks = sorted(rows, key=lambda r: (-r.score, r.pk))
        for risk in risks:
            risk.level = services.level_of(risk.score)
            risk.residual_level = (
                services.level_of(risk.residual_score) if risk.residual_score else None
            )
            risk.open_actions = open_actions.get(str(risk.pk), 0)
        size, bands = services.matrix()
        counts = selectors.kind_counts()
        context.update(
            form=form,
            kind=data.get("kind", ""),
            status=data.get("status", ""),
            counts=counts,
            all_open=sum(c["open"] + c["treated"] for c in counts.values()),
            risks=risks,
            heat=services.heat_map(rows.filter(kind="risk")),
            bands=[
                (bands[i - 1][0] + 1 if i else 1, top, level)
                for i, (top, level) in enumerate(bands)
            ],
            size=size,
            can_manage=can(self.request.user, "risks.manage"),
        )
        return context


class RiskCreateView(Gate, View):
    capability = "risks.manage"
    template = "quality/risks/edit.html"

    def get(self, request):
        return render(request, self.template, {"form": forms.RiskForm()})

    def post(self, request):
        form = forms.RiskForm(request.POST)
        if form.is_valid():
            try:
                risk = services.risk_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã thêm vào sổ đăng ký rủi ro."))
                return redirect(risk)
        return render(request, self.template, {"form": form}, status=400)


FIELDS = (
    "kind",
    "title",
    "procedure",
    "process",
    "unit",
    "cause",
    "consequence",
    "owner",
    "likelihood",
    "impact",
    "status",
)


class RiskDetailView(Gate, TemplateView):
    capability = "risks.view"
    template_name = "quality/risks/detail.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        risk = get_object_or_404(
            Risk.objects.select_related("owner", "unit", "procedure", "process"), pk=pk
        )
        user = self.request.user
        actions = list(
            Action.objects.filter(source_type="risk", source_id=str(risk.pk)).select_related(
                "owner", "verified_by"
            )
        )
        context.update(
            risk=risk,
            level=services.level_of(risk.score),
            residual_level=services.level_of(risk.residual_score) if risk.residual_score else None,
            can_manage=can(user, "risks.manage"),
            edit_form=forms.RiskEditForm(initial={name: getattr(risk, name) for name in FIELDS}),
            reevaluate_form=forms.ReevaluateForm(
                initial={
                    "residual_likelihood": risk.residual_likelihood,
                    "residual_impact": risk.residual_impact,
                }
            ),
            audit=trail("risk", risk.pk),
            actions_title=_("Biện pháp xử lý"),
            **actions_context(user, actions, "risks.manage", f"/risks/{risk.pk}/actions/"),
        )
        return context


class RiskEditView(Step):
    model = Risk
    capability = "risks.manage"
    form_class = forms.RiskEditForm
    success = gettext_lazy("Đã lưu.")

    def act(self, risk, data):
        return services.risk_update(actor=self.request.user, risk=risk, **data)


class RiskReevaluateView(Step):
    model = Risk
    capability = "risks.manage"
    form_class = forms.ReevaluateForm
    success = gettext_lazy("Đã đánh giá lại mức rủi ro sau xử lý.")

    def act(self, risk, data):
        return services.risk_reevaluate(actor=self.request.user, risk=risk, **data)


class RiskActionAddView(SourceActionAddView):
    model = Risk
    kind = ActionKind.RISK
    source_type = "risk"
    success = gettext_lazy("Đã giao biện pháp xử lý.")


class ContextView(Gate, View):
    capability = "risks.view"
    template = "quality/risks/context.html"

    def get(self, request, pk=None, form=None, status=200, climate_form=None):
        issue = get_object_or_404(ContextIssue, pk=pk) if pk else None
        groups = [
            (label, ContextIssue.objects.filter(kind=value).order_by("-is_active", "title"))
            for value, label in IssueKind.choices
        ]
        return render(
            request,
            self.template,
            {
                "groups": groups,
                "issue": issue,
                "form": form or forms.ContextIssueForm(instance=issue),
                "can_manage": can(request.user, "risks.manage"),
                "edition": agency_edition(),
                "climate": services.climate_decision_current(),
                "climate_form": climate_form or forms.ClimateDecisionForm(),
            },
            status=status,
        )

    def post(self, request, pk=None):
        issue = get_object_or_404(ContextIssue, pk=pk) if pk else None
        form = forms.ContextIssueForm(request.POST)
        if form.is_valid():
            try:
                services.context_issue_save(actor=request.user, issue=issue, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu."))
                return redirect("risks:context")
        return self.get(request, pk, form=form, status=400)


class ClimateDecisionView(Gate, View):
    """Amendment 1:2024 to 4.1: is climate change a relevant issue, and why."""

    capability = "risks.manage"

    def post(self, request):
        form = forms.ClimateDecisionForm(request.POST)
        if form.is_valid():
            try:
                services.climate_decide(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã ghi kết luận về biến đổi khí hậu."))
                return redirect("risks:context")
        return ContextView().get(request, climate_form=form, status=400)
