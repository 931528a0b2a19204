"""Management review (9.3) and the agency's annual report on applying its QMS."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class ReviewItem(models.Model):
    """Something that must come up at the next management review (an objective missed...)."""

    source = models.CharField(max_length=40)
    source_id = models.CharField(max_length=100)
    title = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    review = models.ForeignKey(
        "ManagementReview", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="review_item_once")
        ]

    def __str__(self):
        return self.title[:80]


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Chuẩn bị")
    HELD = "held", _("Đã họp")


class ManagementReview(models.Model):
    title = models.CharField(_("tên cuộc họp"), max_length=300)
    meeting_on = models.DateField(_("ngày họp"))
    chair = models.ForeignKey(
        USER, verbose_name=_("chủ trì"), on_delete=models.PROTECT, related_name="+"
    )
    participants = models.TextField(_("thành phần"), blank=True)
    period_start = models.DateField(_("kỳ xem xét từ"))
    period_end = models.DateField(_("đến"))
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    inputs = models.JSONField(_("đầu vào"), default=dict, blank=True)
    inputs_compiled_at = models.DateTimeField(null=True, blank=True)
    resources = models.TextField(_("sự thỏa đáng của nguồn lực (9.3.2 d)"), blank=True)
    commentary = models.TextField(_("nhận xét, thảo luận"), blank=True)
    conclusions = models.TextField(_("kết luận, quyết định"), blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cuộc họp xem xét của lãnh đạo")
        ordering = ["-meeting_on", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:detail", args=[self.pk])


class AnnualReportStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SUBMITTED = "submitted", _("Đã gửi Sở KH&CN")


class AnnualReport(models.Model):
    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    figures = models.JSONField(default=dict)
    generated_at = models.DateTimeField(null=True, blank=True)
    assessment = models.TextField(_("đánh giá chung"), blank=True)
    shortcomings = models.TextField(_("tồn tại, hạn chế"), blank=True)
    proposals = models.TextField(_("kiến nghị, đề xuất"), blank=True)
    announced_conformity = models.BooleanField(_("đã công bố HTQLCL phù hợp"), default=False)
    status = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=AnnualReportStatus.choices,
        default=AnnualReportStatus.DRAFT,
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("báo cáo tình hình áp dụng")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="annual_report_submitted_has_date",
            )
        ]

    def __str__(self):
        return f"Báo cáo {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:annual_detail", args=[self.pk])
