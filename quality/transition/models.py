"""The move of an agency's QMS to a newer edition of ISO 9001: a gap assessment generated
from the editions' mapping (quality.core.editions), one question per changed or new clause,
with evidence files; the plan of actions is quality.improvement's actions (kind
"transition"), with their reminders and escalation."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class Assessment(models.Model):
    from_edition = models.CharField(_("từ phiên bản"), max_length=20)
    target_edition = models.CharField(_("sang phiên bản"), max_length=20)
    deadline = models.DateField(_("hạn hoàn thành chuyển đổi"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("đánh giá khoảng cách chuyển đổi")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["target_edition"], name="transition_once_per_target")
        ]

    def __str__(self):
        return f"{self.from_edition} → {self.target_edition}"

    def get_absolute_url(self) -> str:
        return reverse("transition:home")


class GapStatus(models.TextChoices):
    OPEN = "open", _("Chưa đánh giá")
    MET = "met", _("Đã đáp ứng")
    PARTIAL = "partial", _("Đáp ứng một phần")
    GAP = "gap", _("Chưa đáp ứng")


class GapQuestion(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="questions")
    edition = models.CharField(max_length=20, help_text="The edition the change comes with.")
    change_key = models.CharField(max_length=120)
    kind = models.CharField(max_length=10)
    clauses = models.CharField(_("điều khoản"), max_length=100)
    summary = models.TextField(_("thay đổi"))
    question = models.TextField(_("câu hỏi"))
    status = models.CharField(
        _("kết quả"), max_length=10, choices=GapStatus.choices, default=GapStatus.OPEN
    )
    answer = models.TextField(_("nhận xét, bằng chứng"), blank=True)
    answered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("câu hỏi đánh giá khoảng cách")
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "edition", "change_key"], name="gap_question_once"
            )
        ]

    def __str__(self):
        return f"{self.clauses}: {self.question[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("transition:question", args=[self.pk])


def evidence_path(instance, filename: str) -> str:
    from django.db import connection

    # Stored per agency: the schema is the first path component (as documents' files).
    return (
        f"{connection.schema_name}/transition/{instance.question_id}/"
        f"{instance.sha256[:16]}-{instance.name}"
    )


class GapEvidence(models.Model):
    question = models.ForeignKey(GapQuestion, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=500)
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("minh chứng đánh giá khoảng cách")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name
