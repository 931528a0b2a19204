"""What is done on a document and its revisions: the draft, the review steps, files,
distribution, change requests, withdrawal, discarding and acknowledging.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View

from iso_platform.forms import add_errors, error_text
from quality.core.reports import document_response
from quality.core.steps import Gate
from quality.documents import decisions, forms
from quality.documents.models import (
    Acknowledgement,
    ChangeRequest,
    ChangeRequestStatus,
    Document,
    Revision,
    RevisionFile,
    RevisionStatus,
)
from quality.documents.pdf import cover_pdf
from quality.documents.services import distribution, documents, files
from quality.documents.views.base import ActionView, ConfirmedActionView


class RevisionEditView(Gate, View):
    capability = "documents.draft"
    template = "quality/documents/revision_edit.html"

    def _load(self, pk, rev):
        revision = get_object_or_404(
            Revision.objects.select_related("document"), pk=rev, document_id=pk
        )
        return revision

    def get(self, request, pk, rev):
        revision = self._load(pk, rev)
        if not revision.is_editable:
            messages.error(
                request, _(documents.MSG_NOT_EDITABLE) % {"status": revision.get_status_display()}
            )
            return redirect("documents:detail", pk=pk)
        form = forms.RevisionForm(
            initial={f: getattr(revision, f) for f in documents.REVISION_FIELDS}
        )
        return render(request, self.template, {"form": form, "revision": revision})

    def post(self, request, pk, rev):
        revision = self._load(pk, rev)
        form = forms.RevisionForm(request.POST)
        if form.is_valid():
            try:
                documents.revision_update(
                    actor=self.request.user, revision=revision, **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu bản dự thảo."))
                return redirect("documents:detail", pk=pk)
        return render(request, self.template, {"form": form, "revision": revision}, status=400)


class SubmitView(ActionView):
    capability = "documents.draft"
    form_class = forms.SubmitForm
    page_form = "submit_form"
    success = _("Đã gửi xem xét.")

    def act(self, document, data):
        documents.revision_submit(
            actor=self.request.user, revision=self.revision(), reviewer=data.get("reviewer")
        )


class ReviewView(ActionView):
    form_class = forms.NoteForm
    success = _("Đã ghi nhận kiểm tra; bản dự thảo chờ phê duyệt.")

    def act(self, document, data):
        documents.revision_review(
            actor=self.request.user, revision=self.revision(), note=data.get("text", "")
        )


class SendBackView(ActionView):
    form_class = forms.NoteForm
    success = _("Đã trả lại bản dự thảo kèm ý kiến.")

    def act(self, document, data):
        documents.revision_send_back(
            actor=self.request.user, revision=self.revision(), comment=data.get("text", "")
        )


class ApproveView(ActionView):
    capability = "documents.approve"
    form_class = forms.ApproveForm
    page_form = "approve_form"
    success = _("Đã phê duyệt và ban hành.")

    def form_kwargs(self, obj) -> dict:
        return {"signer": self.request.user}

    def act(self, document, data):
        documents.revision_approve(
            actor=self.request.user,
            revision=self.revision(),
            effective_on=data.get("effective_on"),
            signing=self.form.signing_secrets(),
        )


class CancelRevisionView(ConfirmedActionView):
    capability = "documents.review"
    form_class = forms.ReasonForm
    success = _("Đã huỷ bản dự thảo.")
    confirm_title = _("Huỷ bản dự thảo?")
    confirm_text = _(
        "Bản dự thảo sẽ bị huỷ cùng các ý kiến xem xét; bản đang hiệu lực giữ nguyên. "
        "Không thể hoàn tác."
    )
    confirm_button = _("Xác nhận huỷ bản dự thảo")

    def confirm_items(self, rev):
        revision = self.revision()
        if revision.status not in (RevisionStatus.DRAFT, RevisionStatus.UNDER_REVIEW):
            raise Http404
        return [
            _("%(code)s — bản dự thảo %(n)s: %(title)s")
            % {"code": self.document.code, "n": revision.number, "title": revision.title}
        ]

    def act(self, document, data):
        documents.revision_cancel(
            actor=self.request.user, revision=self.revision(), reason=data["reason"]
        )


class UploadView(ActionView):
    capability = "documents.draft"
    form_class = forms.UploadForm
    success = _("Đã tải tệp lên.")

    def act(self, document, data):
        files.revision_file_add(
            actor=self.request.user, revision=self.revision(), upload=data["file"]
        )


class DistributeView(ActionView):
    capability = "documents.manage"
    form_class = forms.DistributeForm
    success = _("Đã phân phối tài liệu.")

    def act(self, document, data):
        added = distribution.revision_distribute(
            actor=self.request.user,
            revision=self.revision(),
            units=data["units"],
            users=data["users"],
        )
        self.success = _("Đã phân phối tài liệu tới %(n)s người.") % {"n": added}


class ChangeRequestView(ActionView):
    capability = "documents.draft"
    form_class = forms.ChangeRequestForm
    success = _("Đã gửi phiếu yêu cầu sửa đổi.")

    def act(self, document, data):
        documents.change_request_create(
            actor=self.request.user,
            document=self.document,
            reason=data["reason"],
            proposal=data["proposal"],
        )


class ChangeRequestDecisionView(ConfirmedActionView):
    capability = "documents.review"
    form_class = forms.NoteForm
    accept = True
    confirm_title = _("Không chấp nhận phiếu yêu cầu sửa đổi?")
    confirm_text = _("Phiếu sẽ được đóng với lý do dưới đây; người lập phiếu được báo.")
    confirm_button = _("Xác nhận không chấp nhận")

    def get(self, request, *args, **kwargs):
        # Accepting opens a draft that can be cancelled: only the refusal asks first.
        if self.accept:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().get(request, *args, **kwargs)

    def confirm_items(self, cr):
        change = get_object_or_404(
            ChangeRequest, pk=cr, document=self.document, status=ChangeRequestStatus.OPEN
        )
        return [f"#{change.pk} {change.requested_by}: {change.reason}"]

    def act(self, document, data):
        cr = self.kwargs["cr"]
        change = get_object_or_404(ChangeRequest, pk=cr, document=self.document)
        if self.accept:
            revision = documents.change_request_accept(
                actor=self.request.user, request=change, note=data.get("text", "")
            )
            self.success = _("Đã chấp nhận; bản dự thảo %(n)s được mở.") % {"n": revision.number}
        else:
            documents.change_request_reject(
                actor=self.request.user, request=change, note=data.get("text", "")
            )
            self.success = _("Đã không chấp nhận phiếu yêu cầu.")


class WithdrawView(ConfirmedActionView):
    capability = "documents.approve"
    form_class = forms.WithdrawForm
    success = _("Đã thu hồi tài liệu; tài liệu được đánh dấu hết hiệu lực.")
    confirm_title = _("Thu hồi tài liệu?")
    confirm_text = _(
        "Tài liệu sẽ hết hiệu lực với mọi người dùng và chỉ còn để tra cứu. Không thể hoàn tác."
    )
    confirm_button = _("Xác nhận thu hồi")

    def form_kwargs(self, obj) -> dict:
        return {"signer": self.request.user}

    def act(self, document, data):
        documents.document_withdraw(
            actor=self.request.user,
            document=self.document,
            reason=data["reason"],
            signing=self.form.signing_secrets(),
        )


class ExternalStatusView(ActionView):
    capability = "documents.manage"
    form_class = forms.ExternalStatusForm
    success = _("Đã cập nhật hiệu lực văn bản.")

    def act(self, document, data):
        documents.external_status_set(
            actor=self.request.user,
            document=self.document,
            status=data["status"],
            replaced_by=data.get("replaced_by"),
        )


class DiscardView(Gate, View):
    """Deleting a never-issued document: GET shows what goes, POST deletes it."""

    capability = "documents.view"

    template = "quality/documents/discard_confirm.html"

    def _load(self, request, pk) -> Document:
        document = get_object_or_404(Document, pk=pk)
        if not documents.document_may_discard(self.request.user, document):
            raise PermissionDenied("documents.delete")
        return document

    def get(self, request, pk):
        document = self._load(request, pk)
        revisions = document.revisions.prefetch_related("files").order_by("number")
        return render(request, self.template, {"document": document, "revisions": revisions})

    def post(self, request, pk):
        document = self._load(request, pk)
        try:
            documents.document_discard(actor=self.request.user, document=document)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("documents:detail", pk=pk)
        messages.success(request, _("Đã xoá tài liệu chưa ban hành."))
        return redirect("documents:register")


class AcknowledgeView(ActionView):
    success = _("Đã xác nhận đã đọc.")

    def act(self, document, data):
        ack = self.kwargs["ack"]
        acknowledgement = get_object_or_404(
            Acknowledgement, pk=ack, revision__document=self.document
        )
        distribution.acknowledgement_confirm(
            actor=self.request.user, acknowledgement=acknowledgement
        )


class FileDownloadView(Gate, View):
    capability = "documents.view"

    def get(self, request, pk, file):
        record = get_object_or_404(RevisionFile, pk=file, revision__document_id=pk)
        response = FileResponse(
            record.file.open("rb"),
            as_attachment=True,
            filename=record.name,
            content_type=record.content_type,
        )
        response["X-Content-SHA256"] = record.sha256
        return response


class CoverPdfView(Gate, View):
    capability = "documents.view"

    def get(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        revision = None
        if request.GET.get("rev"):
            revision = get_object_or_404(Revision, pk=request.GET["rev"], document=document)
        response = HttpResponse(cover_pdf(document, revision), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{document.code}.pdf"'
        return response


class DecisionFileView(Gate, View):
    """The decision that issues a revision (PDF or DOCX): numbered once the revision is
    issued, a draft before. External documents are other bodies' texts: no decision here."""

    capability = "documents.view"
    fmt = "pdf"

    def get(self, request, pk, rev):
        revision = get_object_or_404(
            Revision.objects.select_related("document__unit"), pk=rev, document_id=pk
        )
        if revision.document.is_external or revision.status == RevisionStatus.CANCELLED:
            raise Http404
        name = f"quyet-dinh-ban-hanh-{slugify(revision.document.code)}-ban-{revision.number}"
        return document_response(
            decisions.issue_decision(revision), self.fmt, name, request=request
        )


class WithdrawalDecisionFileView(Gate, View):
    """The decision that withdraws a document: a draft while it is in force, numbered once
    it is withdrawn."""

    capability = "documents.view"
    fmt = "pdf"

    def get(self, request, pk):
        document = get_object_or_404(Document.objects.select_related("unit"), pk=pk)
        if document.is_external or document.current_revision_id is None:
            raise Http404
        name = f"quyet-dinh-bai-bo-{slugify(document.code)}"
        return document_response(
            decisions.withdrawal_decision(document), self.fmt, name, request=request
        )
