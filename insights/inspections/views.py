"""Inspections of agencies by the quality sub-department (province console).

Both province roles may read and write here: the department analyst is the quality
sub-department that plans and carries out inspections, and the provincial administrator
may stand in. Agency users never reach the console (other host, other user table).
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from insights.inspections.forms import (
    AddAgenciesForm,
    FindingForm,
    FindingFormSet,
    PlanEditForm,
    PlanForm,
    RecordForm,
    ScheduleForm,
)
from insights.models import Inspection, InspectionFinding, InspectionPlan, InspectionStatus
from insights.services import inspections as services
from insights.services import signing
from insights.services.inspection_conclusion import KIND, conclusion_document
from iso_platform.accounts.permissions import (
    ProvinceAdminRequiredMixin,
    ProvinceUserRequiredMixin,
    is_province_admin,
    is_province_user,
)
from iso_platform.confirm import Confirmation, ConfirmStepMixin
from iso_platform.forms import add_errors, error_text
from iso_platform.signing.models import ProvinceSignedDocument
from iso_platform.signing.views import sign_submitted, signed_file_response, signing_panel
from quality.core.reports import document_response


class Page(ProvinceUserRequiredMixin):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = is_province_admin(self.request)
        return context


class PlanListView(Page, TemplateView):
    template_name = "insights/inspections/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plans = InspectionPlan.objects.annotate(
            n_planned=Count(
                "inspections", filter=~Q(inspections__status=InspectionStatus.CANCELLED)
            ),
            n_done=Count("inspections", filter=Q(inspections__status=InspectionStatus.DONE)),
        ).order_by("-year")
        for plan in plans:
            plan.percent = round(100 * plan.n_done / plan.n_planned) if plan.n_planned else 0
        context["plans"] = plans
        return context


class FormPage(Page, FormView):
    """A form on its own page; the service's errors land on the form's fields."""

    template_name = "insights/inspections/form.html"
    heading = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = self.heading
        return context

    def form_valid(self, form):
        try:
            target = self.act(form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success)
        return target


class PlanCreateView(FormPage):
    form_class = PlanForm

    @property
    def heading(self):
        return _("Lập kế hoạch kiểm tra")

    @property
    def success(self):
        return _("Đã lập kế hoạch kiểm tra.")

    def get_initial(self):
        return {"year": timezone.localdate().year}

    def act(self, data):
        plan = services.plan_create(actor=self.request.user, **data)
        return redirect("inspections:plan", pk=plan.pk)


class PlanMixin:
    """Loads the plan, only for province users (others are refused without a lookup)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and is_province_user(request):
            self.plan = get_object_or_404(InspectionPlan, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plan"] = self.plan
        return context


class PlanDetailView(Page, PlanMixin, TemplateView):
    template_name = "insights/inspections/plan.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            inspections=self.plan.inspections.select_related("agency").annotate(
                n_findings=Count("findings"),
                n_open=Count("findings", filter=Q(findings__closed_on__isnull=True)),
            ),
            progress=services.plan_progress(self.plan),
            can_add=services.agencies_for_plan(self.plan).exists(),
        )
        return context


class PlanEditView(PlanMixin, FormPage):
    form_class = PlanEditForm

    @property
    def heading(self):
        return _("Sửa kế hoạch kiểm tra năm %(year)s") % {"year": self.plan.year}

    @property
    def success(self):
        return _("Đã lưu kế hoạch.")

    def get_initial(self):
        return {
            "title": self.plan.title,
            "note": self.plan.note,
            "approved_at": self.plan.approved_at,
        }

    def act(self, data):
        services.plan_update(actor=self.request.user, plan=self.plan, **data)
        return redirect("inspections:plan", pk=self.plan.pk)


