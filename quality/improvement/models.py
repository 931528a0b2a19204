"""Nonconformities and actions (ISO 9001:2015 clause 10.2, and the actions of 6.1, 6.2, 9.3).

A nonconformity is recorded, corrected at once, analysed for its root cause, given
corrective actions, verified for effectiveness after a set time, then closed. `Action` is
shared by every loop that assigns work with an owner and a due date: corrective actions,
risk treatments, objective plans, management-review outputs, audit follow-ups.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class NcSource(models.TextChoices):
    AUDIT = "audit", _("Phát hiện của đánh giá nội bộ")
    APPLICATION_LATE = "application_late", _("Hồ sơ TTHC trễ hạn")
    APPLICATION_APOLOGY = "application_apology", _("Xin lỗi và hẹn lại ngày trả kết quả")
    APPLICATION_REFUSED = "application_refused", _("Từ chối hồ sơ do lỗi của cơ quan")
    COMPLAINT = "complaint", _("Phản ánh, kiến nghị, khảo sát của người dân")
    INSPECTION = "inspection", _("Thanh tra, kiểm tra từ bên ngoài")
    SELF = "self", _("Tự phát hiện")
    OTHER = "other", _("Khác")


class NcStatus(models.TextChoices):
    OPEN = "open", _("Mới ghi nhận")
    CORRECTED = "corrected", _("Đã khắc phục tức thời")
    ANALYSED = "analysed", _("Đã phân tích nguyên nhân")
    ACTIONS = "actions", _("Đang thực hiện hành động khắc phục")
    VERIFYING = "verifying", _("Chờ kiểm tra hiệu lực")
    CLOSED = "closed", _("Đã đóng")


class NcSeverity(models.TextChoices):
    MINOR = "minor", _("Nhẹ")
    MAJOR = "major", _("Nặng")


class RootCauseMethod(models.TextChoices):
    FIVE_WHYS = "five_whys", _("5 lần tại sao")
    FISHBONE = "fishbone", _("Biểu đồ xương cá")


class Nonconformity(models.Model):
    source = models.CharField(_("nguồn"), max_length=32, choices=NcSource.choices)
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=100, blank=True)
    source_ref = models.CharField(_("tham chiếu"), max_length=200, blank=True)
    title = models.CharField(_("nội dung"), max_length=500)
    description = models.TextField(_("mô tả"), blank=True)
    severity = models.CharField(
        _("mức độ"), max_length=8, choices=NcSeverity.choices, default=NcSeverity.MINOR
    )
    unit_name = models.CharField(_("đơn vị liên quan"), max_length=255, blank=True)
    unit = models.ForeignKey(
        "quality_core.Unit",
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detected_at = models.DateTimeField(_("thời điểm phát hiện"), default=timezone.now)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=NcStatus.choices, default=NcStatus.OPEN
    )
    owner = models.ForeignKey(
        USER,
        verbose_name=_("người chịu trách nhiệm"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    correction = models.TextField(_("khắc phục tức thời"), blank=True)
    corrected_at = models.DateTimeField(null=True, blank=True)
    root_cause_method = models.CharField(
        _("phương pháp phân tích"), max_length=16, choices=RootCauseMethod.choices, blank=True
    )
    root_cause_detail = models.JSONField(_("phân tích"), default=dict, blank=True)
    root_cause = models.TextField(_("nguyên nhân gốc rễ"), blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    verify_after_days = models.PositiveSmallIntegerField(
        _("kiểm tra hiệu lực sau (ngày)"), default=30
    )
    verification_due_on = models.DateField(_("hạn kiểm tra hiệu lực"), null=True, blank=True)
    verified_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(_("kết quả kiểm tra hiệu lực"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Closed without corrective action (triage of records the system opened): who and why.
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_reason = models.TextField(_("lý do đóng"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    reopened_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sự không phù hợp")
        verbose_name_plural = _("sự không phù hợp")
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_type", "source_id"],
                condition=~models.Q(source_id=""),
                name="nonconformity_once_per_source",
            ),
        ]
        indexes = [models.Index(fields=["status", "-detected_at"])]

    def __str__(self):
        return f"SKPH-{self.pk}: {self.title[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("improvement:detail", args=[self.pk])

    @property
    def code(self) -> str:
        return f"SKPH-{self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status == NcStatus.CLOSED

    @property
    def application_code(self) -> str:
        """The citizen's application this record was opened for ("" if none)."""
        return self.source_id if self.source_type == "application" else ""

    def all_actions(self):
        """Its own corrective actions and the shared ones that also cover it."""
        return Action.objects.filter(Q(nonconformity=self) | Q(covers=self)).distinct()


