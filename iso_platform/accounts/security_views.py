"""The code step of sign-in and the "Bảo mật tài khoản" page (two-factor, recovery codes,
password). The rules are in `two_factor.py`; these views only move between the pages.
"""

from __future__ import annotations

import time

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login

from iso_platform.accounts import two_factor
from iso_platform.accounts.forms import EnrolmentCodeForm, TwoFactorCodeForm
from iso_platform.accounts.identifiers import normalise_email
from iso_platform.accounts.models import User
from iso_platform.accounts.signals import SecurityAction, security_event_send
from iso_platform.confirm import Confirmation, ConfirmStepMixin

# Between a right password and the code: who, the username as typed (axes counts failures by
# it), the authentication backend, where to go next, and when the password was given.
PENDING_KEY = "eiso_two_factor_pending"
PENDING_SECONDS = 300


def pending_start(request, *, user, username: str, next_url: str) -> None:
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "username": normalise_email(username),
        "backend": user.backend,
        "next": next_url,
        "at": int(time.time()),
    }


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return "/"


def _no_store(response):
    """Pages with a secret on them (QR key, recovery codes) are never cached."""
    response["Cache-Control"] = "no-store"
    return response


class TwoFactorCodeView(View):
    """Second step of sign-in; also where an unverified administrator's session is sent."""

    template_name = "accounts/login_code.html"

    def get(self, request):
        who = self._who(request)
        if who is None:
            return redirect("accounts:login")
        return self._page(request, TwoFactorCodeForm())

    def post(self, request):
        who = self._who(request)
        if who is None:
            messages.warning(request, _("Hết thời gian nhập mã. Vui lòng đăng nhập lại."))
            return redirect("accounts:login")
        person, username, next_url = who
        credentials = {"username": username}
        if AxesProxyHandler.is_locked(request, credentials):
            return get_lockout_response(request, credentials=credentials)
        form = TwoFactorCodeForm(request.POST)
        if not form.is_valid():
            return self._page(request, form, status=400)
        try:
            device = two_factor.two_factor_verify(
                user=person, code=form.cleaned_data["code"], request=request
            )
        except ValidationError as exc:
            # A wrong code is a failed sign-in: django-axes counts it towards the lockout.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error("code", _(exc.message))
            return self._page(request, form, status=400)
        pending = request.session.pop(PENDING_KEY, None)
        if pending is not None:
            login(request, person, backend=pending["backend"])
        otp_login(request, device)
        security_event_send(user=person, action=SecurityAction.TWO_FACTOR_VERIFIED, request=request)
        return redirect(_safe_next(request, next_url))

    def _who(self, request):
        """(person, username, next) waiting for their code, or None."""
        if request.user.is_authenticated:
            if two_factor.session_is_verified(request.session):
                return None
            if not two_factor.two_factor_enabled(request.user):
                return None
            next_url = request.POST.get("next") or request.GET.get("next")
            return request.user, request.user.email, next_url
        pending = request.session.get(PENDING_KEY)
        if not pending or time.time() - pending["at"] > PENDING_SECONDS:
            return None
        person = User.objects.filter(pk=pending["user"], is_active=True).first()
        return (person, pending["username"], pending["next"]) if person else None

    def _page(self, request, form, status=200):
        return render(request, self.template_name, {"form": form}, status=status)


