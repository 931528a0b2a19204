"""The area's settings page: limits, code rules and approval delegates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from iso_platform.accounts.models import User
from iso_platform.confirm import Confirmation, ConfirmStepMixin
from iso_platform.forms import add_errors
from quality.core.models import AgencySettings
from quality.core.services import agency_settings_update
from quality.core.steps import Gate
from quality.documents import forms
from quality.documents.services import codes, delegation
from quality.documents.views.pages import code_rules


class SettingsView(Gate, TemplateView):
    capability = "settings.manage"
    template_name = "quality/documents/settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        config = AgencySettings.load()
        context.update(
            settings_form=kwargs.get("settings_form")
            or forms.AgencyDocumentSettingsForm(
                initial={
                    f: getattr(config, f)
                    for f in ("allow_self_approval", "document_review_months", "max_upload_mb")
                }
            ),
            rule_form=kwargs.get("rule_form") or forms.CodeRuleForm(),
            rules=code_rules(),
            delegates=delegation.approval_delegates(),
            delegate_form=forms.DelegateForm(),
        )
        return context

    def post(self, request):
        action = request.POST.get("action")
        if action == "settings":
            form = forms.AgencyDocumentSettingsForm(request.POST)
            if form.is_valid():
                agency_settings_update(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Đã lưu cấu hình."))
                return redirect("documents:settings")
            return self.render_to_response(self.get_context_data(settings_form=form), status=400)
        if action == "rule":
            form = forms.CodeRuleForm(request.POST)
            if form.is_valid():
                try:
                    codes.code_rule_set(actor=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    add_errors(form, exc)
                else:
                    messages.success(request, _("Đã lưu quy tắc mã."))
                    return redirect("documents:settings")
            return self.render_to_response(self.get_context_data(rule_form=form), status=400)
        if action == "delegate":
            user = get_object_or_404(User, pk=request.POST.get("user"))
            delegation.approval_delegate_set(actor=request.user, user=user, granted=True)
            messages.success(request, _("Đã cập nhật uỷ quyền phê duyệt."))
        return redirect("documents:settings")


class DelegateRevokeView(ConfirmStepMixin, Gate, View):
    """Removing an approval delegate: GET asks, POST removes."""

    capability = "settings.manage"

    def confirmation(self, request, user):
        person = get_object_or_404(User, pk=user)
        return Confirmation(
            title=_("Thu hồi uỷ quyền phê duyệt?"),
            text=_("Người này sẽ không còn được phê duyệt và ban hành tài liệu."),
            button=_("Xác nhận thu hồi uỷ quyền"),
            cancel_url="/documents/settings/",
            items=[person.full_name],
            active="documents",
        )

    def post(self, request, user):
        person = get_object_or_404(User, pk=user)
        delegation.approval_delegate_set(actor=request.user, user=person, granted=False)
        messages.success(request, _("Đã cập nhật uỷ quyền phê duyệt."))
        return redirect("documents:settings")
