"""Shared page machinery of the QMS areas: capability-gated pages and POST-only steps.

A step looks its object up first (another agency's id is a 404 for everybody), then checks
the role, validates the small form and calls the service. The service has the last word:
its ValidationError becomes the message shown on the page (Vietnamese, with the reason),
its PermissionDenied a 403. Nothing is written outside the service's transaction.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from iso_platform.accounts.models import User
from iso_platform.forms import error_text, form_errors
from iso_platform.logging_context import SECRET_FIELDS
from quality.core.permissions import can, holds

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def people():
    return User.objects.filter(is_active=True).order_by("full_name")


class PersonField(forms.ModelChoiceField):
    """An active person of this agency, shown by name and e-mail."""

    def __init__(self, **kwargs):
        super().__init__(queryset=people(), **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email})"


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# What a signer types (quality/core/signatures/forms.py): kept out of error reports.
hide_secrets = method_decorator(sensitive_post_parameters(*SECRET_FIELDS), name="dispatch")


def page_allowed(request, capability: str, *, read_only_page: bool) -> bool:
    """`read_only_page`: a page its managers still open, to read, while the agency is
    read-only (its forms hidden); otherwise the page offers a change and is refused then."""
    check = holds if read_only_page and request.method in SAFE_METHODS else can
    return check(request.user, capability)


class Gate(LoginRequiredMixin):
    """A page for people with `capability`."""

    capability = ""
    read_only_page = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.capability and not page_allowed(
            request, self.capability, read_only_page=self.read_only_page
        ):
            raise PermissionDenied(self.capability)
        return super().dispatch(request, *args, **kwargs)


@hide_secrets
class Step(LoginRequiredMixin, View):
    """POST-only step on one object: `act(obj, data)` calls the service.

    The object is looked up before the capability is checked: an id that is not this
    agency's is a 404 for everybody. Further URL arguments (a revision's id...) are in
    `self.kwargs`. A refusal by the service goes to `refused` (by default its message on the
    next page).
    """

    model = None
    capability = ""  # empty: the service decides who may (owner, auditor...)
    form_class = None
    success = ""

    def get_object(self, pk):
        return get_object_or_404(self.model, pk=pk)

    def act(self, obj, data):
        raise NotImplementedError

    def form_kwargs(self, obj) -> dict:
        return {}

    def next_url(self, obj, result) -> str:
        return obj.get_absolute_url()

    def refused(self, request, obj, form, exc: ValidationError):
        """The service said no: its message on the next page, or a response of its own."""
        messages.error(request, error_text(exc))

    def post(self, request, pk, **kwargs):
        obj = self.get_object(pk)
        if self.capability and not can(request.user, self.capability):
            raise PermissionDenied(self.capability)
        form = (
            self.form_class(request.POST, request.FILES, **self.form_kwargs(obj))
            if self.form_class
            else None
        )
        self.form, result = form, None
        if form is not None and not form.is_valid():
            messages.error(request, form_errors(form))
        else:
            try:
                result = self.act(obj, form.cleaned_data if form is not None else {})
            except ValidationError as exc:
                response = self.refused(request, obj, form, exc)
                if response is not None:
                    return response
            else:
                if self.success:
                    messages.success(request, self.success)
        return redirect(self.next_url(obj, result))
