"""A destructive step in two requests: GET shows what will happen, the POST does it.

Works without JavaScript (the CSP forbids inline scripts, and a plain form is what every
browser and screen reader handles). The view's `confirmation()` loads the object and checks
the permission exactly as its POST does, so the page is refused (403) to whoever the POST
refuses, and the button leading to it is rendered only where the same check allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.shortcuts import render


@dataclass
class Confirmation:
    title: str
    text: str
    button: str
    cancel_url: str
    items: list[str] = field(default_factory=list)
    form: object = None
    nav: str = "quality/_nav.html"
    active: str = ""


class ConfirmStepMixin:
    """Give a POST-only view the GET confirmation page; subclasses define `confirmation`."""

    confirm_template = "confirm.html"

    def confirmation(self, request, *args, **kwargs) -> Confirmation:
        raise NotImplementedError

    def confirm_page_context(self, request) -> dict:
        """What the page's navigation needs besides the confirmation."""
        return {}

    def get(self, request, *args, **kwargs):
        confirm = self.confirmation(request, *args, **kwargs)
        context = {**self.confirm_page_context(request), "confirm": confirm}
        return render(request, self.confirm_template, context)
