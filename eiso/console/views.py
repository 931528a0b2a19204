"""Province console pages: agencies, provisioning with progress, suspend and resume."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, RedirectView

from eiso.console.forms import AgencyCreateForm, IdentifierForm, SuspendForm
from iso_platform.accounts.permissions import (
    ProvinceAdminRequiredMixin,
    ProvinceUserRequiredMixin,
    is_province_admin,
)
from iso_platform.forms import error_text, form_errors
from tenants.filters import AgencyFilter
from tenants.models import Agency, AgencyStatus, ProvisioningJob
from tenants.services.jobs import provisioning_job_create
from tenants.services.lifecycle import agency_identifier_set, agency_resume, agency_suspend


def _agencies():
    return Agency.objects.agencies().select_related("parent")


class HomeView(ProvinceUserRequiredMixin, RedirectView):
    pattern_name = "console:agency_list"


class AgencyListView(ProvinceUserRequiredMixin, ListView):
    template_name = "console/agency_list.html"
    paginate_by = 50
    context_object_name = "agencies"

    def get_queryset(self):
        self.filterset = AgencyFilter(self.request.GET or None, queryset=_agencies())
        return self.filterset.qs.order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = dict(_agencies().values_list("status").annotate(n=Count("id")))
        context.update(
            filter=self.filterset,
            status_counts=[(s, counts.get(s.value, 0)) for s in AgencyStatus],
            can_manage=is_province_admin(self.request),
        )
        return context


class AgencyCreateView(ProvinceAdminRequiredMixin, FormView):
    template_name = "console/agency_create.html"
    form_class = AgencyCreateForm

    def form_valid(self, form):
        try:
            job = provisioning_job_create(spec=form.spec(), requested_by=self.request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error("parent" if field == "parent_code" else field, errors)
            return self.form_invalid(form)
        return redirect("console:job_detail", pk=job.pk)


class JobDetailView(ProvinceAdminRequiredMixin, DetailView):
    model = ProvisioningJob
    context_object_name = "job"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["console/_job_progress.html"]
        return ["console/job_detail.html"]


class AgencyDetailView(ProvinceUserRequiredMixin, DetailView):
    template_name = "console/agency_detail.html"
    context_object_name = "agency"
    slug_field = slug_url_kwarg = "code"

    def get_queryset(self):
        return _agencies().prefetch_related("domains")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            events=self.object.events.select_related("actor")[:20],
            can_manage=is_province_admin(self.request),
            suspend_form=SuspendForm(),
            identifier_form=IdentifierForm(
                agency=self.object, initial={"identifier": self.object.identifier}
            ),
        )
        return context


class AgencyIdentifierView(ProvinceAdminRequiredMixin, View):
    def post(self, request, code):
        agency = get_object_or_404(_agencies(), code=code)
        form = IdentifierForm(request.POST, agency=agency)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return redirect("console:agency_detail", code=code)
        try:
            agency_identifier_set(
                agency=agency, identifier=form.cleaned_data["identifier"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request, _("Đã lưu mã định danh của %(name)s.") % {"name": agency.name}
            )
        return redirect("console:agency_detail", code=code)


class AgencySuspendView(ProvinceAdminRequiredMixin, View):
    def post(self, request, code):
        agency = get_object_or_404(_agencies(), code=code)
        form = SuspendForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Lý do không hợp lệ."))
            return redirect("console:agency_detail", code=code)
        try:
            agency_suspend(agency=agency, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Đã tạm ngừng %(name)s.") % {"name": agency.name})
        return redirect("console:agency_detail", code=code)


class AgencyResumeView(ProvinceAdminRequiredMixin, View):
    def post(self, request, code):
        agency = get_object_or_404(_agencies(), code=code)
        try:
            agency_resume(agency=agency, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("%(name)s đã hoạt động trở lại.") % {"name": agency.name})
        return redirect("console:agency_detail", code=code)
