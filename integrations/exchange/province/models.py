"""The province's side of document exchange (public schema only; agencies read it through
`integrations.exchange.services.connection`, django-tenants keeps `public` on their path)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlatformConnection(models.Model):
    """The province's integration platform (LGSP) that carries packages to the national
    document exchange axis. One row, in the public schema, set on the console."""

    url = models.URLField(_("địa chỉ nền tảng tích hợp của tỉnh"), max_length=500, blank=True)
    # OAuth2 client credentials (RFC 6749 section 4.4): where eISO gets its access token, and
    # the client it is registered as at the platform.
    token_url = models.URLField(
        _("địa chỉ cấp mã truy cập (token URL)"), max_length=500, blank=True
    )
    client_id = models.CharField(_("mã ứng dụng (client id)"), max_length=200, blank=True)
    # Encrypted with the integrations' cipher (INTEGRATION_KEYS_SECRET, outside the database).
    client_secret_encrypted = models.BinaryField(blank=True, default=b"")
    scope = models.CharField(_("phạm vi (scope)"), max_length=500, blank=True)
    enabled = models.BooleanField(_("đang bật"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=254, blank=True)

    class Meta:
        verbose_name = _("kết nối nền tảng liên thông")

    def __str__(self):
        return self.url or "—"

    @classmethod
    def load(cls) -> PlatformConnection:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class PlatformHealth(models.Model):
    """How the connection has been answering, written by the sending and polling tasks of every
    agency (one row, beside the settings so that saving them never overwrites it)."""

    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The first failure since the last success; cleared by the next success.
    failing_since = models.DateTimeField(null=True, blank=True)
    # When the province administrators were told of the current run of failures.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tình trạng kết nối nền tảng liên thông")

    def __str__(self):
        return f"failing since {self.failing_since}" if self.failing_since else "ok"

    @classmethod
    def load(cls) -> PlatformHealth:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class AgencyBacklog(models.Model):
    """One agency's outgoing packages not yet taken by the platform, as its last sending
    attempt counted them: the province reads every agency's without entering their schemas."""

    agency = models.OneToOneField(
        "tenants.Agency", on_delete=models.CASCADE, related_name="exchange_backlog"
    )
    waiting = models.PositiveIntegerField(default=0)
    oldest_at = models.DateTimeField(null=True, blank=True)  # when the oldest one was queued
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("gói tin liên thông đang chờ của cơ quan")
        indexes = [models.Index(fields=["oldest_at"], name="exchange_backlog_oldest")]

    def __str__(self):
        return f"{self.agency_id}: {self.waiting}"
