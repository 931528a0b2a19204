"""Pages: quality objectives of the year, their measurements, attainment chart, plan."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from iso_platform.forms import add_errors
from quality.core.permissions import can
from quality.core.steps import Gate, Step
from quality.improvement.models import Action, ActionKind
from quality.improvement.views import SourceActionAddView, actions_context, trail
from quality.objectives import forms, services
from quality.objectives.models import Method, Objective


class ObjectiveListView(Gate, TemplateView):
    capability = "objectives.view"
    template_name = "quality/objectives/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        this_year = timezone.localdate().year
        try:
            year = int(self.request.GET.get("year", this_year))
        except ValueError:
            year = this_year
        objectives = list(
            Objective.objects.filter(year=year)
            .select_related("owner", "procedure")
            .annotate(
                measured=Count("measurements"),
                met=Count("measurements", filter=Q(measurements__met=True)),
            )
            # Explicit: Django leaves Meta.ordering out of a query with GROUP BY (the counts).
            .order_by("-year", "id")
        )
        for objective in objectives:
            objective.latest = objective.measurements.order_by("-period_start").first()
        years = sorted(
            {this_year, year, *Objective.objects.values_list("year", flat=True).distinct()},
            reverse=True,
        )
        chart = {
            "type": "bar",
            "labels": [o.title for o in objectives],  # charts.js fits them to the screen
            "yTitle": _("Số kỳ"),
            "stacked": True,
            "integer": True,
            "datasets": [
                {
                    "label": _("Đạt"),
                    "data": [o.met for o in objectives],
                    "backgroundColor": "#198754",
                },
                {
                    "label": _("Không đạt"),
                    "data": [o.measured - o.met for o in objectives],
                    "backgroundColor": "#dc3545",
                },
            ],
        }
        context.update(
            objectives=objectives,
            year=year,
            years=years,
            chart=chart,
            can_manage=can(self.request.user, "objectives.manage"),
        )
        return context


class ObjectiveCreateView(Gate, View):
    capability = "objectives.manage"
    template = "quality/objectives/create.html"

    def get(self, request):
        return render(request, self.template, {"form": forms.ObjectiveForm()})

    def post(self, request):
        form = forms.ObjectiveForm(request.POST)
        if form.is_valid():
            try:
                objective = services.objective_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã thêm mục tiêu chất lượng."))
                return redirect(objective)
        return render(request, self.template, {"form": form}, status=400)


class ObjectiveDetailView(Gate, TemplateView):
    capability = "objectives.view"
    template_name = "quality/objectives/detail.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        objective = get_object_or_404(
            Objective.objects.select_related("owner", "procedure", "unit"), pk=pk
        )
        user = self.request.user
        actions = list(
            Action.objects.filter(
                source_type="objective", source_id=str(objective.pk)
            ).select_related("owner", "verified_by")
        )
        context.update(
            objective=objective,
            measurements=objective.measurements.select_related("recorded_by").order_by(
                "period_start"
            ),
            chart=services.attainment_chart(objective),
            is_manual=objective.method == Method.MANUAL,
            can_manage=can(user, "objectives.manage"),
            can_measure=can(user, "objectives.manage") or user.pk == objective.owner_id,
            measure_form=forms.MeasurementForm(objective=objective),
            audit=trail("objective", objective.pk),
            actions_title=_("Kế hoạch thực hiện"),
            **actions_context(
                user, actions, "objectives.manage", f"/objectives/{objective.pk}/actions/"
            ),
        )
        return context


class MeasureView(Step):
    model = Objective
    form_class = forms.MeasurementForm
    success = gettext_lazy("Đã ghi kết quả đo.")

    def form_kwargs(self, objective):
        return {"objective": objective}

    def act(self, objective, data):
        start, end = data["period"]
        return services.measurement_record(
            actor=self.request.user,
            objective=objective,
            period_start=start,
            period_end=end,
            value=data["value"],
            evidence=data["evidence"],
        )


class ComputeView(Step):
    model = Objective
    capability = "objectives.manage"

    def act(self, objective, data):
        stored = services.measurements_compute(objective=objective, actor=self.request.user)
        messages.success(self.request, _("Đã tính %(n)s kỳ từ dữ liệu hồ sơ.") % {"n": stored})
        return stored


class ObjectiveActionAddView(SourceActionAddView):
    model = Objective
    kind = ActionKind.OBJECTIVE
    source_type = "objective"
