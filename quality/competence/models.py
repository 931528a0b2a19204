"""Competence (7.2) and awareness (7.3): what each position needs, training sessions with
attendance and their effectiveness, qualifications with expiry dates, and awareness records
(read and confirm through the documents' acknowledgements, or a short quiz). Agency schema."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iso_platform.accounts.models import AGENCY_ROLES, Role

USER = settings.AUTH_USER_MODEL
AGENCY_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in AGENCY_ROLES]


class Competence(models.Model):
    """A competence a position needs: for one role, one unit, both, or everyone (both empty)."""

    title = models.CharField(_("năng lực"), max_length=300)
    evidence = models.CharField(_("bằng chứng cần có"), max_length=300, blank=True)
    role = models.CharField(
        _("vai trò (để trống: mọi vai trò)"),
        max_length=32,
        choices=AGENCY_ROLE_CHOICES,
        blank=True,
    )
    unit = models.ForeignKey(
        "quality_core.Unit",
        verbose_name=_("đơn vị (để trống: mọi đơn vị)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("năng lực yêu cầu")
        verbose_name_plural = _("năng lực yêu cầu")
        ordering = ["title", "id"]

    def __str__(self):
        return self.title


class SessionKind(models.TextChoices):
    INTERNAL = "internal", _("Nội bộ")
    EXTERNAL = "external", _("Bên ngoài")


class TrainingSession(models.Model):
    title = models.CharField(_("nội dung đào tạo"), max_length=300)
    kind = models.CharField(
        _("hình thức"), max_length=16, choices=SessionKind.choices, default=SessionKind.INTERNAL
    )
    held_on = models.DateField(_("ngày đào tạo"))
    trainer = models.CharField(_("giảng viên, đơn vị đào tạo"), max_length=300)
    hours = models.DecimalField(_("số giờ"), max_digits=5, decimal_places=1)
    competence = models.ForeignKey(
        Competence,
        verbose_name=_("năng lực được đào tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    material = models.ForeignKey(
        "quality_documents.Document",
        verbose_name=_("tài liệu đào tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Evaluation of effectiveness (7.2 c), after the session.
    evaluated_on = models.DateField(_("ngày đánh giá hiệu quả"), null=True, blank=True)
    evaluated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overall = models.TextField(_("đánh giá chung"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("khoá đào tạo")
        verbose_name_plural = _("khoá đào tạo")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive"),
            models.CheckConstraint(
                condition=Q(evaluated_on__isnull=True) | Q(evaluated_on__gte=models.F("held_on")),
                name="training_evaluated_after_session",
            ),
        ]

    def __str__(self):
        return f"{self.held_on:%d/%m/%Y} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("competence:session", args=[self.pk])


class Result(models.TextChoices):
    PENDING = "pending", _("Chưa đánh giá")
    EFFECTIVE = "effective", _("Đạt yêu cầu")
    NOT_EFFECTIVE = "not_effective", _("Chưa đạt")


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances"
    )
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(
        _("kết quả"), max_length=16, choices=Result.choices, default=Result.PENDING
    )
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        ordering = ["session", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="attendance_once")]

    def __str__(self):
        return f"{self.session_id}/{self.user_id}"


class Qualification(models.Model):
    """A certificate or similar proof a person holds (internal auditor certificate...)."""

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("chứng chỉ, văn bằng"), max_length=300)
    competence = models.ForeignKey(
        Competence,
        verbose_name=_("năng lực chứng minh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qualifications",
    )
    issuer = models.CharField(_("nơi cấp"), max_length=300, blank=True)
    number = models.CharField(_("số hiệu"), max_length=100, blank=True)
    issued_on = models.DateField(_("ngày cấp"))
    expires_on = models.DateField(
        _("ngày hết hạn (để trống: không thời hạn)"), null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chứng chỉ")
        verbose_name_plural = _("chứng chỉ")
        ordering = ["expires_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("issued_on")),
                name="qualification_expires_after_issue",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("competence:person", args=[self.user_id])


class Topic(models.TextChoices):
    POLICY = "policy", _("Chính sách chất lượng")
    OBJECTIVES = "objectives", _("Mục tiêu chất lượng")
    CULTURE = "culture", _("Văn hoá chất lượng")
    ETHICS = "ethics", _("Đạo đức công vụ")


class AwarenessMethod(models.TextChoices):
    READ = "read", _("Đọc và xác nhận tài liệu")
    QUIZ = "quiz", _("Trả lời câu hỏi")


class Campaign(models.Model):
    """One awareness record to collect from everyone: read and confirm a document (its
    acknowledgements, quality.documents) or answer a short quiz.

    A read campaign's document is required by the service, not by a CHECK: a split that moves
    the document to another agency moves the read campaign with it (eiso/fleet/split.py)."""

    title = models.CharField(_("tiêu đề"), max_length=300)
    topic = models.CharField(_("chủ đề"), max_length=16, choices=Topic.choices)
    method = models.CharField(_("cách ghi nhận"), max_length=8, choices=AwarenessMethod.choices)
    document = models.ForeignKey(
        "quality_documents.Document",
        verbose_name=_("tài liệu cần đọc"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pass_mark = models.PositiveSmallIntegerField(_("điểm đạt (%)"), default=80)
    is_open = models.BooleanField(_("đang mở"), default=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("đợt nâng cao nhận thức")
        verbose_name_plural = _("đợt nâng cao nhận thức")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1, pass_mark__lte=100), name="campaign_pass_mark"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("competence:campaign", args=[self.pk])


class Question(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("câu hỏi"), max_length=500)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="question_position")
        ]

    def __str__(self):
        return self.text[:80]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("phương án"), max_length=300)
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "id"]

    def __str__(self):
        return self.text[:80]


class Attempt(models.Model):
    """One person's answers to a quiz; the latest attempt counts."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("điểm (%)"))
    passed = models.BooleanField(_("đạt"))
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["user", "answered_at"])]

    def __str__(self):
        return f"{self.campaign_id}/{self.user_id}: {self.score}%"


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="answer_once")]

    def __str__(self):
        return f"{self.attempt_id}: {self.choice_id}"
