"""Pages: audit programme of the year, plans, team, checklists, findings, the report."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from iso_platform.forms import add_errors, error_text, form_errors
from quality.audits import forms, services
from quality.audits.models import AuditPlan, AuditProgramme, ChecklistItem, Grade, PlanStatus
from quality.core.editions import edition_get
from quality.core.permissions import can
from quality.core.reports import file_response
from quality.core.steps import Gate, Step
from quality.improvement.views import trail


class AuditListView(Gate, TemplateView):
    capability = "audits.view"
    template_name = "quality/audits/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        programmes = AuditProgramme.objects.prefetch_related("plans__lead").annotate(
            n_plans=Count("plans")
        )
        context.update(
            programmes=programmes,
            programme_form=forms.ProgrammeForm(),
            can_manage=can(self.request.user, "audits.manage"),
            mine=AuditPlan.objects.filter(
                Q(lead=self.request.user) | Q(assignments__auditor=self.request.user)
            )
            .exclude(status=PlanStatus.REPORTED)
            .distinct(),
        )
        return context


class ProgrammeCreateView(Gate, View):
    capability = "audits.manage"

    def post(self, request):
        form = forms.ProgrammeForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
        else:
            try:
                services.programme_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Đã lập chương trình đánh giá nội bộ."))
        return redirect("audits:list")


class PlanCreateView(Gate, View):
    capability = "audits.manage"
    template = "quality/audits/plan_create.html"

    def get(self, request):
        initial = {"programme": AuditProgramme.objects.first()}
        return render(request, self.template, {"form": forms.PlanForm(initial=initial)})

    def post(self, request):
        form = forms.PlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.plan_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lập kế hoạch đánh giá."))
                return redirect(plan)
        return render(request, self.template, {"form": form}, status=400)


class PlanDetailView(Gate, TemplateView):
    capability = "audits.view"
    template_name = "quality/audits/plan.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = get_object_or_404(AuditPlan.objects.select_related("programme", "lead"), pk=pk)
        user = self.request.user
        assignments = list(plan.assignments.select_related("auditor", "unit"))
        items = list(
            plan.checklist.select_related("clause", "procedure", "assignment__unit").order_by(
                "assignment_id", "clause__sort_key", "id"
            )
        )
        manager = can(user, "audits.manage")
        for item in items:
            item.can_assess = plan.status != PlanStatus.REPORTED and (
                manager or user.pk in (item.assignment.auditor_id, plan.lead_id)
            )
        counts = services.findings_summary(plan)
        grades = dict(Grade.choices)
        context.update(
            plan=plan,
            assignments=assignments,
            items=items,
            assessed=sum(1 for i in items if i.grade),
            findings=plan.findings.select_related("assignment__unit", "clause", "nonconformity"),
            counts=[(g, grades[g], counts[g]) for g in Grade.values],
            chart={
                "type": "bar",
                "integer": True,
                "labels": [str(grades[g]) for g in Grade.values],
                "datasets": [
                    {
                        "label": _("Số phát hiện"),
                        "data": [counts[g] for g in Grade.values],
                        "backgroundColor": ["#198754", "#0dcaf0", "#ffc107", "#dc3545", "#0d6efd"],
                    }
                ],
            },
            open=plan.status != PlanStatus.REPORTED,
            can_manage=manager,
            can_record=plan.status != PlanStatus.REPORTED
            and (
                manager
                or user.pk == plan.lead_id
                or any(a.auditor_id == user.pk for a in assignments)
            ),
            can_report=plan.status != PlanStatus.REPORTED and (manager or user.pk == plan.lead_id),
            assignment_form=forms.AssignmentForm(),
            checklist_form=forms.ChecklistForm(plan=plan),
            edition=edition_get(plan.edition),
            assess_form=forms.AssessForm(),
            finding_form=forms.FindingForm(plan=plan),
            report_form=forms.ReportForm(signer=user),
            audit=trail("auditplan", plan.pk),
        )
        return context


class PlanStep(Step):
    model = AuditPlan


class AssignView(PlanStep):
    form_class = forms.AssignmentForm
    success = gettext_lazy("Đã phân công.")

    def act(self, plan, data):
        return services.assignment_add(actor=self.request.user, plan=plan, **data)


class ChecklistBuildView(PlanStep):
    form_class = forms.ChecklistForm

    def form_kwargs(self, plan):
        return {"plan": plan}

    def act(self, plan, data):
        n = services.checklist_build(
            actor=self.request.user,
            plan=plan,
            clause_codes=data["clauses"],
            include_procedures=data["include_procedures"],
        )
        messages.success(self.request, _("Đã thêm %(n)s nội dung kiểm tra.") % {"n": n})
        return n


class FindingView(PlanStep):
    form_class = forms.FindingForm

    def form_kwargs(self, plan):
        return {"plan": plan}

    def act(self, plan, data):
        finding = services.finding_record(actor=self.request.user, **data)
        if finding.nonconformity_id:
            messages.success(
                self.request,
                _("Đã ghi phát hiện và mở %(code)s để xử lý.")
                % {"code": finding.nonconformity.code},
            )
        else:
            messages.success(self.request, _("Đã ghi phát hiện."))
        return finding


class ReportView(PlanStep):
    form_class = forms.ReportForm
    success = gettext_lazy("Đã kết thúc cuộc đánh giá; báo cáo sẵn sàng tải về.")

    def form_kwargs(self, plan):
        return {"signer": self.request.user}

    def act(self, plan, data):
        return services.plan_report(
            actor=self.request.user,
            plan=plan,
            conclusion=data["conclusion"],
            signing=self.form.signing_secrets(),
        )


class AssessView(Step):
    model = ChecklistItem
    form_class = forms.AssessForm
    success = gettext_lazy("Đã ghi kết quả.")

    def act(self, item, data):
        return services.checklist_assess(actor=self.request.user, item=item, **data)

    def next_url(self, item, result):
        return f"{item.plan.get_absolute_url()}#item-{item.pk}"


class ReportFileView(Gate, View):
    capability = "audits.view"
    fmt = "pdf"

    def get(self, request, pk):
        plan = get_object_or_404(AuditPlan, pk=pk)
        if plan.status != PlanStatus.REPORTED and not can(request.user, "audits.manage"):
            raise PermissionDenied(_("Báo cáo có sau khi đoàn đánh giá kết luận."))
        return file_response(
            services.audit_report(plan), self.fmt, f"bao-cao-danh-gia-{plan.pk}", request=request
        )
