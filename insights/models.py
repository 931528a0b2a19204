"""Public-schema statistics of every agency: compact, non-personal figures only.

`AgencyFact` holds flow figures per agency and period (a day, or a month starting on its
first day); `FieldFact` the on-time figures per procedure field and month; `AgencyStatus`
the figures "as of now" (stock, not flow) and how fresh they are. The department reads
only these tables, never an agency's schema. Inspections of agencies by the quality
sub-department live here too.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Agency


class Grain(models.TextChoices):
    DAY = "day", _("Ngày")
    MONTH = "month", _("Tháng")
    # ISO weeks (period: the Monday), for the rollout evaluation's weekly figures: distinct
    # counts (active people) and medians do not add up from days.
    WEEK = "week", _("Tuần")


class AgencyFact(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="facts")
    grain = models.CharField(max_length=5, choices=Grain.choices)
    period = models.DateField(help_text="The day, or the first day of the month.")
    # applications (by the day they were received / completed, Asia/Ho_Chi_Minh)
    received = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    early = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    # improvement loop
    ncs_opened = models.PositiveIntegerField(default=0)
    ncs_closed = models.PositiveIntegerField(default=0)
    # citizens' satisfaction (sum of scores, so that averages over periods add up)
    satisfaction_responses = models.PositiveIntegerField(default=0)
    satisfaction_score_sum = models.PositiveIntegerField(default=0)
    # distinct people who changed something in the period (from the audit trail)
    active_users = models.PositiveIntegerField(default=0)
    # adoption figures (the rollout evaluation, `evaluation`): db_default too, so raw loads
    # that name only the older columns (the benchmarks) keep working
    users_joined = models.PositiveIntegerField(default=0, db_default=0)
    documents_issued = models.PositiveIntegerField(default=0, db_default=0)
    # median days from a revision's draft to its issue, of the revisions issued in the period
    issue_days_median = models.FloatField(null=True, blank=True)
    records_kept = models.PositiveIntegerField(default=0, db_default=0)
    # applications received whose "received" event came with an integration key or a pull
    received_integrated = models.PositiveIntegerField(default=0, db_default=0)
    # applications completed late that got a nonconformity, and the hours (summed) from
    # their due time to that nonconformity's detection
    late_with_nc = models.PositiveIntegerField(default=0, db_default=0)
    nc_assign_hours = models.PositiveIntegerField(default=0, db_default=0)
    corrective_done = models.PositiveIntegerField(default=0, db_default=0)
    corrective_on_time = models.PositiveIntegerField(default=0, db_default=0)
    annual_reports_generated = models.PositiveIntegerField(default=0, db_default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "grain", "period"], name="agency_fact_once_per_period"
            )
        ]
        indexes = [models.Index(fields=["grain", "period"], name="agency_fact_grain_period")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.grain} {self.period:%Y-%m-%d}"


class FieldFact(models.Model):
    """Applications completed per procedure field and month: the on-time rate by field."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="field_facts")
    month = models.DateField()
    field = models.CharField(max_length=200)
    completed = models.PositiveIntegerField(default=0)
    in_time = models.PositiveIntegerField(default=0, help_text="early + on time")
    late = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "month", "field"], name="field_fact_once_per_month"
            )
        ]
        indexes = [models.Index(fields=["month", "field"], name="field_fact_month_field")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month:%Y-%m} {self.field}"


