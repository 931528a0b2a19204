"""Single sign-on pages: start, callback, the agency's policy, the console's provider."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from integrations.sso import client, services
from integrations.sso.config import env_managed, provider_config
from integrations.sso.forms import AgencyPolicyForm, ProviderSettingsForm
from integrations.sso.models import AgencyPolicy, Link, ProviderSettings
from iso_platform.accounts.permissions import ProvinceAdminRequiredMixin
from iso_platform.forms import add_errors


def _safe_next(request, url):
    ok = url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if ok else "/"


def redirect_uri(request) -> str:
    """This host's callback: the address to register at the provider (one per host)."""
    return request.build_absolute_uri(reverse("sso:callback"))


class StartView(View):
    def get(self, request):
        if provider_config() is None:
            raise Http404
        next_url = _safe_next(request, request.GET.get("next"))
        try:
            return services.sign_in_start(
                request, redirect_uri=redirect_uri(request), next_url=next_url
            )
        except services.START_FAILURES as exc:
            messages.error(request, services.sign_in_start_failed(request, exc))
            return redirect("accounts:login")


class CallbackView(View):
    template_name = "sso/refused.html"

    def get(self, request):
        outcome = services.sign_in_complete(request)
        if outcome.refusal:
            context = {"message": outcome.refusal}
            return render(request, self.template_name, context, status=403)
        return redirect(outcome.redirect_to)


class AgencyPolicyView(LoginRequiredMixin, View):
    """The agency's choices: local passwords on or off, the roles claim's mapping."""

    template_name = "sso/policy.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_active and user.is_agency_admin):
            raise PermissionDenied("agency admin")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        policy = AgencyPolicy.load()
        lines = "\n".join(f"{k} = {v}" for k, v in policy.role_map.items())
        form = AgencyPolicyForm(initial={"passwords_off": policy.passwords_off, "role_map": lines})
        return self._page(request, form)

    def post(self, request):
        form = AgencyPolicyForm(request.POST)
        if form.is_valid():
            try:
                services.agency_policy_update(
                    actor=request.user, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu cấu hình đăng nhập."))
                return redirect("sso:policy")
        return self._page(request, form, status=400)

    def _page(self, request, form, status=200):
        context = {
            "form": form,
            "configured": provider_config() is not None,
            "signed_in_by_sso": Link.objects.filter(user=request.user).exists(),
            "redirect_uri": redirect_uri(request),
        }
        return render(request, self.template_name, context, status=status)


class ProviderSettingsView(ProvinceAdminRequiredMixin, View):
    """The console's form; read-only when the environment sets the provider."""

    template_name = "sso/provider.html"

    def get(self, request):
        return self._page(request, ProviderSettingsForm(instance=ProviderSettings.load()))

    def post(self, request):
        if env_managed():
            messages.error(request, _(services.MSG_ENV_MANAGED))
            return self._page(request, None, status=400)
        form = ProviderSettingsForm(request.POST, instance=ProviderSettings.load())
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in services.PROVIDER_FIELDS}
            try:
                services.provider_settings_update(
                    actor=request.user,
                    values=values,
                    secret=form.cleaned_data["client_secret"],
                    request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                client.metadata_forget(provider_config())
                messages.success(request, _("Đã lưu cấu hình nhà cung cấp định danh."))
                return redirect("sso:provider")
        return self._page(request, form, status=400)

    def _page(self, request, form, status=200):
        config = provider_config()
        context = {
            "form": form if not env_managed() else None,
            "env": config if env_managed() else None,
            "has_secret": bool(ProviderSettings.load().client_secret_encrypted),
            "console_redirect_uri": redirect_uri(request),
            "agency_redirect_uri": request.build_absolute_uri("/")
            .replace("://", "://<mã-cơ-quan>.", 1)
            .rstrip("/")
            + reverse("sso:callback"),
        }
        return render(request, self.template_name, context, status=status)
