"""Imports from the national catalogue of administrative procedures (agency schema).

An import is first a preview (what would change, procedure by procedure, against the
catalogue as it is now), then applied in one transaction; the row stays as the log entry:
who, when, from which source, and the changes as they were applied.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    FILE = "file", _("Tệp tải lên")
    PLATFORM = "platform", _("Nền tảng của tỉnh")
    DEMO = "demo", _("Dữ liệu trình diễn")


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Chờ áp dụng")
    APPLIED = "applied", _("Đã áp dụng")


class Change(models.TextChoices):
    NEW = "new", _("Thủ tục mới")
    CHANGED = "changed", _("Có thay đổi")
    UNCHANGED = "unchanged", _("Không thay đổi")
    GONE = "gone", _("Không còn trong nguồn")


class CatalogueImport(models.Model):
    channel = models.CharField(_("nguồn"), max_length=16, choices=Channel.choices)
    source_label = models.CharField(_("tệp hoặc địa chỉ"), max_length=500, blank=True)
    source_name = models.CharField(_("nơi xuất dữ liệu"), max_length=200, blank=True)
    exported_on = models.DateField(_("ngày xuất dữ liệu"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    # The records read (source.Record.as_json()), applied as they are after the preview.
    records = models.JSONField(default=list)
    # Per procedure: {code, name, change, procedure_id, changes: [[field, old, new]], warnings}
    diff = models.JSONField(default=list)
    created_at = models.DateTimeField(_("lúc tạo"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(_("lúc áp dụng"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("lần nhập danh mục TTHC")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_channel_display()} {self.created_at:%d/%m/%Y %H:%M}"

    def count(self, change: str) -> int:
        return sum(1 for row in self.diff if row["change"] == change)

    @property
    def counts(self) -> dict[str, int]:
        return {change: self.count(change) for change in Change.values}
