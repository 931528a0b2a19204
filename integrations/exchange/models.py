"""Document exchange (edXML), agency schema: each agency's recipients, its exchange log
(every package and status message in or out, accepted or refused) and the delivery of each
package sent to each recipient."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrations.exchange import doctypes
from iso_platform import untrusted
from quality.documents.services import signatures


class Recipient(models.Model):
    """An agency this agency sends packages to (its national identifier)."""

    identifier = models.CharField(_("mã định danh"), max_length=13, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=255)
    active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("nơi nhận văn bản")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.identifier})"


class Direction(models.TextChoices):
    IN = "in", _("Đến")
    OUT = "out", _("Đi")


class Kind(models.TextChoices):
    PACKAGE = "package", _("Gói tin văn bản")
    STATUS = "status", _("Thông điệp trạng thái")


class LogStatus(models.TextChoices):
    IMPORTED = "imported", _("Đã nhận vào tài liệu bên ngoài")
    DUPLICATE = "duplicate", _("Trùng gói tin đã nhận")
    REFUSED = "refused", _("Bị từ chối")
    APPLIED = "applied", _("Đã cập nhật trạng thái")
    QUEUED = "queued", _("Đang chờ gửi")
    SENT = "sent", _("Đã gửi")


def package_path(instance: ExchangeMessage, filename: str) -> str:
    # Per agency, like documents' files: the schema is the first path component.
    return f"{connection.schema_name}/exchange/{instance.digest[:2]}/{instance.digest}.xml"


class ExchangeMessage(models.Model):
    """One line of the exchange log: a package or status message, in or out."""

    direction = models.CharField(_("chiều"), max_length=4, choices=Direction.choices)
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    package_id = models.CharField(_("mã gói tin"), max_length=300, blank=True)
    sender_code = models.CharField(_("nơi gửi"), max_length=40, blank=True)
    sender_name = models.CharField(max_length=255, blank=True)
    recipient_codes = models.CharField(_("nơi nhận"), max_length=500, blank=True)
    symbol = models.CharField(_("số, ký hiệu"), max_length=120, blank=True)
    subject = models.CharField(_("trích yếu"), max_length=1000, blank=True)
    # DocumentType as the package carries it (doctypes.py reads eISO's kind from them).
    type_code = models.CharField(_("mã loại văn bản"), max_length=20, blank=True)
    type_name = models.CharField(_("tên loại văn bản"), max_length=100, blank=True)
    status = models.CharField(_("kết quả"), max_length=12, choices=LogStatus.choices)
    reason = models.TextField(_("lý do"), blank=True)
    channel = models.CharField(max_length=12, blank=True)  # upload, api, platform, page
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    digest = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    package_file = models.FileField(upload_to=package_path, max_length=300, blank=True)
    document = models.ForeignKey(
        "quality_documents.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The package's main PDF once stored: its signature verdict is that file's
    # FileVerification (quality.documents), one verdict shown here and on the document,
    # checked again there ("Kiểm tra lại").
    file = models.ForeignKey(
        "quality_documents.RevisionFile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Only for a package refused on its signature (or an unreadable PDF): no file was
    # stored, so the log keeps the verdict that refused it as evidence — the fields of a
    # FileVerification ("status", "message", "signatures", "refusal", "trust_fingerprints")
    # and "file", the attachment's name. Empty for every other line.
    verification = models.JSONField(default=dict, blank=True)
    status_code = models.CharField(max_length=2, blank=True)  # of a status message
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("nhật ký liên thông")
        ordering = ["-at", "-id"]
        constraints = [
            # The same package twice is one document: one import per sender's package id.
            models.UniqueConstraint(
                fields=["sender_code", "package_id"],
                condition=Q(direction="in", kind="package", status="imported"),
                name="exchange_package_imported_once",
            ),
            models.UniqueConstraint(
                fields=["package_id"],
                condition=Q(direction="out", kind="package"),
                name="exchange_package_sent_once",
            ),
        ]
        indexes = [models.Index(fields=["-at", "-id"], name="exchange_log_recent")]

    def __str__(self):
        return f"{self.direction} {self.kind} {self.package_id} {self.status}"

    @property
    def document_type(self) -> doctypes.DocumentType:
        return doctypes.incoming(self.type_code, self.type_name)

    @property
    def file_verification(self):
        """The stored file's verdict (None for a refused package, or before it exists)."""
        if self.file_id is None:
            return None
        return getattr(self.file, "verification", None)

    @property
    def signature_status(self) -> str:
        """The status of the one verdict: the file's, else the one kept for a refusal."""
        verdict = self.file_verification
        if verdict is not None:
            return verdict.status
        return (self.verification or {}).get("status", "")

    @property
    def refusal_sentence(self) -> str:
        """The kept verdict's sentence in the reader's language, worded like a file's."""
        kept = self.verification or {}
        if kept.get("refusal"):
            return untrusted.refusal_message(kept["refusal"])
        return signatures.headline(kept.get("signatures", []))[1]

    @property
    def refusal_details(self) -> list[dict]:
        return signatures.displayed((self.verification or {}).get("signatures", []))


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ gửi")
    SENT = "sent", _("Đã gửi lên nền tảng")
    RECEIVED = "received", _("Đã đến nơi nhận")
    ACCEPTED = "accepted", _("Nơi nhận đã tiếp nhận")
    ASSIGNED = "assigned", _("Đã phân công xử lý")
    PROCESSING = "processing", _("Đang xử lý")
    PROCESSED = "processed", _("Đã xử lý xong")
    REFUSED = "refused", _("Nơi nhận từ chối")


# Status messages move a delivery forward only: one that arrives late changes nothing.
DELIVERY_ORDER = [
    DeliveryStatus.PENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.RECEIVED,
    DeliveryStatus.ACCEPTED,
    DeliveryStatus.ASSIGNED,
    DeliveryStatus.PROCESSING,
    DeliveryStatus.PROCESSED,
]


class Delivery(models.Model):
    """A package sent to one recipient, and where it stands there."""

    message = models.ForeignKey(
        ExchangeMessage, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient_code = models.CharField(max_length=13)
    recipient_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    status_at = models.DateTimeField(default=timezone.now)
    status_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["recipient_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "recipient_code"], name="exchange_delivery_once"
            )
        ]

    def __str__(self):
        return f"{self.message.package_id} → {self.recipient_code}: {self.status}"


class Sending(models.Model):
    """The outgoing package's trip to the platform: attempts until it is accepted there.
    Kept with the package (never deleted), so that nothing is lost when a worker dies."""

    message = models.OneToOneField(
        ExchangeMessage, on_delete=models.CASCADE, related_name="sending"
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_http_status = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self):
        return f"{self.message_id}: {self.attempts}"


class PollState(models.Model):
    """Where this agency stands in the platform's stream of status messages (one row)."""

    cursor = models.BigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return str(self.cursor)

    @classmethod
    def load(cls) -> PollState:
        return cls.objects.get_or_create(pk=1)[0]