class PlanAddView(PlanMixin, FormPage):
    form_class = AddAgenciesForm

    @property
    def heading(self):
        return _("Chọn cơ quan kiểm tra (kế hoạch năm %(year)s)") % {"year": self.plan.year}

    @property
    def success(self):
        return _("Đã thêm cơ quan vào kế hoạch.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["queryset"] = services.agencies_for_plan(self.plan)
        return kwargs

    def act(self, data):
        services.inspections_add(actor=self.request.user, plan=self.plan, **data)
        return redirect("inspections:plan", pk=self.plan.pk)


class InspectionMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and is_province_user(request):
            self.inspection = get_object_or_404(
                Inspection.objects.select_related("plan", "agency"), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["inspection"] = self.inspection
        context["plan"] = self.inspection.plan
        return context


class InspectionDetailView(Page, InspectionMixin, TemplateView):
    template_name = "insights/inspections/inspection.html"

    def get_context_data(self, sign_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            findings=self.inspection.findings.all(),
            figures=services.compare(self.inspection),
        )
        if self.inspection.status == InspectionStatus.DONE:
            context["signing"] = self.signing(sign_form)
        return context

    def signing(self, form):
        pk = self.inspection.pk
        return signing_panel(
            self.request,
            subject_type=signing.INSPECTION_SUBJECT,
            subject_id=pk,
            kind=KIND,
            action=reverse("inspections:conclusion_sign", args=[pk]),
            download=lambda r: reverse("inspections:conclusion_signed", args=[pk, r.pk]),
            form=form,
        )


class InspectionScheduleView(InspectionMixin, FormPage):
    form_class = ScheduleForm

    @property
    def heading(self):
        return _("Sửa lịch kiểm tra: %(name)s") % {"name": self.inspection.agency.name}

    @property
    def success(self):
        return _("Đã lưu lịch kiểm tra.")

    def get_initial(self):
        return {"scheduled_on": self.inspection.scheduled_on, "team": self.inspection.team}

    def act(self, data):
        services.inspection_schedule(actor=self.request.user, inspection=self.inspection, **data)
        return redirect("inspections:inspection", pk=self.inspection.pk)


class InspectionRemoveView(ConfirmStepMixin, ProvinceUserRequiredMixin, View):
    def confirm_page_context(self, request):
        return {"can_manage": is_province_admin(request), "active": "inspections"}

    def confirmation(self, request, pk):
        inspection = get_object_or_404(
            Inspection.objects.select_related("agency", "plan"),
            pk=pk,
            status=InspectionStatus.PLANNED,
        )
        approved = bool(inspection.plan.approved_at)
        return Confirmation(
            title=_("Huỷ cuộc kiểm tra?") if approved else _("Bỏ khỏi kế hoạch?"),
            text=_("Kế hoạch đã phê duyệt: cuộc kiểm tra sẽ được ghi là huỷ.")
            if approved
            else _("Cuộc kiểm tra sẽ bị xoá khỏi kế hoạch chưa phê duyệt."),
            button=_("Xác nhận huỷ cuộc kiểm tra") if approved else _("Xác nhận bỏ khỏi kế hoạch"),
            cancel_url=f"/inspections/{inspection.pk}/",
            items=[f"{inspection.agency.name} — {inspection.plan.year}"],
            nav="console/_nav.html",
            active="inspections",
        )

    def post(self, request, pk):
        inspection = get_object_or_404(Inspection.objects.select_related("agency"), pk=pk)
        try:
            kept = services.inspection_remove(actor=request.user, inspection=inspection)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("inspections:inspection", pk=pk)
        if kept is None:
            messages.success(
                request, _("Đã bỏ %(name)s khỏi kế hoạch.") % {"name": inspection.agency.name}
            )
        else:
            messages.success(
                request,
                _("Kế hoạch đã phê duyệt: cuộc kiểm tra %(name)s được ghi là huỷ.")
                % {"name": inspection.agency.name},
            )
        return redirect("inspections:plan", pk=inspection.plan_id)


class InspectionRecordView(InspectionMixin, FormPage):
    template_name = "insights/inspections/record.html"
    form_class = RecordForm

    @property
    def heading(self):
        return _("Ghi nhận kết quả kiểm tra: %(name)s") % {"name": self.inspection.agency.name}

    @property
    def success(self):
        return _("Đã ghi nhận kết quả kiểm tra và lưu số liệu tại thời điểm kiểm tra.")

    def get_initial(self):
        return {"team": self.inspection.team}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self.formset())
        return context

    def formset(self):
        if self.request.method == "POST":
            return FindingFormSet(self.request.POST, prefix="findings")
        return FindingFormSet(prefix="findings")

    def post(self, request, *args, **kwargs):
        form, formset = self.get_form(), self.formset()
        if not (form.is_valid() and formset.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        findings = [f.cleaned_data for f in formset.forms if f.has_changed() and f.cleaned_data]
        try:
            services.inspection_record(
                actor=request.user,
                inspection=self.inspection,
                findings=findings,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        messages.success(request, self.success)
        return redirect("inspections:inspection", pk=self.inspection.pk)


class FindingAddView(InspectionMixin, FormPage):
    form_class = FindingForm

    @property
    def heading(self):
        return _("Thêm phát hiện: %(name)s") % {"name": self.inspection.agency.name}

    @property
    def success(self):
        return _("Đã thêm phát hiện.")

    def act(self, data):
        services.finding_add(actor=self.request.user, inspection=self.inspection, **data)
        return redirect("inspections:inspection", pk=self.inspection.pk)


class FindingEditView(FormPage):
    form_class = FindingForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and is_province_user(request):
            self.finding = get_object_or_404(
                InspectionFinding.objects.select_related("inspection__agency", "inspection__plan"),
                pk=kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)

    @property
    def heading(self):
        return _("Sửa phát hiện: %(name)s") % {"name": self.finding.inspection.agency.name}

    @property
    def success(self):
        return _("Đã lưu phát hiện.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(inspection=self.finding.inspection, plan=self.finding.inspection.plan)
        return context

    def get_initial(self):
        f = self.finding
        return {
            "kind": f.kind,
            "text": f.text,
            "clause": f.clause,
            "due_on": f.due_on,
            "closed_on": f.closed_on,
        }

    def act(self, data):
        services.finding_update(actor=self.request.user, finding=self.finding, **data)
        return redirect("inspections:inspection", pk=self.finding.inspection_id)


class ConclusionFileView(InspectionMixin, ProvinceUserRequiredMixin, View):
    """The conclusion of a done inspection, PDF or DOCX, with a draft number (the province
    numbers it in its own register, outside eISO)."""

    fmt = "pdf"

    def get(self, request, pk):
        inspection = self.inspection
        if inspection.status != InspectionStatus.DONE:
            raise Http404
        return document_response(
            conclusion_document(inspection), self.fmt, _file_name(inspection), request=request
        )


def _file_name(inspection: Inspection) -> str:
    return f"ket-luan-kiem-tra-{inspection.agency.code}-{inspection.plan.year}"


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ConclusionSignView(ProvinceAdminRequiredMixin, InspectionMixin, View):
    """ "Ký và phát hành" the conclusion: the provincial administrator signs with their own
    certificate; a refusal shows the inspection page again with the reason on the form."""

    def post(self, request, pk):
        inspection = self.inspection
        if inspection.status != InspectionStatus.DONE:
            raise Http404  # no conclusion yet, as its draft
        form, signed = sign_submitted(
            request,
            kind=KIND,
            sign=partial(
                signing.conclusion_sign, actor=request.user, inspection=inspection, request=request
            ),
            done=_("Đã ký số và phát hành kết luận số %s."),
        )
        if signed:
            return redirect("inspections:inspection", pk=pk)
        page = InspectionDetailView()
        page.setup(request, pk=pk)
        page.inspection = inspection
        return page.render_to_response(page.get_context_data(sign_form=form), status=400)


class ConclusionSignedFileView(InspectionMixin, ProvinceUserRequiredMixin, View):
    """A signed conclusion, byte for byte as it was signed."""

    def get(self, request, pk, signed):
        record = get_object_or_404(
            ProvinceSignedDocument,
            pk=signed,
            subject_type=signing.INSPECTION_SUBJECT,
            subject_id=str(pk),
        )
        name = f"{_file_name(self.inspection)}-so-{record.sequence:02d}-{record.year}"
        return signed_file_response(request, record, name)
