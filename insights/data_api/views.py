"""Console pages: the provincial administrator creates and revokes data keys."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from insights.data_api import services
from insights.models import DataKey
from iso_platform.accounts.permissions import ProvinceAdminRequiredMixin
from iso_platform.forms import add_errors, error_text


class DataKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Tên (hệ thống sử dụng)"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Phạm vi"),
        widget=forms.CheckboxSelectMultiple,
        choices=[(k, f"{v} ({k})") for k, v in services.SCOPES.items()],
        required=False,
    )


class KeysView(ProvinceAdminRequiredMixin, View):
    def get(self, request, form=None, raw=None, status=200):
        context = {"keys": DataKey.objects.all(), "form": form or DataKeyForm(), "raw": raw}
        return render(request, "insights/data_api/keys.html", context, status=status)

    def post(self, request):
        form = DataKeyForm(request.POST)
        if form.is_valid():
            try:
                _key, raw = services.data_key_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return self.get(request, raw=raw)  # shown on this response only
        return self.get(request, form=form, status=400)


class RevokeView(ProvinceAdminRequiredMixin, View):
    def post(self, request, pk):
        key = get_object_or_404(DataKey, pk=pk)
        try:
            services.data_key_revoke(actor=request.user, key=key)
            messages.success(request, _("Đã thu hồi khoá %(name)s.") % {"name": key.name})
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("province_data_keys:list")
