"""Province console page: the working-day calendar (provincial administrators edit it)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from iso_platform.accounts.permissions import (
    ProvinceAdminRequiredMixin,
    ProvinceUserRequiredMixin,
    is_province_admin,
)
from iso_platform.confirm import Confirmation, ConfirmStepMixin
from iso_platform.workdays import calendar, forms, services
from iso_platform.workdays.models import CalendarOverride, CalendarSettings


class CalendarView(ProvinceUserRequiredMixin, View):
    template = "workdays/calendar.html"

    def get(self, request, **forms_in):
        year = _year(request.GET.get("year"))
        config = CalendarSettings.load()
        national = sorted(
            (d, n) for d, n in calendar.holiday_rules.country_holidays("VN", years=year).items()
        )
        deadline = forms_in.get("deadline_form") or forms.DeadlineForm(request.GET or None)
        answer = None
        if "received" in request.GET and deadline.is_valid():
            cal = calendar.get_calendar()
            received = deadline.cleaned_data["received"].astimezone(calendar.TZ)
            answer = cal.due_date(
                received,
                days=deadline.cleaned_data["days"],
                cutoff=cal.default_cutoff if deadline.cleaned_data["cutoff"] else None,
            )
        return render(
            request,
            self.template,
            {
                "year": year,
                "years": range(year - 1, year + 3),
                "national": national,
                "swaps": sorted(calendar._national(year)[1]),
                "overrides": CalendarOverride.objects.filter(date__year=year),
                "override_form": forms_in.get("override_form") or forms.OverrideForm(),
                "settings_form": forms_in.get("settings_form")
                or forms.SettingsForm(
                    initial={"office_hours": config.office_hours, "cutoff": config.cutoff}
                ),
                "deadline_form": deadline,
                "answer": answer,
                "can_manage": is_province_admin(request),
            },
            status=400 if forms_in else 200,
        )

    def post(self, request):
        if not is_province_admin(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("province_admin")
        action = request.POST.get("action")
        form_class = forms.SettingsForm if action == "settings" else forms.OverrideForm
        form = form_class(request.POST)
        if form.is_valid():
            try:
                if action == "settings":
                    services.calendar_settings_update(actor=request.user, **form.cleaned_data)
                    messages.success(request, _("Đã lưu giờ làm việc."))
                    return redirect("/calendar/")
                override = services.calendar_override_set(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("Đã lưu điều chỉnh ngày %(d)s.") % {"d": override.date.strftime("%d/%m/%Y")},
                )
                return redirect(f"/calendar/?year={override.date.year}")
        key = "settings_form" if action == "settings" else "override_form"
        return self.get(request, **{key: form})


class OverrideRemoveView(ConfirmStepMixin, ProvinceAdminRequiredMixin, View):
    """Removing a working-day override changes deadlines: GET asks, POST removes."""

    def _override(self, day: str) -> CalendarOverride:
        try:
            date = dt.date.fromisoformat(day)
        except ValueError as exc:
            raise Http404 from exc
        return get_object_or_404(CalendarOverride, date=date)

    def confirm_page_context(self, request):
        return {"can_manage": True, "active": "calendar"}

    def confirmation(self, request, day):
        override = self._override(day)
        return Confirmation(
            title=_("Bỏ điều chỉnh ngày %(d)s?") % {"d": override.date.strftime("%d/%m/%Y")},
            text=_(
                "Ngày này trở lại theo lịch chung; thời hạn giải quyết hồ sơ được tính lại "
                "theo lịch mới."
            ),
            button=_("Xác nhận bỏ điều chỉnh"),
            cancel_url=f"/calendar/?year={override.date.year}",
            items=[f"{override.date:%d/%m/%Y} — {override.get_kind_display()} {override.note}"],
            nav="console/_nav.html",
            active="calendar",
        )

    def post(self, request, day):
        date = self._override(day).date
        services.calendar_override_remove(actor=request.user, date=date)
        messages.success(
            request, _("Đã bỏ điều chỉnh ngày %(d)s.") % {"d": date.strftime("%d/%m/%Y")}
        )
        return redirect(f"/calendar/?year={date.year}")


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year
