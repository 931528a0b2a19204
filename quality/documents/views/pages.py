"""The register (with its download), a new document, a document's page and the reading inbox."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from iso_platform import spreadsheets
from iso_platform.forms import add_errors
from quality.core.permissions import can
from quality.core.steps import Gate
from quality.documents import forms, selectors
from quality.documents.models import (
    Acknowledgement,
    ChangeRequest,
    ChangeRequestStatus,
    CodeRule,
    DocType,
    Document,
    Revision,
    RevisionStatus,
)
from quality.documents.services import codes, documents


def _register(request):
    """(filter form, documents, cleaned filters) of the register page and its download."""
    form = forms.RegisterFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    documents = selectors.document_register(
        q=data.get("q", ""),
        doc_type=data.get("doc_type", ""),
        unit_id=data["unit"].pk if data.get("unit") else None,
        status=data.get("status", ""),
    )
    return form, documents, data


class RegisterView(Gate, TemplateView):
    capability = "documents.view"

    template_name = "quality/documents/register.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, queryset, data = _register(self.request)
        page = Paginator(queryset, 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            documents=page.object_list,
            query=query.urlencode(),
            searching=bool(data.get("q", "").strip()),
            can_draft=can(self.request.user, "documents.draft"),
        )
        return context


class RegisterExportView(Gate, View):
    """The register as auditors ask for it ("danh mục tài liệu nội bộ"), XLSX or CSV, with
    the list's filters; through the one spreadsheet writer."""

    capability = "documents.view"

    def get(self, request, fmt):
        _form, documents, _data = _register(request)
        header = [
            _("STT"),
            _("Mã tài liệu"),
            _("Tên tài liệu"),
            _("Loại tài liệu"),
            _("Đơn vị"),
            _("Lần ban hành"),
            _("Ngày hiệu lực"),
            _("Trạng thái"),
            _("Ngày xem xét định kỳ"),
        ]
        rows = (
            [
                number,
                d.code,
                d.title,
                d.get_doc_type_display(),
                d.unit.name if d.unit else "",
                d.current_revision.issue_number if d.current_revision else None,
                d.current_revision.effective_on if d.current_revision else None,
                d.get_status_display(),
                d.next_review_on,
            ]
            for number, d in enumerate(documents, 1)
        )
        title = _("Danh mục tài liệu nội bộ")
        body = spreadsheets.table(rows, fmt=fmt, header=header, title=title)
        stamp = timezone.localdate().strftime("%Y%m%d")
        return spreadsheets.download(body, fmt=fmt, filename=f"danh-muc-tai-lieu-{stamp}")


class CreateView(Gate, View):
    capability = "documents.draft"
    template = "quality/documents/create.html"

    def get(self, request):
        initial = {"doc_type": request.GET.get("doc_type", DocType.SYSTEM_PROCEDURE)}
        return render(
            request,
            self.template,
            {"form": forms.DocumentCreateForm(initial=initial), "rules": code_rules()},
        )

    def post(self, request):
        form = forms.DocumentCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                document = documents.document_create(
                    actor=request.user,
                    doc_type=data["doc_type"],
                    code=data["code"],
                    title=data["title"],
                    unit=data["unit"],
                    body=data["body"],
                    review_months=data["review_months"],
                    legal=form.legal() or None,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request, _("Đã tạo tài liệu %(code)s (bản dự thảo).") % {"code": document.code}
                )
                return redirect("documents:detail", pk=document.pk)
        return render(request, self.template, {"form": form, "rules": code_rules()}, status=400)


def code_rules():
    """(document type, example code) for every type: the agency's own rule, else the default.

    Shown beside the form of a new document and on the settings page."""
    saved = {r.doc_type: r.example for r in CodeRule.objects.all()}
    return [
        (label, saved.get(value, codes.DEFAULT_RULES[value][1])) for value, label in DocType.choices
    ]


class DetailView(Gate, TemplateView):
    capability = "documents.view"

    template_name = "quality/documents/detail.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            document = selectors.document_detail(pk)
        except Document.DoesNotExist as exc:
            raise Http404 from exc
        user = self.request.user
        revisions = list(selectors.document_revisions(document))
        open_draft = next(
            (
                r
                for r in revisions
                if r.status in (RevisionStatus.DRAFT, RevisionStatus.UNDER_REVIEW)
            ),
            None,
        )
        # the issued revision, from the list: its people and files are loaded there already
        current = next((r for r in revisions if r.pk == document.current_revision_id), None)
        my_ack = (
            Acknowledgement.objects.filter(revision=current, user=user).first() if current else None
        )
        context.update(
            document=document,
            revisions=revisions,
            open_draft=open_draft,
            current=current,
            shown=open_draft or current or (revisions[0] if revisions else None),
            audit=selectors.document_audit_trail(document)[:200],
            acks=selectors.acknowledgement_status(current) if current else [],
            my_ack=my_ack,
            change_requests=document.change_requests.select_related("requested_by", "decided_by"),
            can=_abilities(user, document, open_draft),
            submit_form=forms.SubmitForm(),
            note_form=forms.NoteForm(),
            approve_form=forms.ApproveForm(signer=self.request.user),
            reason_form=forms.ReasonForm(),
            change_form=forms.ChangeRequestForm(),
            upload_form=forms.UploadForm(),
            distribute_form=forms.DistributeForm(),
            external_form=forms.ExternalStatusForm(),
            today=timezone.localdate(),
        )
        return context


def _abilities(user, document: Document, draft: Revision | None) -> dict:
    return {
        "draft": can(user, "documents.draft"),
        "review": can(user, "documents.review") or can(user, "documents.approve"),
        "approve": can(user, "documents.approve"),
        "manage": can(user, "documents.manage"),
        "verify": can(user, "documents.verify"),
        "discard": document.status == "draft" and documents.document_may_discard(user, document),
        "check": bool(
            draft
            and draft.status == RevisionStatus.UNDER_REVIEW
            and not draft.reviewed_by_id
            and documents.revision_may_review(user, draft)
        ),
        "edit_draft": bool(
            draft and draft.status == RevisionStatus.DRAFT and can(user, "documents.draft")
        ),
    }


class InboxView(Gate, TemplateView):
    capability = "documents.view"

    template_name = "quality/documents/inbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.review_inbox(self.request.user))
        context["reading"] = selectors.my_pending_acknowledgements(self.request.user)
        context["requests"] = (
            ChangeRequest.objects.filter(status=ChangeRequestStatus.OPEN).select_related(
                "document", "requested_by"
            )
            if can(self.request.user, "documents.review")
            else []
        )
        return context
