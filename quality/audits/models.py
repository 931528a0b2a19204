"""Internal audit (ISO 9001 clause 9.2): programme, plans, team, checklists, findings."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quality.core.editions import agency_edition

USER = settings.AUTH_USER_MODEL


class Clause(models.Model):
    """Every clause number of every edition in quality.core.editions (their union, kept in
    step by `clauses_sync`); which of them an audit offers, and their titles, come from the
    edition the audit follows."""

    code = models.CharField(max_length=8, unique=True)
    title = models.CharField(max_length=200)
    sort_key = models.CharField(max_length=20, db_index=True)

    class Meta:
        ordering = ["sort_key"]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def is_heading(self) -> bool:
        return "." not in self.code


def current_edition_code() -> str:
    """The edition the agency follows now: a new plan's default."""
    return agency_edition().code


class AuditProgramme(models.Model):
    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    objectives = models.TextField(_("mục tiêu của chương trình"), blank=True)
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chương trình đánh giá nội bộ")
        ordering = ["-year"]

    def __str__(self):
        return f"Chương trình đánh giá nội bộ {self.year}"


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Đã lập kế hoạch")
    IN_PROGRESS = "in_progress", _("Đang đánh giá")
    REPORTED = "reported", _("Đã báo cáo")


class AuditPlan(models.Model):
    programme = models.ForeignKey(AuditProgramme, on_delete=models.PROTECT, related_name="plans")
    title = models.CharField(_("tên cuộc đánh giá"), max_length=300)
    scope = models.TextField(_("phạm vi"))
    criteria = models.TextField(_("chuẩn mực đánh giá"))
    # The edition of ISO 9001 the audit is against (quality.core.editions), fixed when the
    # plan is made: the agency's edition cannot change while a plan is open.
    edition = models.CharField(
        _("phiên bản tiêu chuẩn"), max_length=20, default=current_edition_code
    )
    start_on = models.DateField(_("từ ngày"))
    end_on = models.DateField(_("đến ngày"))
    lead = models.ForeignKey(
        USER, verbose_name=_("trưởng đoàn"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.PLANNED
    )
    conclusion = models.TextField(_("kết luận"), blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("kế hoạch đánh giá")
        ordering = ["-start_on", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("audits:plan", args=[self.pk])


class Assignment(models.Model):
    """An auditor auditing a unit, within a plan (independence is checked when assigned)."""

    plan = models.ForeignKey(AuditPlan, on_delete=models.CASCADE, related_name="assignments")
    auditor = models.ForeignKey(
        USER,
        verbose_name=_("đánh giá viên"),
        on_delete=models.PROTECT,
        related_name="audit_assignments",
    )
    unit = models.ForeignKey(
        "quality_core.Unit",
        verbose_name=_("đơn vị được đánh giá"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "auditor", "unit"], name="assignment_once")
        ]

    def __str__(self):
        return f"{self.auditor} → {self.unit}"


class Grade(models.TextChoices):
    CONFORMITY = "conformity", _("Phù hợp")
    OBSERVATION = "observation", _("Khuyến nghị")
    MINOR = "minor", _("Không phù hợp nhẹ")
    MAJOR = "major", _("Không phù hợp nặng")
    OPPORTUNITY = "opportunity", _("Cơ hội cải tiến")


NC_GRADES = (Grade.MINOR, Grade.MAJOR)


class ChecklistItem(models.Model):
    plan = models.ForeignKey(AuditPlan, on_delete=models.CASCADE, related_name="checklist")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="items")
    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    procedure = models.ForeignKey(
        "quality_procedures.Procedure",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    question = models.CharField(_("nội dung kiểm tra"), max_length=500)
    grade = models.CharField(_("kết quả"), max_length=16, choices=Grade.choices, blank=True)
    evidence = models.TextField(_("bằng chứng"), blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assignment", "id"]

    def __str__(self):
        return self.question[:80]


class Finding(models.Model):
    plan = models.ForeignKey(AuditPlan, on_delete=models.PROTECT, related_name="findings")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="findings")
    clause = models.ForeignKey(
        Clause,
        verbose_name=_("điều khoản"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grade = models.CharField(_("phân loại"), max_length=16, choices=Grade.choices)
    description = models.TextField(_("mô tả phát hiện"))
    evidence = models.TextField(_("bằng chứng"), blank=True)
    nonconformity = models.OneToOneField(
        "quality_improvement.Nonconformity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="finding",
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("phát hiện")
        ordering = ["plan", "id"]

    def __str__(self):
        return f"{self.get_grade_display()}: {self.description[:60]}"
