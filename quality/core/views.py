from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from iso_platform.forms import add_errors
from quality.core.editions import agency_edition, catalogue
from quality.core.forms import EditionSettingsForm, LoopSettingsForm, OfficialSettingsForm, UnitForm
from quality.core.inbox import inbox_for
from quality.core.models import AgencySettings, Notification, Unit
from quality.core.permissions import can
from quality.core.services import agency_settings_update, notification_mark_read, unit_save
from quality.core.steps import page_allowed


class NotificationsView(LoginRequiredMixin, TemplateView):
    template_name = "quality/notifications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notifications"] = Notification.objects.filter(user=self.request.user)[:100]
        return context

    def post(self, request):
        notification_mark_read(user=request.user, notification_id=request.POST.get("id") or None)
        return redirect("portal:notifications")


class UnitsView(LoginRequiredMixin, View):
    template = "quality/units.html"

    def _check(self, request):
        # Archived: the units stay readable, their forms hidden (page_allowed).
        if not page_allowed(request, "settings.manage", read_only_page=True):
            raise PermissionDenied("settings.manage")

    def get(self, request, pk=None):
        self._check(request)
        unit = get_object_or_404(Unit, pk=pk) if pk else None
        return render(request, self.template, self._context(UnitForm(instance=unit), unit))

    def post(self, request, pk=None):
        self._check(request)
        unit = get_object_or_404(Unit, pk=pk) if pk else None
        form = UnitForm(request.POST, instance=unit)
        if form.is_valid():
            unit = unit_save(actor=request.user, form=form)
            messages.success(request, _("Đã lưu đơn vị %(name)s.") % {"name": unit.name})
            return redirect("portal:units")
        return render(request, self.template, self._context(form, unit), status=400)

    def _context(self, form, unit):
        return {
            "form": form,
            "unit": unit,
            "units": Unit.objects.prefetch_related("members").select_related("head"),
        }


class MyWorkView(LoginRequiredMixin, TemplateView):
    """One inbox across the QMS: what waits for this person, soonest due first."""

    template_name = "quality/my_work.html"

    def get_context_data(self, **kwargs):
        from django.utils import timezone

        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        items = inbox_for(self.request.user, today)
        for item in items:
            item.is_overdue = item.overdue(today)
        context.update(
            items=items,
            today=today,
            overdue=sum(1 for i in items if i.is_overdue),
            soon=sum(
                1 for i in items if i.due_on and not i.is_overdue and (i.due_on - today).days <= 7
            ),
        )
        return context


class LoopSettingsView(LoginRequiredMixin, View):
    """Risk matrix size and the survey score that opens a nonconformity."""

    template = "quality/loop_settings.html"
    form_class = LoopSettingsForm
    url_name = "portal:loop_settings"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can(request.user, "settings.manage"):
            raise PermissionDenied("settings.manage")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):

        form = self.form_class(instance=AgencySettings.load())
        return render(request, self.template, {"form": form})

    def post(self, request):
        from django.core.exceptions import ValidationError

        form = self.form_class(request.POST, instance=AgencySettings.load())
        if form.is_valid():
            try:
                agency_settings_update(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu cấu hình."))
                return redirect(self.url_name)
        return render(request, self.template, {"form": form}, status=400)


class OfficialSettingsView(LoopSettingsView):
    """The names on the agency's official documents (Decree 30/2020/NĐ-CP) and its signer."""

    template = "quality/official_settings.html"
    form_class = OfficialSettingsForm
    url_name = "portal:official_settings"


class EditionSettingsView(LoopSettingsView):
    """The edition of ISO 9001 the agency follows; refused while an audit is open (the audit
    area's settings check)."""

    template = "quality/edition_settings.html"
    form_class = EditionSettingsForm
    url_name = "portal:edition_settings"

    def get(self, request):
        return render(
            request, self.template, self._context(self.form_class(instance=AgencySettings.load()))
        )

    def post(self, request):
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                agency_settings_update(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu cấu hình."))
                return redirect(self.url_name)
        return render(request, self.template, self._context(form), status=400)

    def _context(self, form) -> dict:
        return {
            "form": form,
            "current": agency_edition(),
            "editions": catalogue().editions.values(),
        }
