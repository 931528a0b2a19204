"""Inbound integration with one-stop-shop systems and the public-service portal (agency schema).

Every payload received is kept in the inbox, accepted or not. Applications are rebuilt
from the accepted events (quality.procedures).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A vendor's key: the id travels in a header, the secret signs each request (HMAC).

    The secret must be known to verify an HMAC, so it cannot be stored as a one-way hash:
    it is stored encrypted (Fernet) with a key that lives outside the database
    (INTEGRATION_KEYS_SECRET, or one derived from SECRET_KEY). A database dump alone
    cannot sign requests. Its SHA-256 fingerprint is shown to recognise it.
    """

    key_id = models.CharField(max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    secret_encrypted = models.BinaryField()
    fingerprint = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("hết hạn"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("khoá tích hợp")
        verbose_name_plural = _("khoá tích hợp")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.key_id})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class InboxStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Đã nhận, chờ xử lý")
    APPLIED = "applied", _("Đã xử lý")
    WAITING = "waiting", _("Chờ sự kiện tiếp nhận hồ sơ")
    REJECTED = "rejected", _("Bị từ chối")
    FAILED = "failed", _("Lỗi khi xử lý")


class InboxEvent(models.Model):
    event_id = models.CharField(max_length=100, blank=True)
    key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=20, default="push")
    type = models.CharField(max_length=40, blank=True)
    application_code = models.CharField(max_length=100, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField(null=True, blank=True)
    raw = models.TextField(blank=True, help_text="The body as received, when it was not JSON.")
    digest = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=InboxStatus.choices)
    error = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # Idempotency: one accepted copy per sender's event id; rejected copies are kept
            # for inspection and do not block a corrected resend.
            models.UniqueConstraint(
                fields=["event_id"], condition=~Q(status="rejected"), name="inbox_event_once"
            ),
        ]
        indexes = [
            models.Index(fields=["application_code", "occurred_at"], name="inbox_app"),
            models.Index(fields=["status", "id"], name="inbox_status"),
            models.Index(fields=["-received_at"], name="inbox_recent"),
        ]

    def __str__(self):
        return f"{self.event_id} {self.type} {self.status}"


class RejectedRequest(models.Model):
    """Requests refused before their events could be read (bad key, signature, timestamp).

    Counted, not kept one by one: one row per minute, known key, address (IPv6 per /64
    network) and reason, so that a flood of unauthenticated requests adds to a counter
    instead of rows (integrations.services.ingest.request_reject caps the rows of a minute;
    a daily task prunes old ones).
    """

    at = models.DateTimeField(default=timezone.now)  # first of the minute
    minute = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=1)
    key_id = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300)
    remote_addr = models.CharField(max_length=64, blank=True)
    body_sha256 = models.CharField(max_length=64, blank=True)  # of the latest one
    body_size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-minute", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["minute", "key_id", "remote_addr", "reason"],
                name="rejected_request_per_minute",
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.reason} ×{self.count}"


class PullRunStatus(models.TextChoices):
    IDLE = "idle", _("Chưa chạy")
    QUEUED = "queued", _("Đang chờ chạy")
    RUNNING = "running", _("Đang kéo dữ liệu")
    SUCCEEDED = "succeeded", _("Hoàn tất")
    FAILED = "failed", _("Có lỗi")


class PullConnector(models.Model):
    """A vendor feed polled by beat: GET <url>?since=<cursor> -> {"events": [...], "next": ...}."""

    name = models.CharField(_("tên"), max_length=100)
    url = models.URLField(_("địa chỉ nguồn dữ liệu"), max_length=500)
    auth_header = models.BinaryField(blank=True, help_text="Encrypted Authorization header.")
    cursor = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(_("đang bật"), default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_count = models.PositiveIntegerField(default=0)
    # The run in progress (queued from the page or started by beat): its state and pages
    # read so far, for the progress shown on the page; last_count counts its events.
    run_status = models.CharField(
        max_length=16, choices=PullRunStatus.choices, default=PullRunStatus.IDLE
    )
    run_started_at = models.DateTimeField(null=True, blank=True)
    run_pages = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("nguồn kéo dữ liệu")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_running(self) -> bool:
        return self.run_status in (PullRunStatus.QUEUED, PullRunStatus.RUNNING)
