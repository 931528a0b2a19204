"""The province's working-day calendar (public schema): what `holidays` does not know."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform.workdays.calendar import parse_office_hours


class OverrideKind(models.TextChoices):
    DAY_OFF = "day_off", _("Ngày nghỉ thêm (không làm việc)")
    WORKING_DAY = "working_day", _("Ngày làm việc (làm bù, kể cả thứ Bảy, Chủ nhật)")


class CalendarOverride(models.Model):
    """One day the province declares differently from the national calendar.

    A swap is two rows: the Saturday that becomes a working day and the weekday that
    becomes a day off. Removing a national holiday is a WORKING_DAY row on that date.
    """

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=16, choices=OverrideKind.choices)
    note = models.CharField(_("căn cứ, ghi chú"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("điều chỉnh lịch làm việc")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.kind}"


class CalendarSettings(models.Model):
    """Office hours and the default cut-off hour (one row, pk=1)."""

    office_hours = models.CharField(
        _("giờ làm việc"),
        max_length=100,
        default="07:30-11:30,13:30-17:00",
        help_text=_("Các khoảng giờ làm việc trong ngày, cách nhau bằng dấu phẩy."),
    )
    cutoff = models.TimeField(
        _("giờ chốt tiếp nhận"),
        default=datetime.time(15, 0),
        help_text=_(
            "Hồ sơ nhận sau giờ này được tính từ ngày làm việc "
            "tiếp theo (với thủ tục áp dụng giờ chốt)."
        ),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cấu hình lịch làm việc")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="calendar_settings_singleton")
        ]

    def __str__(self):
        return "CalendarSettings"

    def clean(self):

        try:
            parse_office_hours(self.office_hours)
        except ValueError as exc:
            raise ValidationError({"office_hours": str(exc)}) from exc

    @classmethod
    def load(cls) -> CalendarSettings:
        return cls.objects.get_or_create(pk=1)[0]
