"""Subscriptions, the events sent to them, and each delivery with its attempts.

The same tables in every agency schema (that agency's subscriptions and events) and in the
public schema (the province's): a subscription only ever sees the events of its schema.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    name = models.CharField(_("tên"), max_length=100)
    url = models.URLField(_("địa chỉ nhận"), max_length=500)
    event_types = ArrayField(models.CharField(max_length=40), verbose_name=_("loại sự kiện"))
    # Standard Webhooks secret (`whsec_` + base64), encrypted like the integration keys; the
    # previous one still signs (a second signature) for a day after a rotation.
    secret_encrypted = models.BinaryField()
    previous_secret_encrypted = models.BinaryField(blank=True, default=b"")
    previous_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(_("đang bật"), default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("đăng ký nhận sự kiện")
        verbose_name_plural = _("đăng ký nhận sự kiện")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Event(models.Model):
    """One announced event and the exact body every subscriber receives."""

    uid = models.CharField(max_length=40, unique=True)  # `webhook-id`, the same on every retry
    type = models.CharField(max_length=40)
    subject = models.CharField(max_length=80)
    occurred_at = models.DateTimeField()
    body = models.TextField()

    class Meta:
        verbose_name = _("sự kiện gửi đi")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.type} {self.uid}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ gửi")
    SUCCEEDED = "succeeded", _("Đã gửi")
    FAILED = "failed", _("Gửi không được")


class Delivery(models.Model):
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subject = models.CharField(max_length=80)  # the event's, for the per-subject order
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # An attempt in progress: another worker leaves the delivery alone until then.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_http_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("lần chuyển sự kiện")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["subscription", "subject", "id"],
                condition=Q(status="pending"),
                name="webhook_delivery_pending",
            )
        ]

    def __str__(self):
        return f"{self.event} → {self.subscription}"


class Attempt(models.Model):
    """One HTTP request: what the subscriber answered and how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.http_status or self.error}"
