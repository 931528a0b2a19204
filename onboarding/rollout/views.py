"""Bulk rollout on the province console: upload, validation report, start, progress.

The provincial administrator uploads and starts; department analysts may look.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from iso_platform import spreadsheets
from iso_platform.accounts.permissions import (
    ProvinceAdminRequiredMixin,
    ProvinceUserRequiredMixin,
    is_province_admin,
)
from iso_platform.forms import error_text
from onboarding.province.models import RolloutBatch, RolloutStatus, RowStatus
from onboarding.services.rollout.common import FIELD_LABELS, MAX_BYTES, MSG_TOO_BIG
from onboarding.services.rollout.progress import rollout_progress, rollout_template_csv
from onboarding.services.rollout.upload import rollout_start, rollout_upload

FINISHED = (RolloutStatus.SUCCEEDED, RolloutStatus.FAILED)
IN_PROGRESS = (RolloutStatus.QUEUED, RolloutStatus.RUNNING)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp danh sách cơ quan (CSV hoặc XLSX)"),
        help_text=gettext_lazy(
            "Các cột: mã, tên, loại, cơ quan cấp trên, họ tên quản trị viên, email quản trị "
            "viên, gói. Tối đa 2.000 dòng, 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    create_valid_only = forms.BooleanField(
        label=gettext_lazy("Chỉ tạo các dòng hợp lệ (bỏ qua các dòng có lỗi)"),
        required=False,
        help_text=gettext_lazy(
            "Không chọn: nếu có một dòng lỗi, cả tệp bị từ chối và không cơ quan nào được tạo."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(_(MSG_TOO_BIG))
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise ValidationError(_("Chỉ nhận tệp .csv hoặc .xlsx."))
        return upload


class BatchListView(ProvinceUserRequiredMixin, ListView):
    template_name = "onboarding/rollout/list.html"
    context_object_name = "batches"
    paginate_by = 30

    def get_queryset(self):
        return (
            RolloutBatch.objects.select_related("uploaded_by")
            .annotate(problem_rows=F("total_rows") - F("valid_rows") + F("failed_rows"))
            .order_by("-created_at")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_manage=is_province_admin(self.request), **kwargs)


class BatchUploadView(ProvinceAdminRequiredMixin, FormView):
    template_name = "onboarding/rollout/upload.html"
    form_class = UploadForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        batch = rollout_upload(
            content=upload.read(),
            file_name=upload.name,
            create_valid_only=form.cleaned_data["create_valid_only"],
            uploaded_by=self.request.user,
        )
        return redirect("rollout:detail", pk=batch.pk)


class BatchDetailView(ProvinceUserRequiredMixin, DetailView):
    model = RolloutBatch
    context_object_name = "batch"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["onboarding/rollout/_progress.html"]
        return ["onboarding/rollout/detail.html"]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # The poll that sees the batch finish reloads the page once, with every row's outcome.
        if request.headers.get("HX-Request") and self.object.status in FINISHED:
            response["HX-Refresh"] = "true"
        return response

    def get_context_data(self, **kwargs):
        batch = self.object
        context = super().get_context_data(**kwargs)
        context.update(
            progress=rollout_progress(batch),
            invalid_rows=batch.total_rows - batch.valid_rows,
            polling=batch.status in IN_PROGRESS,
            failed=batch.rows.filter(status=RowStatus.FAILED).order_by("line"),
            can_manage=is_province_admin(self.request),
        )
        if not self.request.headers.get("HX-Request"):
            context["rows"] = self._rows(batch)
        return context

    def _rows(self, batch):
        """Rows with errors first (they are what the administrator must fix), then by line."""
        rank = Case(
            When(
                status__in=[RowStatus.INVALID, RowStatus.FAILED, RowStatus.SKIPPED], then=Value(0)
            ),
            default=Value(1),
            output_field=IntegerField(),
        )
        rows = batch.rows.select_related("agency").annotate(rank=rank).order_by("rank", "line")
        labels = {key: _(label) for key, label in FIELD_LABELS.items()}
        labels["__all__"] = ""
        for row in rows:
            row.error_list = [
                (labels.get(key, key), message)
                for key, messages_ in row.errors.items()
                for message in messages_
            ]
        return rows


class BatchStartView(ProvinceAdminRequiredMixin, View):
    def post(self, request, pk):
        batch = get_object_or_404(RolloutBatch, pk=pk)
        try:
            rollout_start(batch=batch)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("rollout:detail", pk=batch.pk)


class TemplateDownloadView(ProvinceUserRequiredMixin, View):
    def get(self, request):
        return spreadsheets.download(
            rollout_template_csv(), fmt="csv", filename="mau-trien-khai-co-quan"
        )
