"""Context of the organisation (4.1, 4.2) and risks and opportunities (6.1)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class IssueKind(models.TextChoices):
    INTERNAL = "internal", _("Vấn đề nội bộ")
    EXTERNAL = "external", _("Vấn đề bên ngoài")
    PARTY = "party", _("Bên quan tâm")


class ContextIssue(models.Model):
    kind = models.CharField(_("loại"), max_length=16, choices=IssueKind.choices)
    title = models.CharField(_("nội dung"), max_length=300)
    description = models.TextField(_("mô tả, nhu cầu và mong đợi"), blank=True)
    is_active = models.BooleanField(_("còn hiệu lực"), default=True)
    # Amendment 1:2024 to 4.2: an interested party can have requirements about climate change.
    climate_related = models.BooleanField(
        _("có yêu cầu, tác động liên quan đến biến đổi khí hậu"), default=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bối cảnh, bên quan tâm")
        ordering = ["kind", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("risks:context_edit", args=[self.pk])


class ClimateDecision(models.Model):
    """The agency's answer to Amendment 1:2024 to 4.1: is climate change a relevant issue for
    its QMS, and why. Each decision is kept; the newest is the one in force."""

    relevant = models.BooleanField(_("biến đổi khí hậu là vấn đề liên quan"))
    reasons = models.TextField(_("lý do, căn cứ"))
    issue = models.ForeignKey(
        ContextIssue,
        verbose_name=_("vấn đề bối cảnh ghi nhận"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("quyết định về biến đổi khí hậu")
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"{'relevant' if self.relevant else 'not relevant'} ({self.decided_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("risks:context")


class RiskKind(models.TextChoices):
    RISK = "risk", _("Rủi ro")
    OPPORTUNITY = "opportunity", _("Cơ hội")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Đang theo dõi")
    TREATED = "treated", _("Đã xử lý, đã đánh giá lại")
    CLOSED = "closed", _("Đã đóng")


class Risk(models.Model):
    kind = models.CharField(
        _("loại"), max_length=16, choices=RiskKind.choices, default=RiskKind.RISK
    )
    title = models.CharField(_("mô tả"), max_length=500)
    process = models.ForeignKey(
        "quality_documents.Document",
        verbose_name=_("quá trình"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    procedure = models.ForeignKey(
        "quality_procedures.Procedure",
        verbose_name=_("thủ tục hành chính"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        "quality_core.Unit",
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cause = models.TextField(_("nguyên nhân"), blank=True)
    consequence = models.TextField(_("hệ quả"), blank=True)
    likelihood = models.PositiveSmallIntegerField(_("khả năng xảy ra"))
    impact = models.PositiveSmallIntegerField(_("mức độ ảnh hưởng"))
    owner = models.ForeignKey(
        USER, verbose_name=_("người chịu trách nhiệm"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=RiskStatus.choices, default=RiskStatus.OPEN
    )
    residual_likelihood = models.PositiveSmallIntegerField(
        _("khả năng sau xử lý"), null=True, blank=True
    )
    residual_impact = models.PositiveSmallIntegerField(
        _("ảnh hưởng sau xử lý"), null=True, blank=True
    )
    reevaluated_at = models.DateTimeField(null=True, blank=True)
    reevaluation_note = models.TextField(_("đánh giá lại"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rủi ro, cơ hội")
        verbose_name_plural = _("rủi ro, cơ hội")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title[:80]

    def get_absolute_url(self) -> str:
        return reverse("risks:detail", args=[self.pk])

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def residual_score(self) -> int | None:
        if self.residual_likelihood and self.residual_impact:
            return self.residual_likelihood * self.residual_impact
        return None
