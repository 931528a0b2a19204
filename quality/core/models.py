"""Shared pieces of every agency's QMS: units, agency settings, the audit trail, notifications.

All of these live in the agency's schema.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quality.core.editions import DEFAULT_EDITION


class Unit(models.Model):
    """An organisational unit (phòng, ban, đơn vị) of the agency."""

    code = models.CharField(_("mã đơn vị"), max_length=32, unique=True)
    name = models.CharField(_("tên đơn vị"), max_length=255)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trưởng đơn vị"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("thành viên"), blank=True, related_name="units"
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["name"]

    def __str__(self):
        return self.name


# The abbreviation in document symbols ("12/BC-SKHCN"): capitals (Đ too) and digits, no
# separator (the hyphen and the slash belong to the number).
ABBREVIATION_INVALID = _("Chữ viết tắt chỉ gồm chữ in hoa và chữ số, không dấu cách, ví dụ SKHCN.")
abbreviation_validator = RegexValidator(r"^[A-ZĐ0-9]+$", ABBREVIATION_INVALID)


class AgencySettings(models.Model):
    """One row per agency schema (pk=1): choices the agency makes about its own QMS."""

    allow_self_approval = models.BooleanField(
        _("cho phép tự phê duyệt bản dự thảo của mình"), default=False
    )
    document_review_months = models.PositiveSmallIntegerField(
        _("chu kỳ xem xét tài liệu (tháng)"), default=12
    )
    max_upload_mb = models.PositiveSmallIntegerField(_("dung lượng tệp tối đa (MB)"), default=20)
    acknowledgement_reminder_days = models.PositiveSmallIntegerField(
        _("nhắc xác nhận đã đọc sau (ngày)"), default=7
    )
    review_reminder_days = models.PositiveSmallIntegerField(
        _("nhắc xem xét định kỳ trước (ngày)"), default=30
    )
    risk_matrix_size = models.PositiveSmallIntegerField(
        _("cỡ ma trận rủi ro (khả năng x ảnh hưởng)"),
        default=5,
        validators=[MinValueValidator(3), MaxValueValidator(10)],
    )
    survey_low_score = models.PositiveSmallIntegerField(
        _("điểm khảo sát từ mức này trở xuống mở sự không phù hợp"),
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
        help_text=_("0: không tự động mở."),
    )
    # Names on the agency's official documents (Decree 30/2020/NĐ-CP): data, never template
    # text. Empty: the agency's name on the platform, its code, the province's place name.
    official_governing_body = models.CharField(
        _("cơ quan chủ quản"),
        max_length=200,
        blank=True,
        help_text=_("Dòng trên tên cơ quan, ví dụ: UBND tỉnh An Giang. Để trống nếu không có."),
    )
    official_name = models.CharField(
        _("tên cơ quan ban hành văn bản"),
        max_length=200,
        blank=True,
        help_text=_("Để trống: dùng tên cơ quan trên hệ thống."),
    )
    official_abbreviation = models.CharField(
        _("chữ viết tắt tên cơ quan"),
        max_length=20,
        blank=True,
        validators=[abbreviation_validator],
        help_text=_("Dùng trong số, ký hiệu văn bản, ví dụ 12/BC-SKHCN. Để trống: mã cơ quan."),
    )
    official_place = models.CharField(
        _("địa danh"),
        max_length=100,
        blank=True,
        help_text=_("Trước ngày tháng của văn bản, ví dụ: An Giang. Để trống: tên tỉnh."),
    )
    signer_authority = models.CharField(
        _("quyền hạn ký"),
        max_length=100,
        blank=True,
        help_text=_("Khi ký thay hoặc thừa lệnh, ví dụ: KT. GIÁM ĐỐC. Để trống khi thủ trưởng ký."),
    )
    signer_position = models.CharField(
        _("chức vụ người ký"), max_length=100, blank=True, help_text=_("Ví dụ: Phó Giám đốc.")
    )
    signer_name = models.CharField(_("họ tên người ký"), max_length=100, blank=True)
    # A code of quality.core.editions, checked by the service rather than by `choices`: a
    # new edition is a data file, not a migration.
    iso_edition = models.CharField(
        _("phiên bản tiêu chuẩn áp dụng"),
        max_length=20,
        default=DEFAULT_EDITION,
        help_text=_("Phiên bản ISO 9001 mà hệ thống của cơ quan tuân theo."),
    )
    signature_required = models.BooleanField(
        _("bắt buộc ký số khi ban hành"),
        default=False,
        help_text=_(
            "Khi bật, không ban hành được quyết định, báo cáo, biên bản nếu người duyệt chưa có "
            "chữ ký số."
        ),
    )

    class Meta:
        verbose_name = _("cấu hình cơ quan")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="agency_settings_singleton")
        ]

    def __str__(self):
        return "AgencySettings"

    @classmethod
    def load(cls) -> AgencySettings:
        return cls.objects.get_or_create(pk=1)[0]


class OutgoingCounter(models.Model):
    """The last number given in the register of outgoing documents (sổ văn bản đi) for a year
    and a kind of document. Numbers restart at 01 each year (Decree 30/2020/NĐ-CP, article
    15) and are given under a row lock, in the transaction that issues the document, so they
    have no gaps: an issue that rolls back gives its number back."""

    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "kind"], name="outgoing_counter_unique")
        ]

    def __str__(self):
        return f"{self.kind} {self.year}: {self.last}"


class OutgoingDocument(models.Model):
    """One line of the register of outgoing documents: the number as written on the document
    (kept as given, so that a later change of abbreviation does not rewrite it) and what it
    numbers."""

    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8)
    # The issuing agency's abbreviation when the number was given: after a merge the
    # receiving agency's register holds the merged agency's numbers too ("01/BC-STP" beside
    # "01/BC-SKHCN"), each unique within its issuer.
    issuer = models.CharField(max_length=20, blank=True)
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=60)
    issued_on = models.DateField()
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year", "kind", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "kind", "issuer", "sequence"],
                name="outgoing_document_number_unique",
            ),
            models.UniqueConstraint(
                fields=["issuer", "subject_type", "subject_id", "kind"],
                condition=~models.Q(subject_type=""),
                name="outgoing_document_subject_unique",
            ),
        ]

    def __str__(self):
        return self.number


class AuditEvent(models.Model):
    """Who did what, when, to what. Append-only: a database trigger refuses UPDATE and DELETE.

    `actor_id` is a plain integer (no foreign key) so that nothing, not even removing a
    person, can rewrite a row through ON DELETE actions.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64)
    subject_label = models.CharField(max_length=300, blank=True)
    parent_type = models.CharField(max_length=40, blank=True)
    parent_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["parent_type", "parent_id"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.subject_type}"


class Notification(models.Model):
    """An in-app notice; `key` makes each reminder happen once per person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title


class Provenance(models.Model):
    """Where a row came from when another agency was merged in (or a split moved it here)."""

    object_type = models.CharField(max_length=100, help_text="app_label.model_name")
    object_id = models.CharField(max_length=100)
    source_code = models.CharField(max_length=40)
    source_name = models.CharField(max_length=255)
    source_id = models.CharField(max_length=100)
    # The record's code (or number, or e-mail) in its old agency, as people knew it there:
    # "SKPH-12", "QT.01"; empty on rows written before it was kept.
    source_label = models.CharField(max_length=255, blank=True, default="")
    operation = models.CharField(max_length=40, help_text="LifecycleOperation id")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"], name="provenance_object")]

    def __str__(self):
        return f"{self.object_type}:{self.object_id} <- {self.source_code}:{self.source_id}"

    @property
    def old_label(self) -> str:
        return self.source_label or f"#{self.source_id}"


# The signatures' models live with their code (quality/core/signatures/); imported here so
# that Django registers them in this app.
from quality.core.signatures.models import (  # noqa: E402, F401
    CredentialKind,
    SignedDocument,
    SigningCredential,
)
