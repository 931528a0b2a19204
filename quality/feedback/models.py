"""Citizen satisfaction (9.1.2): a public survey per agency and its responses."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

QUESTIONS = (
    ("overall", _("Mức độ hài lòng chung về việc giải quyết thủ tục")),
    ("timeliness", _("Thời gian giải quyết, trả kết quả")),
    ("staff", _("Thái độ, sự hướng dẫn của cán bộ, công chức")),
)
SCORES = (
    (5, _("Rất hài lòng")),
    (4, _("Hài lòng")),
    (3, _("Bình thường")),
    (2, _("Không hài lòng")),
    (1, _("Rất không hài lòng")),
)


class SurveyResponse(models.Model):
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    application_code = models.CharField(_("mã hồ sơ"), max_length=100, blank=True)
    procedure = models.ForeignKey(
        "quality_procedures.Procedure",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overall = models.PositiveSmallIntegerField()
    timeliness = models.PositiveSmallIntegerField()
    staff = models.PositiveSmallIntegerField()
    comment = models.TextField(_("ý kiến"), blank=True)
    address_hash = models.CharField(max_length=64, help_text="Keyed hash of the address.")
    # SHA-256 of the signed form token the answer came with: a token is good for one answer
    # (the unique constraint below holds against two submissions racing). Empty for answers
    # entered at the desk.
    token_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    nonconformity = models.ForeignKey(
        "quality_improvement.Nonconformity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application_code"],
                condition=~Q(application_code=""),
                name="survey_once_per_application",
            ),
            models.UniqueConstraint(
                fields=["token_digest"], condition=~Q(token_digest=""), name="survey_token_once"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"survey_{name}_1_to_5",
                )
                for name, _q in QUESTIONS
            ],
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d} {self.overall}/5"

    @property
    def average(self) -> float:
        return round((self.overall + self.timeliness + self.staff) / 3, 2)
