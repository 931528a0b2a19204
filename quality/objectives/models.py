"""Quality objectives (6.2) and their measurement (9.1)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class Frequency(models.TextChoices):
    MONTH = "month", _("Hằng tháng")
    QUARTER = "quarter", _("Hằng quý")
    YEAR = "year", _("Hằng năm")


class Method(models.TextChoices):
    MANUAL = "manual", _("Nhập số liệu, kèm bằng chứng")
    ON_TIME_RATE = "on_time_rate", _("Tính tự động: tỷ lệ hồ sơ giải quyết đúng hạn (%)")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("Đạt khi không thấp hơn chỉ tiêu")
    AT_MOST = "at_most", _("Đạt khi không cao hơn chỉ tiêu")


class Objective(models.Model):
    year = models.PositiveSmallIntegerField(_("năm"))
    title = models.CharField(_("mục tiêu"), max_length=300)
    indicator = models.CharField(_("chỉ số đo"), max_length=300)
    target = models.DecimalField(_("chỉ tiêu"), max_digits=12, decimal_places=2)
    unit_label = models.CharField(_("đơn vị tính"), max_length=30, default="%")
    direction = models.CharField(
        _("cách đánh giá"), max_length=16, choices=Direction.choices, default=Direction.AT_LEAST
    )
    frequency = models.CharField(
        _("tần suất đo"), max_length=16, choices=Frequency.choices, default=Frequency.MONTH
    )
    method = models.CharField(
        _("cách đo"), max_length=16, choices=Method.choices, default=Method.MANUAL
    )
    procedure = models.ForeignKey(
        "quality_procedures.Procedure",
        verbose_name=_("thủ tục (để trống: mọi thủ tục)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        "quality_core.Unit",
        verbose_name=_("đơn vị chủ trì"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(
        USER, verbose_name=_("người theo dõi"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mục tiêu chất lượng")
        verbose_name_plural = _("mục tiêu chất lượng")
        ordering = ["-year", "id"]

    def __str__(self):
        return f"{self.year}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("objectives:detail", args=[self.pk])

    def is_met(self, value) -> bool:
        return (
            value >= self.target if self.direction == Direction.AT_LEAST else value <= self.target
        )


class Measurement(models.Model):
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="measurements")
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    value = models.DecimalField(_("kết quả"), max_digits=12, decimal_places=2)
    met = models.BooleanField(_("đạt"))
    computed = models.BooleanField(default=False)
    evidence = models.TextField(_("bằng chứng, ghi chú"), blank=True)
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["objective", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "period_start"], name="measurement_once_per_period"
            )
        ]

    def __str__(self):
        return f"{self.objective_id} {self.period_start}: {self.value}"
