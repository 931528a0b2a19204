"""The agency's first-run checklist (agency portal, `/onboarding/`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from iso_platform.current import current_agency
from iso_platform.forms import add_errors, error_text
from onboarding.checklist.forms import ProfileForm, SteeringForm
from onboarding.services import checklist as service
from quality.core.steps import Gate


class ChecklistGate(Gate):
    capability = "settings.manage"


def _agency():

    return current_agency()


class ChecklistView(ChecklistGate, TemplateView):
    template_name = "onboarding/checklist.html"
    read_only_page = True  # archived: the checklist stays readable, its forms hidden

    def get_context_data(self, profile_form=None, steering_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        progress = service.checklist_refresh()
        checklist = progress.checklist
        unit = checklist.steering_unit
        context.update(
            progress=progress,
            checklist=checklist,
            agency=_agency() or getattr(connection, "tenant", None),
            profile_form=profile_form
            or ProfileForm(initial={"scope": checklist.scope, "confirm": False}),
            steering_form=steering_form
            or SteeringForm(
                initial={"unit": unit, "code": "BCD-ISO", "name": _("Ban chỉ đạo ISO")}
            ),
            steering_members=list(unit.members.filter(is_active=True)) if unit else [],
            # Without the pack pages (agency_packs), the installed pack is confirmed here.
            pack_inline=service.url_or_none("agency_packs:list") is None,
        )
        return context


def _page(request, status=400, **forms):
    view = ChecklistView(request=request, args=(), kwargs={})
    return render(
        request, ChecklistView.template_name, view.get_context_data(**forms), status=status
    )


class ProfileView(ChecklistGate, View):
    def post(self, request):
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                service.checklist_profile_confirm(
                    actor=request.user, scope=form.cleaned_data["scope"]
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã xác nhận thông tin cơ quan và phạm vi áp dụng."))
                return redirect("checklist:home")
        return _page(request, profile_form=form)


class SteeringView(ChecklistGate, View):
    def post(self, request):
        form = SteeringForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                unit = service.checklist_steering_set(
                    actor=request.user,
                    unit=data["unit"],
                    code=data["code"],
                    name=data["name"],
                    members=list(data["members"]),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request, _("Đã chỉ định %(name)s là ban chỉ đạo ISO.") % {"name": unit.name}
                )
                return redirect("checklist:home")
        return _page(request, steering_form=form)


class PackConfirmView(ChecklistGate, View):
    def post(self, request):
        try:
            service.checklist_pack_confirm(actor=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Đã xác nhận bộ tài liệu mẫu."))
        return redirect("checklist:home")
