"""Nonconformities (ISO 9001:2015 clause 10.2). This issue records them with their source;
the improvement issue adds the corrective-action workflow on top."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NcSource(models.TextChoices):
    APPLICATION_LATE = "application_late", _("Hồ sơ TTHC trễ hạn")
    APPLICATION_APOLOGY = "application_apology", _("Xin lỗi và hẹn lại ngày trả kết quả")
    APPLICATION_REFUSED = "application_refused", _("Từ chối hồ sơ do lỗi của cơ quan")
    AUDIT = "audit", _("Đánh giá nội bộ")
    COMPLAINT = "complaint", _("Phản ánh, kiến nghị")
    OTHER = "other", _("Khác")


class NcStatus(models.TextChoices):
    OPEN = "open", _("Đang mở")
    CLOSED = "closed", _("Đã đóng")


class Nonconformity(models.Model):
    source = models.CharField(_("nguồn"), max_length=32, choices=NcSource.choices)
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=100, blank=True)
    source_ref = models.CharField(_("tham chiếu"), max_length=200, blank=True)
    title = models.CharField(_("nội dung"), max_length=500)
    description = models.TextField(_("mô tả"), blank=True)
    unit_name = models.CharField(_("đơn vị liên quan"), max_length=255, blank=True)
    detected_at = models.DateTimeField(_("thời điểm phát hiện"), default=timezone.now)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=NcStatus.choices, default=NcStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sự không phù hợp")
        verbose_name_plural = _("sự không phù hợp")
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_type", "source_id"],
                condition=~models.Q(source_id=""),
                name="nonconformity_once_per_source",
            ),
        ]
        indexes = [models.Index(fields=["status", "-detected_at"])]

    def __str__(self):
        return self.title
