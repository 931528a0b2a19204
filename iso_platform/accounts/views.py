from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views import View

from iso_platform.accounts import sign_in_methods
from iso_platform.accounts.forms import SignInForm
from iso_platform.accounts.invitations import (
    LINK_MESSAGES,
    LinkState,
    invitation_accept,
    invitation_check,
    ttl_hours,
)
from iso_platform.accounts.security_views import pending_start
from iso_platform.accounts.two_factor import two_factor_enabled


class SignInView(auth_views.LoginView):
    """The password step. A person with two-factor sign-in on is not signed in yet: they go
    on to the code step (security_views.TwoFactorCodeView), which signs them in."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, other_methods=sign_in_methods.buttons(self.request)
        )

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor_enabled(user):
            return super().form_valid(form)
        pending_start(
            self.request,
            user=user,
            username=form.cleaned_data["username"],
            next_url=self.get_success_url(),
        )
        return redirect("accounts:two_factor_code")


class SignOutView(auth_views.LogoutView):
    """Ends the session; a sign-in method may then send the browser on (the identity
    provider's own sign-out), asked before the session and what it holds are gone."""

    def post(self, request, *args, **kwargs):
        onward = sign_in_methods.sign_out_url(request) if request.user.is_authenticated else None
        response = super().post(request, *args, **kwargs)
        return redirect(onward) if onward else response


class SetPasswordView(View):
    """The invitation link: a one-time, expiring link to choose a password.

    The token is looked up (by digest) in the schema of the host it is opened on, so a link
    of agency A is unknown on agency B's host. A dead link (used, revoked, expired, unknown)
    gets a page that says which, and what to do.
    """

    template_name = "accounts/set_password.html"

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        # The token is in the address: never send it on as a referrer (only the origin goes
        # out), never cache the page. Not "no-referrer": browsers then send `Origin: null`
        # with the form's POST, which Django's CSRF check refuses (found by the journeys).
        response["Referrer-Policy"] = "strict-origin"
        response["Cache-Control"] = "no-store"
        return response

    def get(self, request, token):
        invitation, state = invitation_check(token)
        if state != LinkState.OK:
            return self.dead(request, state)
        if refused := self.passwords_off(request):
            return refused
        return self.page(request, SetPasswordForm(invitation.user), invitation)

    def post(self, request, token):
        invitation, state = invitation_check(token)
        if state != LinkState.OK:
            return self.dead(request, state)
        if refused := self.passwords_off(request):
            return refused
        form = SetPasswordForm(invitation.user, request.POST)
        if not form.is_valid():
            return self.page(request, form, invitation, status=400)
        try:
            user = invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            if exc.code in LINK_MESSAGES:
                return self.dead(request, exc.code)
            form.add_error("new_password2", exc)
            return self.page(request, form, invitation, status=400)
        if two_factor_enabled(user):  # a link is no second factor: sign in with the code
            return redirect("accounts:login")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("accounts:set_password_done")

    def passwords_off(self, request):
        """An agency that signs in only through another method (the province's single
        sign-on) gives no password through an invitation either: the link leads to the
        sign-in page, where that method accepts the invited person. The invitation stays
        open until then."""
        refusal = sign_in_methods.password_refusal(request)
        if refusal is None:
            return None
        messages.info(request, refusal)
        return redirect("accounts:login")

    def page(self, request, form, invitation, status=200):
        context = {"validlink": True, "form": form, "person": invitation.user}
        return render(request, self.template_name, context, status=status)

    def dead(self, request, state):
        context = {"validlink": False, "state": state, "hours": ttl_hours()}
        status = 404 if state == LinkState.UNKNOWN else 410
        return render(request, self.template_name, context, status=status)


class SetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/set_password_done.html"
