"""Digital signatures: a stored file's verdict (shown, polled while being checked, checked
again on request) and the page where any PDF is checked without being kept."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views import View

from quality.core.permissions import can
from quality.core.steps import Gate
from quality.documents import forms
from quality.documents.models import Document, RevisionFile, SignatureCheck
from quality.documents.services import signatures
from quality.documents.views.base import ActionView


def _file_of(document_id, file_id) -> RevisionFile:
    return get_object_or_404(
        RevisionFile.objects.select_related("verification"),
        pk=file_id,
        revision__document_id=document_id,
    )


class FileVerifyView(ActionView):
    """ "Kiểm tra chữ ký số" / "Kiểm tra lại" on a file of the document."""

    capability = "documents.verify"  # replaces the stored verdict: a write
    success = _("Đang kiểm tra chữ ký số…")

    def act(self, document, data):
        record = _file_of(document.pk, self.kwargs["file"])
        signatures.file_verification_request(actor=self.request.user, record=record)

    def next_url(self, obj, result) -> str:
        return f"/documents/{obj.pk}/#file-{self.kwargs['file']}"


class FileSignaturesView(Gate, View):
    """The verdict of one file (the document page polls it while the check runs)."""

    capability = "documents.view"
    read_only_page = True

    def get(self, request, pk, file):
        document = get_object_or_404(Document, pk=pk)
        record = _file_of(pk, file)
        return render(
            request,
            "quality/documents/_verification.html",
            {
                "document": document,
                "f": record,
                "can": {"verify": can(request.user, "documents.verify")},
            },
        )


class SignatureCheckView(Gate, View):
    """ "Kiểm tra chữ ký số": a PDF from anywhere, checked and shown, never stored."""

    # A read, the read-only role's too: its POST keeps nothing but the audit row of who
    # checked which file (services.signatures.pdf_verify); FileVerifyView above is a write.
    capability = "documents.view"
    read_only_page = True
    template = "quality/documents/signature_check.html"

    def get(self, request):
        return render(request, self.template, self._context(forms.SignatureCheckForm()))

    def post(self, request):
        form = forms.SignatureCheckForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template, self._context(form), status=400)
        outcome = signatures.pdf_verify(
            actor=request.user,
            upload=form.cleaned_data["file"],
            via=signatures.ON_PAGE,
            request=request,
        )
        outcome = {**outcome, "details": signatures.displayed(outcome["signatures"])}
        status = 400 if outcome["status"] == SignatureCheck.REFUSED else 200
        context = self._context(forms.SignatureCheckForm())
        context.update(outcome=outcome, name=form.cleaned_data["file"].name)
        return render(request, self.template, context, status=status)

    def _context(self, form) -> dict:
        return {"form": form, "limit": settings.SIGNING_VERIFY_MAX_MB}
