"""What single sign-on adds to the kernel's sign-in and sign-out pages
(`iso_platform.accounts.sign_in_methods`)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from integrations.sso import services
from integrations.sso.config import provider_config
from iso_platform.accounts.sign_in_methods import SignInMethod, method_register

BUTTON = gettext_noop("Đăng nhập bằng tài khoản tỉnh")


def button(request):
    if provider_config() is None:
        return None
    try:
        return _(BUTTON), reverse("sso:start", urlconf=getattr(request, "urlconf", None))
    except NoReverseMatch:  # a host whose URLs have no single sign-on
        return None


def password_refusal(request):
    return services.passwords_refusal(getattr(request, "tenant", None))


def register() -> None:
    method_register(
        SignInMethod(
            name="sso",
            button=button,
            password_refusal=password_refusal,
            sign_out_url=services.sign_out_url,
        )
    )
