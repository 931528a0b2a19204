from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from iso_platform.accounts.forms import SignInForm


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The invitation link: a one-time, expiring link to choose a password."""

    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("accounts:set_password_done")
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"


class SetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/set_password_done.html"