class TwoFactorSetupView(LoginRequiredMixin, View):
    """Enrol: scan the QR code, confirm a code, see the recovery codes once."""

    template_name = "accounts/two_factor_setup.html"

    def get(self, request):
        if two_factor.two_factor_enabled(request.user):
            return redirect("accounts:security")
        return self._page(request, EnrolmentCodeForm())

    def post(self, request):
        form = EnrolmentCodeForm(request.POST)
        if form.is_valid():
            try:
                device, codes = two_factor.two_factor_enable(
                    user=request.user, code=form.cleaned_data["code"], request=request
                )
            except ValidationError as exc:
                if exc.code == "enabled":
                    return redirect("accounts:security")
                form.add_error("code", _(exc.message))
            else:
                otp_login(request, device)
                return _recovery_codes_page(request, codes, self._next(request), enrolled=True)
        return self._page(request, form, status=400)

    def _page(self, request, form, status=200):
        device = two_factor.totp_device_pending(user=request.user)
        url = two_factor.totp_config_url(device, host=request.get_host())
        context = {
            "form": form,
            "qr": two_factor.qr_data_uri(url),
            "secret": two_factor.totp_secret(device),
            "required": two_factor.two_factor_required(request.user),
            "next": self._next(request),
        }
        return _no_store(render(request, self.template_name, context, status=status))

    @staticmethod
    def _next(request) -> str:
        return _safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _recovery_codes_page(request, codes, next_url, *, enrolled=False):
    shown = [f"{code[:4]}-{code[4:]}" for code in codes]
    context = {"codes": shown, "next": next_url, "enrolled": enrolled}
    return _no_store(render(request, "accounts/recovery_codes.html", context))


class SecurityView(LoginRequiredMixin, View):
    """ "Bảo mật tài khoản": two-factor on or off, new recovery codes, password."""

    template_name = "accounts/security.html"

    def get(self, request):
        return self._page(request)

    def post(self, request):
        action = request.POST.get("action")
        # turning two-factor off has its own confirmation page (TwoFactorOffView)
        if action != "regenerate":
            return self._page(request, status=400)
        form = TwoFactorCodeForm(request.POST)
        if not form.is_valid():
            return self._page(request, regenerate_form=form, status=400)
        try:
            codes = two_factor.recovery_codes_regenerate(
                user=request.user, code=form.cleaned_data["code"], request=request
            )
        except ValidationError as exc:
            form.add_error("code", _(exc.message))
            return self._page(request, regenerate_form=form, status=400)
        return _recovery_codes_page(request, codes, reverse("accounts:security"))

    def _page(self, request, regenerate_form=None, status=200):
        user = request.user
        context = {
            "enabled": two_factor.two_factor_enabled(user),
            "required": two_factor.two_factor_required(user),
            "codes_left": two_factor.recovery_codes_left(user),
            "regenerate_form": regenerate_form or TwoFactorCodeForm(auto_id="id_regen_%s"),
        }
        return render(request, self.template_name, context, status=status)


class TwoFactorOffView(ConfirmStepMixin, LoginRequiredMixin, View):
    """Turning two-factor off asks first; the POST needs a current code, as the service does."""

    def confirmation(self, request, form=None):
        if not two_factor.two_factor_enabled(request.user):
            raise Http404
        if two_factor.two_factor_required(request.user):
            raise PermissionDenied("two_factor_required")
        return Confirmation(
            title=_("Tắt xác thực hai bước?"),
            text=_(
                "Sau khi tắt, chỉ cần mật khẩu là đăng nhập được tài khoản này; ứng dụng "
                "xác thực và các mã dự phòng hiện có không còn dùng được. Nhập mã hiện tại "
                "để xác nhận."
            ),
            button=_("Xác nhận tắt xác thực hai bước"),
            cancel_url=reverse("accounts:security"),
            form=form or TwoFactorCodeForm(),
            nav="",
        )

    def post(self, request):
        form = TwoFactorCodeForm(request.POST)
        if form.is_valid():
            try:
                two_factor.two_factor_disable(
                    user=request.user, code=form.cleaned_data["code"], request=request
                )
            except ValidationError as exc:
                if exc.code == "required":
                    raise PermissionDenied("two_factor_required") from exc
                form.add_error("code", _(exc.message))
            else:
                request.session.pop(DEVICE_ID_SESSION_KEY, None)
                messages.success(request, _("Đã tắt xác thực hai bước."))
                return redirect("accounts:security")
        confirm = self.confirmation(request, form=form)
        return render(request, self.confirm_template, {"confirm": confirm}, status=400)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form):
        response = super().form_valid(form)
        security_event_send(
            user=self.request.user, action=SecurityAction.PASSWORD_CHANGED, request=self.request
        )
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response