class ServiceIndexMonth(models.Model):
    """The counts behind the service quality index (Decision 766/QĐ-TTg) of one agency and
    month: only what eISO holds. Points are derived on reading
    (`insights.selectors.service_index`), so a change of scoring needs no recomputation.

    Months are Asia/Ho_Chi_Minh ones; each count belongs to the month of its own event:
    `completed`, `in_time`, `late` by the day the result was ready, `received`, `online` by
    the day of receipt, `responses`, `dissatisfied` by the day of the answer."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="service_index")
    month = models.DateField(help_text="The first day of the month.")
    completed = models.PositiveIntegerField(default=0, help_text="judged early, on time or late")
    in_time = models.PositiveIntegerField(default=0, help_text="early + on time")
    late = models.PositiveIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)
    online = models.PositiveIntegerField(default=0, help_text="received through the portal")
    responses = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0, help_text="overall score 1 or 2")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "month"], name="service_index_once_per_month")
        ]
        indexes = [models.Index(fields=["month"], name="service_index_month")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month:%Y-%m}"


class AgencyStatus(models.Model):
    """Figures as of the last refresh, and the refresh's own state."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, primary_key=True, related_name="insight"
    )
    year = models.PositiveSmallIntegerField(help_text="The year of the yearly figures below.")
    overdue_now = models.PositiveIntegerField(default=0)
    in_progress = models.PositiveIntegerField(default=0)
    ncs_open = models.PositiveIntegerField(default=0)
    ncs_overdue = models.PositiveIntegerField(default=0)
    actions_overdue = models.PositiveIntegerField(default=0)
    audits_planned = models.PositiveIntegerField(default=0)
    audits_done = models.PositiveIntegerField(default=0)
    documents_in_force = models.PositiveIntegerField(default=0)
    documents_review_overdue = models.PositiveIntegerField(default=0)
    objectives_met = models.PositiveIntegerField(default=0)
    objectives_missed = models.PositiveIntegerField(default=0)
    review_held = models.BooleanField(default=False)
    users = models.PositiveIntegerField(default=0)
    active_users_30d = models.PositiveIntegerField(default=0)
    # Members of staff (active, not read-only) who attended a training session held this year
    # (quality.competence); with `users`, the share of staff trained.
    staff_trained = models.PositiveIntegerField(default=0)
    users_signed_in = models.PositiveIntegerField(
        default=0, db_default=0, help_text="Active accounts that have signed in at least once."
    )
    integration_used_at = models.DateTimeField(
        null=True, blank=True, help_text="Last use of any integration key."
    )
    last_activity = models.DateTimeField(null=True, blank=True)
    storage_bytes = models.BigIntegerField(default=0)
    # the edition of ISO 9001 followed, and the move to a newer one (quality.transition):
    # questions of the gap assessment, those closed (met, or every action done), its plan
    # Database defaults too: the status row is also written by raw SQL (the refresh script,
    # the benchmarks' fake facts) that need not name every column.
    iso_edition = models.CharField(max_length=20, blank=True, db_default="")
    transition_target = models.CharField(max_length=20, blank=True, db_default="")
    transition_deadline = models.DateField(null=True, blank=True)
    transition_questions = models.PositiveIntegerField(default=0, db_default=0)
    transition_answered = models.PositiveIntegerField(default=0, db_default=0)
    transition_closed = models.PositiveIntegerField(default=0, db_default=0)
    transition_actions = models.PositiveIntegerField(default=0, db_default=0)
    transition_actions_done = models.PositiveIntegerField(default=0, db_default=0)
    # freshness
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_ms = models.PositiveIntegerField(default=0)
    dirty_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("số liệu hiện tại của cơ quan")

    def __str__(self) -> str:
        return f"{self.agency_id} ({self.year})"

    @property
    def transition_percent(self) -> int | None:
        if not self.transition_questions:
            return None
        return round(100 * self.transition_closed / self.transition_questions)


class InspectionPlan(models.Model):
    """The quality sub-department's yearly plan of inspections."""

    year = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(_("tên kế hoạch"), max_length=300)
    note = models.TextField(_("ghi chú"), blank=True)
    approved_at = models.DateField(_("ngày phê duyệt"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Theo kế hoạch")
    DONE = "done", _("Đã kiểm tra")
    CANCELLED = "cancelled", _("Huỷ")


class Inspection(models.Model):
    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="inspections")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="inspections")
    scheduled_on = models.DateField(_("ngày dự kiến"))
    done_on = models.DateField(_("ngày kiểm tra"), null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    team = models.CharField(_("đoàn kiểm tra"), max_length=500, blank=True)
    conclusion = models.TextField(_("kết luận"), blank=True)
    # The agency's figures when the inspection was done (AgencyStatus + last 12 months).
    facts_snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["scheduled_on", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "agency"], name="inspection_once_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.agency_id}"


class FindingKind(models.TextChoices):
    NONCONFORMITY = "nonconformity", _("Không phù hợp")
    OBSERVATION = "observation", _("Lưu ý")
    RECOMMENDATION = "recommendation", _("Kiến nghị")


class InspectionFinding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=16, choices=FindingKind.choices)
    text = models.TextField(_("nội dung"))
    clause = models.CharField(_("điều khoản"), max_length=20, blank=True)
    due_on = models.DateField(_("hạn khắc phục"), null=True, blank=True)
    closed_on = models.DateField(_("ngày khắc phục xong"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["inspection", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class DataKey(models.Model):
    """A key of the province's data platform for the read API (`/api/province/v1/`).

    Only the SHA-256 of the key is kept: it is a random 256-bit value, so a digest cannot be
    turned back into it, and a database dump lets nobody read the API. `prefix` finds the row.
    """

    name = models.CharField(_("tên"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=40), verbose_name=_("phạm vi"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("khoá API dữ liệu tỉnh")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix})"
