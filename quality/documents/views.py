"""Pages of the documents area. Views are thin: forms validate, services decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from iso_platform import spreadsheets
from iso_platform.accounts.models import User
from iso_platform.confirm import Confirmation, ConfirmStepMixin
from iso_platform.forms import add_errors, error_text
from quality.core.models import AgencySettings
from quality.core.permissions import can
from quality.core.services import agency_settings_update
from quality.core.steps import Gate, Step
from quality.documents import forms, selectors
from quality.documents.models import (
    Acknowledgement,
    ChangeRequest,
    ChangeRequestStatus,
    CodeRule,
    DocType,
    Document,
    RecordEntry,
    RecordSeries,
    Revision,
    RevisionFile,
    RevisionStatus,
)
from quality.documents.pdf import cover_pdf
from quality.documents.services import codes, delegation, distribution, documents, files, records


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

    def revision(self, rev) -> Revision:
        return get_object_or_404(Revision, pk=rev, document=self.document)


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
            form=self.form_class() if self.form_class else None,
            active="documents",
        )

    def confirm_items(self, **kwargs) -> list[str]:
        return [f"{self.document.code} {self.document.title}"]


# --------------------------------------------------------------------------- register and pages


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
            {"form": forms.DocumentCreateForm(initial=initial), "rules": _rules()},
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
        return render(request, self.template, {"form": form, "rules": _rules()}, status=400)


def _rules():
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
            approve_form=forms.ApproveForm(),
            reason_form=forms.ReasonForm(),
            change_form=forms.ChangeRequestForm(),
            upload_form=forms.UploadForm(),
            distribute_form=forms.DistributeForm(),
            external_form=forms.ExternalStatusForm(),
            today=timezone.localdate(),
        )
        return context


def _detail_with(request, pk, **forms_with_errors) -> HttpResponse:
    view = DetailView(request=request, kwargs={"pk": pk})
    context = view.get_context_data(pk=pk)
    context.update(forms_with_errors)
    return render(request, DetailView.template_name, context, status=400)


def _abilities(user, document: Document, draft: Revision | None) -> dict:
    return {
        "draft": can(user, "documents.draft"),
        "review": can(user, "documents.review") or can(user, "documents.approve"),
        "approve": can(user, "documents.approve"),
        "manage": can(user, "documents.manage"),
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


# --------------------------------------------------------------------------- revision steps


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
                    actor=request.user, revision=revision, **form.cleaned_data
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
        request, rev = self.request, self.kwargs["rev"]
        documents.revision_submit(
            actor=request.user, revision=self.revision(rev), reviewer=data.get("reviewer")
        )


class ReviewView(ActionView):
    form_class = forms.NoteForm
    success = _("Đã ghi nhận kiểm tra; bản dự thảo chờ phê duyệt.")

    def act(self, document, data):
        request, rev = self.request, self.kwargs["rev"]
        documents.revision_review(
            actor=request.user, revision=self.revision(rev), note=data.get("text", "")
        )


class SendBackView(ActionView):
    form_class = forms.NoteForm
    success = _("Đã trả lại bản dự thảo kèm ý kiến.")

    def act(self, document, data):
        request, rev = self.request, self.kwargs["rev"]
        documents.revision_send_back(
            actor=request.user, revision=self.revision(rev), comment=data.get("text", "")
        )


class ApproveView(ActionView):
    capability = "documents.approve"
    form_class = forms.ApproveForm
    page_form = "approve_form"
    success = _("Đã phê duyệt và ban hành.")

    def act(self, document, data):
        request, rev = self.request, self.kwargs["rev"]
        documents.revision_approve(
            actor=request.user, revision=self.revision(rev), effective_on=data.get("effective_on")
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
        revision = self.revision(rev)
        if revision.status not in (RevisionStatus.DRAFT, RevisionStatus.UNDER_REVIEW):
            raise Http404
        return [
            _("%(code)s — bản dự thảo %(n)s: %(title)s")
            % {"code": self.document.code, "n": revision.number, "title": revision.title}
        ]

    def act(self, document, data):
        request, rev = self.request, self.kwargs["rev"]
        documents.revision_cancel(
            actor=request.user, revision=self.revision(rev), reason=data["reason"]
        )


class UploadView(ActionView):
    capability = "documents.draft"
    form_class = forms.UploadForm
    success = _("Đã tải tệp lên.")

    def act(self, document, data):
        request, rev = self.request, self.kwargs["rev"]
        files.revision_file_add(
            actor=request.user, revision=self.revision(rev), upload=data["file"]
        )


class DistributeView(ActionView):
    capability = "documents.manage"
    form_class = forms.DistributeForm
    success = _("Đã phân phối tài liệu.")

    def act(self, document, data):
        request, rev = self.request, self.kwargs["rev"]
        added = distribution.revision_distribute(
            actor=request.user,
            revision=self.revision(rev),
            units=data["units"],
            users=data["users"],
        )
        self.success = _("Đã phân phối tài liệu tới %(n)s người.") % {"n": added}


class ChangeRequestView(ActionView):
    capability = "documents.draft"
    form_class = forms.ChangeRequestForm
    success = _("Đã gửi phiếu yêu cầu sửa đổi.")

    def act(self, document, data):
        request = self.request
        documents.change_request_create(
            actor=request.user,
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
        request, cr = self.request, self.kwargs["cr"]
        change = get_object_or_404(ChangeRequest, pk=cr, document=self.document)
        if self.accept:
            revision = documents.change_request_accept(
                actor=request.user, request=change, note=data.get("text", "")
            )
            self.success = _("Đã chấp nhận; bản dự thảo %(n)s được mở.") % {"n": revision.number}
        else:
            documents.change_request_reject(
                actor=request.user, request=change, note=data.get("text", "")
            )
            self.success = _("Đã không chấp nhận phiếu yêu cầu.")


class WithdrawView(ConfirmedActionView):
    capability = "documents.approve"
    form_class = forms.ReasonForm
    success = _("Đã thu hồi tài liệu; tài liệu được đánh dấu hết hiệu lực.")
    confirm_title = _("Thu hồi tài liệu?")
    confirm_text = _(
        "Tài liệu sẽ hết hiệu lực với mọi người dùng và chỉ còn để tra cứu. Không thể hoàn tác."
    )
    confirm_button = _("Xác nhận thu hồi")

    def act(self, document, data):
        request = self.request
        documents.document_withdraw(
            actor=request.user, document=self.document, reason=data["reason"]
        )


class ExternalStatusView(ActionView):
    capability = "documents.manage"
    form_class = forms.ExternalStatusForm
    success = _("Đã cập nhật hiệu lực văn bản.")

    def act(self, document, data):
        request = self.request
        documents.external_status_set(
            actor=request.user,
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
        if not documents.document_may_discard(request.user, document):
            raise PermissionDenied("documents.delete")
        return document

    def get(self, request, pk):
        document = self._load(request, pk)
        revisions = document.revisions.prefetch_related("files").order_by("number")
        return render(request, self.template, {"document": document, "revisions": revisions})

    def post(self, request, pk):
        document = self._load(request, pk)
        try:
            documents.document_discard(actor=request.user, document=document)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("documents:detail", pk=pk)
        messages.success(request, _("Đã xoá tài liệu chưa ban hành."))
        return redirect("documents:register")


class AcknowledgeView(ActionView):
    success = _("Đã xác nhận đã đọc.")

    def act(self, document, data):
        request, ack = self.request, self.kwargs["ack"]
        acknowledgement = get_object_or_404(
            Acknowledgement, pk=ack, revision__document=self.document
        )
        distribution.acknowledgement_confirm(actor=request.user, acknowledgement=acknowledgement)


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


# --------------------------------------------------------------------------- records


class RecordRegisterView(Gate, TemplateView):
    capability = "records.view"
    template_name = "quality/documents/records.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            year = int(self.request.GET.get("year") or timezone.localdate().year)
        except ValueError:
            year = timezone.localdate().year
        context.update(
            year=year,
            series=selectors.record_register(year),
            years=sorted(
                set(RecordSeries.objects.values_list("year", flat=True)) | {year}, reverse=True
            ),
            form=forms.RecordSeriesForm(initial={"year": year}),
            carry_form=forms.CarryOverForm(initial={"from_year": year - 1, "to_year": year}),
            due=records.entries_due_for_disposal(),
            can_manage=can(self.request.user, "records.manage"),
        )
        return context

    def post(self, request):
        if not can(request.user, "records.manage"):
            raise PermissionDenied("records.manage")
        form = forms.RecordSeriesForm(request.POST)
        if form.is_valid():
            try:
                series = records.record_series_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Đã thêm hồ sơ “%(name)s”.") % {"name": series.name})
                return redirect(f"/documents/records/?year={series.year}")
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("documents:records")


class RecordSeriesView(Gate, TemplateView):
    capability = "records.view"
    template_name = "quality/documents/record_series.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        series = get_object_or_404(
            RecordSeries.objects.select_related("procedure", "keeper_unit"), pk=pk
        )
        context.update(
            series=series,
            entries=series.entries.select_related("created_by", "disposal__by"),
            form=forms.RecordEntryForm(),
            dispose_form=forms.DisposeForm(),
            can_manage=can(self.request.user, "records.manage"),
            today=timezone.localdate(),
        )
        return context

    def post(self, request, pk):
        if not can(request.user, "records.manage"):
            raise PermissionDenied("records.manage")
        series = get_object_or_404(RecordSeries, pk=pk)
        form = forms.RecordEntryForm(request.POST)
        if form.is_valid():
            try:
                records.record_entry_add(actor=request.user, series=series, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Đã thêm hồ sơ."))
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("documents:record_series", pk=pk)


class DisposeView(Gate, View):
    capability = "records.manage"

    def post(self, request, pk):
        entry = get_object_or_404(RecordEntry, pk=pk)
        form = forms.DisposeForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        else:
            try:
                records.record_dispose(actor=request.user, entry=entry, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Đã ghi nhận việc huỷ hồ sơ."))
        return redirect("documents:record_series", pk=entry.series_id)


class CarryOverView(Gate, View):
    capability = "records.manage"

    def post(self, request):
        form = forms.CarryOverForm(request.POST)
        if form.is_valid():
            try:
                count = records.record_register_carry_over(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(
                    request,
                    _("Đã tạo %(n)s hồ sơ cho năm %(year)s.")
                    % {"n": count, "year": form.cleaned_data["to_year"]},
                )
                return redirect(f"/documents/records/?year={form.cleaned_data['to_year']}")
        return redirect("documents:records")


# --------------------------------------------------------------------------- settings


class SettingsView(Gate, TemplateView):
    capability = "settings.manage"
    template_name = "quality/documents/settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        config = AgencySettings.load()
        context.update(
            settings_form=kwargs.get("settings_form")
            or forms.AgencyDocumentSettingsForm(
                initial={
                    f: getattr(config, f)
                    for f in ("allow_self_approval", "document_review_months", "max_upload_mb")
                }
            ),
            rule_form=kwargs.get("rule_form") or forms.CodeRuleForm(),
            rules=_rules(),
            delegates=delegation.approval_delegates(),
            delegate_form=forms.DelegateForm(),
        )
        return context

    def post(self, request):
        action = request.POST.get("action")
        if action == "settings":
            form = forms.AgencyDocumentSettingsForm(request.POST)
            if form.is_valid():
                agency_settings_update(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Đã lưu cấu hình."))
                return redirect("documents:settings")
            return self.render_to_response(self.get_context_data(settings_form=form), status=400)
        if action == "rule":
            form = forms.CodeRuleForm(request.POST)
            if form.is_valid():
                try:
                    codes.code_rule_set(actor=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    add_errors(form, exc)
                else:
                    messages.success(request, _("Đã lưu quy tắc mã."))
                    return redirect("documents:settings")
            return self.render_to_response(self.get_context_data(rule_form=form), status=400)
        if action == "delegate":
            user = get_object_or_404(User, pk=request.POST.get("user"))
            delegation.approval_delegate_set(actor=request.user, user=user, granted=True)
            messages.success(request, _("Đã cập nhật uỷ quyền phê duyệt."))
        return redirect("documents:settings")


class DelegateRevokeView(ConfirmStepMixin, Gate, View):
    """Removing an approval delegate: GET asks, POST removes."""

    capability = "settings.manage"

    def confirmation(self, request, user):
        person = get_object_or_404(User, pk=user)
        return Confirmation(
            title=_("Thu hồi uỷ quyền phê duyệt?"),
            text=_("Người này sẽ không còn được phê duyệt và ban hành tài liệu."),
            button=_("Xác nhận thu hồi uỷ quyền"),
            cancel_url="/documents/settings/",
            items=[person.full_name],
            active="documents",
        )

    def post(self, request, user):
        person = get_object_or_404(User, pk=user)
        delegation.approval_delegate_set(actor=request.user, user=person, granted=False)
        messages.success(request, _("Đã cập nhật uỷ quyền phê duyệt."))
        return redirect("documents:settings")
