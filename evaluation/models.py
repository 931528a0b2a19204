"""Public-schema tables of the rollout evaluation.

A `Wave` is a step of the rollout (the pilot, wave 1, wave 2...) with its agencies (an agency
is in at most one wave) and the thresholds that must be met before it starts (measured on
the wave before it). `BaselineFigure` keeps each agency's "before" figures with their source
(declared by the agency for the paper era, or measured over its first weeks on the platform).
`WeeklySnapshot` holds the adoption figures of every agency and ISO week, copied set-wise
from the statistics' week facts (`insights.AgencyFact`); the console reads only these.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform.signing.models import ProvinceSignedDocument
from tenants.models import Agency


class Stage(models.TextChoices):
    PLANNED = "planned", _("Đã lập kế hoạch")
    RUNNING = "running", _("Đang triển khai")
    EVALUATED = "evaluated", _("Đã đánh giá")
    SUCCEEDED = "succeeded", _("Đã chuyển sang đợt sau")


# The only moves a decision may make, in order.
NEXT_STAGE = {
    Stage.PLANNED: Stage.RUNNING,
    Stage.RUNNING: Stage.EVALUATED,
    Stage.EVALUATED: Stage.SUCCEEDED,
}


class Wave(models.Model):
    name = models.CharField(_("tên đợt"), max_length=200, unique=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), unique=True)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.PLANNED)
    planned_start = models.DateField(_("ngày bắt đầu dự kiến"))
    planned_go_live = models.DateField(_("ngày vận hành chính thức dự kiến"))
    started_on = models.DateField(null=True, blank=True)
    evaluated_on = models.DateField(null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_go_live__gte=F("planned_start")),
                name="wave_go_live_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WaveAgency(models.Model):
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="members")
    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="rollout_wave")

    class Meta:
        ordering = ["wave", "agency__name"]

    def __str__(self) -> str:
        return f"{self.wave_id}: {self.agency_id}"


class GateCriterion(models.Model):
    """Before `wave` starts, the wave before it must reach `threshold` on `indicator`
    (at least, or at most for figures where less is better: see evaluation.indicators)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="gate")
    indicator = models.CharField(_("chỉ số"), max_length=40)
    threshold = models.DecimalField(_("ngưỡng"), max_digits=9, decimal_places=2)

    class Meta:
        ordering = ["wave", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "indicator"], name="gate_once_per_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.threshold}"


class WaveDecision(models.Model):
    """A move of a wave (also written to the platform audit log)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="decisions")
    from_stage = models.CharField(max_length=12, choices=Stage.choices)
    to_stage = models.CharField(max_length=12, choices=Stage.choices)
    reason = models.TextField(_("lý do"))
    override = models.BooleanField(default=False)
    gate = models.JSONField(default=list, blank=True, help_text="The gate as it was read.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.wave_id}: {self.from_stage} -> {self.to_stage}"


class Source(models.TextChoices):
    DECLARED = "declared", _("Cơ quan kê khai (thời kỳ giấy)")
    MEASURED = "measured", _("Đo trên hệ thống (những tuần đầu)")


class BaselineFigure(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="baseline")
    key = models.CharField(max_length=40)
    source = models.CharField(max_length=10, choices=Source.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    as_of = models.DateField(help_text="Declared on, or the last day measured.")
    recorded_by = models.CharField(max_length=254, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency", "key", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "key", "source"], name="baseline_once_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.key} {self.source}={self.value}"


class Assessment(models.Model):
    """The agency's own written assessment of the pilot (written on its host)."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="assessment")
    advantages = models.TextField(_("ưu điểm"))
    limitations = models.TextField(_("hạn chế, khó khăn"))
    proposals = models.TextField(_("đề xuất"), blank=True)
    written_by = models.CharField(max_length=254, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.agency_id}"


class WeeklySnapshot(models.Model):
    """One agency's adoption figures for one ISO week (Monday to Sunday, Asia/Ho_Chi_Minh);
    exact definitions in docs/evaluation.md."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday.")
    staff = models.PositiveIntegerField(default=0)
    active_users = models.PositiveIntegerField(default=0)
    documents_issued = models.PositiveIntegerField(default=0)
    issue_days_median = models.FloatField(null=True, blank=True)
    records_kept = models.PositiveIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)
    received_integrated = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    in_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    late_with_nc = models.PositiveIntegerField(default=0)
    nc_assign_hours = models.PositiveIntegerField(default=0)
    corrective_done = models.PositiveIntegerField(default=0)
    corrective_on_time = models.PositiveIntegerField(default=0)
    survey_responses = models.PositiveIntegerField(default=0)
    survey_score_sum = models.PositiveIntegerField(default=0)
    annual_report_ready = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "week"], name="snapshot_once_per_week")
        ]
        indexes = [models.Index(fields=["week"], name="snapshot_week")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.week:%Y-%m-%d}"


WAVE_SUBJECT = "evaluation.wave"


class SignedReportManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(subject_type=WAVE_SUBJECT)


class SignedReport(ProvinceSignedDocument):
    """A wave's evaluation report as the department signed and issued it: the rows of the
    department's signed documents (iso_platform.signing, immutable there) that are of a
    wave (`subject_id` is the wave's id)."""

    objects = SignedReportManager()

    class Meta:
        proxy = True

    @property
    def wave(self) -> Wave:
        return Wave.objects.get(pk=int(self.subject_id))
