"""Public-schema models of onboarding (see the package's docstring)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import CODE_MAX_LENGTH, Agency, Job

# --------------------------------------------------------------------------- rollout


class RolloutStatus(models.TextChoices):
    REFUSED = "refused", _("Tệp có lỗi, chưa tạo cơ quan nào")
    VALIDATED = "validated", _("Đã kiểm tra, chờ khởi tạo")
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang khởi tạo")
    SUCCEEDED = "succeeded", _("Hoàn tất")
    FAILED = "failed", _("Hoàn tất, có dòng lỗi")


class RolloutBatch(Job):
    """One uploaded rollout file: its rows are validated first, then provisioned in order."""

    file_name = models.CharField(_("tệp"), max_length=255)
    file_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=16, choices=RolloutStatus.choices, default=RolloutStatus.VALIDATED
    )
    create_valid_only = models.BooleanField(_("chỉ tạo các dòng hợp lệ"), default=False)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    failed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="File-level errors.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(Job.Meta):
        db_table = "tenants_rolloutbatch"

    def __str__(self):
        return f"{self.file_name} ({self.status})"


class RowStatus(models.TextChoices):
    INVALID = "invalid", _("Có lỗi")
    SKIPPED = "skipped", _("Bỏ qua")
    PENDING = "pending", _("Chờ khởi tạo")
    RUNNING = "running", _("Đang khởi tạo")
    DONE = "done", _("Đã tạo")
    FAILED = "failed", _("Thất bại")


class RolloutRow(models.Model):
    batch = models.ForeignKey(RolloutBatch, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(_("dòng"))
    code = models.CharField(_("mã"), max_length=CODE_MAX_LENGTH, blank=True)
    name = models.CharField(_("tên cơ quan"), max_length=255, blank=True)
    kind = models.CharField(_("loại"), max_length=32, blank=True)
    parent_code = models.CharField(_("cơ quan cấp trên"), max_length=CODE_MAX_LENGTH, blank=True)
    admin_name = models.CharField(_("họ tên quản trị viên"), max_length=150, blank=True)
    admin_email = models.CharField(_("thư điện tử quản trị viên"), max_length=254, blank=True)
    plan_code = models.CharField(_("gói dịch vụ"), max_length=40, blank=True)
    identifier = models.CharField(_("mã định danh"), max_length=40, blank=True)
    errors = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=RowStatus.choices, default=RowStatus.PENDING)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField(max_length=16, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "tenants_rolloutrow"
        ordering = ["batch", "line"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="rollout_row_once"),
        ]

    def __str__(self):
        return f"{self.batch_id}:{self.line} {self.code}"


# --------------------------------------------------------------------------- onboarding progress


class AgencyOnboarding(models.Model):
    """The agency's first-run checklist as the province console sees it (a public mirror,
    refreshed whenever the agency's checklist changes)."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="onboarding")
    steps = models.JSONField(default=dict, blank=True, help_text="step key -> done (bool)")
    done = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "tenants_agencyonboarding"

    def __str__(self):
        return f"{self.agency_id}: {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


# --------------------------------------------------------------------------- template packs


class PackRelease(models.Model):
    """A version of a template pack published by the province for agencies to adopt."""

    key = models.CharField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    kinds = models.JSONField(default=list, help_text="Agency kinds this pack is meant for.")
    content = models.JSONField(help_text="The pack itself (documents, record series).")
    notes = models.TextField(_("ghi chú thay đổi"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "tenants_packrelease"
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="pack_release_once")]

    def __str__(self):
        return f"{self.key} v{self.version}"


def rollout_rows_failed(since) -> QuerySet:
    """Rows of bulk rollout files that failed since `since` (the health page's list)."""
    return (
        RolloutRow.objects.filter(status=RowStatus.FAILED)
        .filter(
            Q(finished_at__gte=since) | Q(finished_at__isnull=True, batch__created_at__gte=since)
        )
        .select_related("batch")
        .order_by("-batch__created_at", "line")
    )