class ActionKind(models.TextChoices):
    CORRECTIVE = "corrective", _("Hành động khắc phục")
    RISK = "risk", _("Biện pháp xử lý rủi ro")
    OBJECTIVE = "objective", _("Kế hoạch thực hiện mục tiêu")
    REVIEW = "review", _("Đầu ra xem xét của lãnh đạo")
    AUDIT = "audit", _("Theo dõi sau đánh giá")
    TRANSITION = "transition", _("Kế hoạch chuyển đổi phiên bản tiêu chuẩn")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Đang thực hiện")
    DONE = "done", _("Đã thực hiện, chờ xác nhận")
    VERIFIED = "verified", _("Đã xác nhận hiệu lực")
    INEFFECTIVE = "ineffective", _("Không hiệu lực")
    CANCELLED = "cancelled", _("Huỷ")


SOURCE_URLS = {
    "nonconformity": "/improvement/{id}/",
    "risk": "/risks/{id}/",
    "objective": "/objectives/{id}/",
    "review": "/reviews/{id}/",
    "audit_plan": "/audits/plans/{id}/",
    "gap_question": "/transition/questions/{id}/",
}

OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.DONE, ActionStatus.INEFFECTIVE)


class Action(models.Model):
    kind = models.CharField(_("loại"), max_length=16, choices=ActionKind.choices)
    nonconformity = models.ForeignKey(
        Nonconformity, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=100, blank=True)
    title = models.CharField(_("nội dung hành động"), max_length=500)
    owner = models.ForeignKey(
        USER, verbose_name=_("người thực hiện"), on_delete=models.PROTECT, related_name="actions"
    )
    due_on = models.DateField(_("thời hạn"))
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(_("kết quả thực hiện"), blank=True)
    verified_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(_("nhận xét khi xác nhận"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # One corrective action for many records (a flood of late applications with one cause):
    # `nonconformity` is the first of them, `covers` the others; its completion and
    # verification count for each.
    covers = models.ManyToManyField(
        Nonconformity,
        verbose_name=_("sự không phù hợp cùng giải quyết"),
        blank=True,
        related_name="shared_actions",
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hành động")
        verbose_name_plural = _("hành động")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["owner", "status", "due_on"], name="action_owner"),
            models.Index(fields=["source_type", "source_id"], name="action_source"),
            models.Index(
                fields=["due_on"],
                condition=Q(status__in=["open", "ineffective"]),
                name="action_open_due",
            ),
        ]

    def __str__(self):
        return self.title[:80]

    @property
    def url(self) -> str:
        """The page where the action is worked on: its nonconformity, risk, objective..."""
        pattern = SOURCE_URLS.get(self.source_type)
        return pattern.format(id=self.source_id) if pattern else "/improvement/actions/"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status in (ActionStatus.OPEN, ActionStatus.INEFFECTIVE) and self.due_on < today


def evidence_path(instance: ActionEvidence, filename: str) -> str:
    from django.db import connection

    # Stored per agency: the schema is the first path component (as documents' files).
    return (
        f"{connection.schema_name}/actions/{instance.action_id}/"
        f"{instance.sha256[:16]}-{instance.name}"
    )


class ActionEvidence(models.Model):
    """A file that shows an action was done (minutes, a revised form, a photo)."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=500)
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("minh chứng thực hiện hành động")
        verbose_name_plural = _("minh chứng thực hiện hành động")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("improvement:evidence", args=[self.action_id, self.pk])
