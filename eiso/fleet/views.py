"""Province console pages for merging, splitting, archiving, exporting and importing agencies,
with the history of life-cycle operations (who, when, what). Writes: provincial
administrator only; department analysts read."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from eiso.fleet import merge, split
from eiso.fleet.forms import (
    ArchiveForm,
    ImportForm,
    MergeForm,
    SplitForm,
    SplitSourceForm,
)
from iso_platform.accounts.permissions import (
    ProvinceAdminRequiredMixin,
    ProvinceUserRequiredMixin,
    is_province_admin,
)
from iso_platform.audit import export_record
from iso_platform.confirm import Confirmation, ConfirmStepMixin
from iso_platform.forms import error_text
from tenants.models import Agency, LifecycleOperation, OperationKind, OperationStatus
from tenants.services import exports, operations
from tenants.services.lifecycle import agency_archive, agency_restore

CONFLICTS_SHOWN = 200


def _agencies():
    return Agency.objects.exclude(schema_name="public")


def _add_errors(form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    fields = fields or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = fields.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ConsoleContextMixin:
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("can_manage", is_province_admin(self.request))
        return context


class OperationListView(ProvinceUserRequiredMixin, ConsoleContextMixin, ListView):
    template_name = "lifecycle/list.html"
    context_object_name = "operations"
    paginate_by = 50

    def get_queryset(self):
        qs = LifecycleOperation.objects.select_related("agency", "other", "requested_by")
        kind = self.request.GET.get("kind")
        if kind in OperationKind.values:
            qs = qs.filter(kind=kind)
        return qs.order_by("-created_at")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kinds"] = OperationKind.choices
        context["kind"] = self.request.GET.get("kind", "")
        return context


class MergeView(ProvinceAdminRequiredMixin, ConsoleContextMixin, FormView):
    template_name = "lifecycle/merge_form.html"
    form_class = MergeForm

    def get_initial(self):
        initial = super().get_initial()
        for field in ("target", "source"):
            code = self.request.GET.get(field)
            if code:
                initial[field] = _agencies().filter(code=code).first()
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            op = merge.merge_preview(
                target=data["target"],
                source=data["source"],
                suffix=data["suffix"] or None,
                people_emails=data["people"],
                by=self.request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        return redirect("lifecycle:detail", pk=op.pk)


class SplitView(ProvinceAdminRequiredMixin, ConsoleContextMixin, View):
    """Step 1 chooses the source (GET ?source=<code>); step 2 its units and procedures."""

    template_name = "lifecycle/split_form.html"

    def _source(self, request):
        chooser = SplitSourceForm(request.GET or None)
        if chooser.is_valid():
            return chooser, chooser.cleaned_data["source"]
        return chooser, None

    def get(self, request):
        chooser, source = self._source(request)
        form = SplitForm(source=source) if source else None
        return self._render(request, chooser, source, form)

    def post(self, request):
        chooser, source = self._source(request)
        if source is None:
            return self._render(request, chooser, None, None)
        form = SplitForm(request.POST, source=source)
        if form.is_valid():
            data = form.cleaned_data
            try:
                op = split.split_preview(
                    source=source,
                    unit_ids=data["units"],
                    procedure_ids=data["procedures"],
                    code=data["code"],
                    name=data["name"],
                    kind=data["kind"],
                    identifier=data["identifier"],
                    admin_email=data["admin_email"],
                    admin_name=data["admin_name"],
                    people_move=data["people_move"],
                    people_copy=data["people_copy"],
                    suffix=data["suffix"] or None,
                    by=request.user,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect("lifecycle:detail", pk=op.pk)
        return self._render(request, chooser, source, form)

    def _render(self, request, chooser, source, form):
        context = {
            "chooser": chooser,
            "source": source,
            "form": form,
            "can_manage": True,
        }
        return TemplateResponse(request, self.template_name, context)


class ImportView(ProvinceAdminRequiredMixin, ConsoleContextMixin, FormView):
    template_name = "lifecycle/import_form.html"
    form_class = ImportForm

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            op = exports.import_preview(
                upload=data["archive"],
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                identifier=data["identifier"],
                by=self.request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        return redirect("lifecycle:detail", pk=op.pk)


class OperationDetailView(ProvinceUserRequiredMixin, ConsoleContextMixin, DetailView):
    model = LifecycleOperation
    context_object_name = "op"

    def get_queryset(self):
        return LifecycleOperation.objects.select_related("agency", "other", "requested_by")

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["lifecycle/_progress.html"]
        return ["lifecycle/detail.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        op = self.object
        step, percent = operations.live_progress(op)
        report = op.report or {}
        conflicts = report.get("conflicts", [])
        context.update(
            step=step,
            percent=percent,
            running=op.status in (OperationStatus.QUEUED, OperationStatus.RUNNING),
            report=report,
            conflicts=conflicts[:CONFLICTS_SHOWN],
            conflicts_hidden=max(0, len(conflicts) - CONFLICTS_SHOWN),
            manifest_tables=sorted((report.get("manifest") or {}).get("tables", {}).items()),
            export_tables=sorted(report.get("tables", {}).items())
            if op.kind == OperationKind.EXPORT
            else [],
        )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        # The progress fragment asks for a full reload once the run is over (the results).
        if self.request.headers.get("HX-Request") and not context["running"]:
            response["HX-Refresh"] = "true"
        return response


CONFIRM_TITLES = {
    OperationKind.MERGE: gettext_lazy("Hợp nhất %(source)s vào %(target)s?"),
    OperationKind.SPLIT: gettext_lazy("Tách một phần %(source)s sang %(target)s?"),
    OperationKind.IMPORT: gettext_lazy("Khởi tạo %(target)s từ gói dữ liệu?"),
}


class OperationConfirmView(ConfirmStepMixin, ProvinceAdminRequiredMixin, View):
    """GET: what the operation will do, and every link a split cuts; POST: run it."""

    def _operation(self, pk) -> LifecycleOperation:
        op = get_object_or_404(LifecycleOperation, pk=pk)
        if op.kind not in CONFIRM_TITLES:
            raise Http404
        return op

    def confirm_page_context(self, request):
        return {"can_manage": True}

    def confirmation(self, request, pk):
        op = self._operation(pk)
        report = op.report or {}
        names = {
            "source": (report.get("source") or {}).get("name", ""),
            "target": (report.get("target") or {}).get("name", "") or op.params.get("name", ""),
        }
        items = [split.consequence_text(c) for c in report.get("consequences", [])]
        text = _("Thao tác chạy trong một giao dịch duy nhất và không hoàn tác được.")
        if items:
            text += " " + _("Các liên kết dưới đây sẽ bị cắt:")
        return Confirmation(
            title=str(CONFIRM_TITLES[op.kind]) % names,
            text=text,
            button=_("Xác nhận và thực hiện"),
            cancel_url=reverse("lifecycle:detail", args=[op.pk]),
            items=items,
            nav="console/_nav.html",
            active="lifecycle",
        )

    def post(self, request, pk):
        op = self._operation(pk)
        if op.status != OperationStatus.PREVIEW:
            messages.info(request, _("Thao tác này đã được xác nhận."))
        else:
            operations.confirm(op)
            messages.success(request, _("Đã xác nhận; thao tác đang được thực hiện."))
        return redirect("lifecycle:detail", pk=pk)


class OperationDownloadView(ProvinceAdminRequiredMixin, View):
    def get(self, request, pk):
        op = get_object_or_404(
            LifecycleOperation, pk=pk, kind=OperationKind.EXPORT, status=OperationStatus.SUCCEEDED
        )
        path = exports.media_path(op.artifact) if op.artifact else None
        if path is None or not path.is_file():
            raise Http404
        name = Path(op.artifact).name
        with transaction.atomic():
            export_record(request=request, kind="agency_archive", filename=name, agency=op.agency)
        return FileResponse(open(path, "rb"), as_attachment=True, filename=name)


class AgencyExportView(ProvinceAdminRequiredMixin, View):
    def post(self, request, code):
        agency = get_object_or_404(_agencies(), code=code)
        op = exports.export_request(agency=agency, by=request.user)
        return redirect("lifecycle:detail", pk=op.pk)


class AgencyArchiveView(ConfirmStepMixin, ProvinceAdminRequiredMixin, View):
    """GET: what archiving means, with the reason field; POST: archive."""

    def confirm_page_context(self, request):
        return {"can_manage": True}

    def confirmation(self, request, code):
        agency = get_object_or_404(_agencies(), code=code)
        return Confirmation(
            title=_("Lưu trữ %(name)s?") % {"name": agency.name},
            text=_(
                "Cơ quan chuyển sang chỉ xem: mọi người vẫn đăng nhập và xem được dữ liệu, "
                "nhưng mọi thay đổi (biểu mẫu, API, sự kiện tích hợp) đều bị từ chối cho đến "
                "khi được khôi phục."
            ),
            button=_("Xác nhận lưu trữ"),
            cancel_url=reverse("console:agency_detail", args=[agency.code]),
            items=[f"{agency.name} ({agency.code}) — {agency.get_status_display()}"],
            form=ArchiveForm(),
            nav="console/_nav.html",
            active="agencies",
        )

    def post(self, request, code):
        agency = get_object_or_404(_agencies(), code=code)
        form = ArchiveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Lý do không hợp lệ."))
            return redirect("console:agency_detail", code=code)
        try:
            agency_archive(agency=agency, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Đã lưu trữ %(name)s (chỉ xem).") % {"name": agency.name})
        return redirect("console:agency_detail", code=code)


class AgencyRestoreView(ProvinceAdminRequiredMixin, View):
    def post(self, request, code):
        agency = get_object_or_404(_agencies(), code=code)
        try:
            agency_restore(agency=agency, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("%(name)s đã hoạt động trở lại.") % {"name": agency.name})
        return redirect("console:agency_detail", code=code)
