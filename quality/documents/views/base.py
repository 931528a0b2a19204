"""The steps on a document: POST-only, refused onto the document's own page, irreversible ones
confirmed first.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from iso_platform.confirm import Confirmation, ConfirmStepMixin
from iso_platform.forms import add_errors
from quality.core.permissions import can
from quality.core.steps import Step
from quality.documents.models import Document, Revision
from quality.documents.views.pages import DetailView


class ActionView(Step):
    """POST-only step on a document: `act(document, data)` calls the service.

    `page_form`: the detail page's context name of this step's form; when set, the service's
    refusal is shown on the document page as an error of that form (status 400), not as a
    message.
    """

    model = Document
    capability = "documents.view"
    page_form = ""

    def get_object(self, pk):
        self.document = super().get_object(pk)
        return self.document

    def next_url(self, obj, result) -> str:
        return f"/documents/{obj.pk}/"

    def refused(self, request, obj, form, exc):
        if self.page_form and form is not None:
            add_errors(form, exc)
            return _detail_with(request, obj.pk, **{self.page_form: form})
        return super().refused(request, obj, form, exc)

    def revision(self) -> Revision:
        """The revision the URL names (`rev`), of this document only."""
        return get_object_or_404(Revision, pk=self.kwargs["rev"], document=self.document)


class ConfirmedActionView(ConfirmStepMixin, ActionView):
    """An irreversible step: its GET is the confirmation page, refused as its POST is."""

    confirm_title = ""
    confirm_text = ""
    confirm_button = ""

    def confirmation(self, request, pk, **kwargs) -> Confirmation:
        self.document = get_object_or_404(Document, pk=pk)
        if not can(request.user, self.capability):
            raise PermissionDenied(self.capability)
        return Confirmation(
            title=self.confirm_title,
            text=self.confirm_text,
            button=self.confirm_button,
            cancel_url=f"/documents/{pk}/",
            items=self.confirm_items(**kwargs),
            form=self.form_class(**self.form_kwargs(self.document)) if self.form_class else None,
            active="documents",
        )

    def confirm_items(self, **kwargs) -> list[str]:
        return [f"{self.document.code} {self.document.title}"]


def _detail_with(request, pk, **forms_with_errors) -> HttpResponse:
    view = DetailView(request=request, kwargs={"pk": pk})
    context = view.get_context_data(pk=pk)
    context.update(forms_with_errors)
    return render(request, DetailView.template_name, context, status=400)
