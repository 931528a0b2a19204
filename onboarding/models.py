"""Onboarding data kept in each agency's schema."""

from django.db import models
from django.utils import timezone


class PackInstall(models.Model):
    """Which template pack (and version) this agency received."""

    pack = models.CharField(max_length=60)
    version = models.PositiveIntegerField()
    installed_at = models.DateTimeField(default=timezone.now)
    documents = models.PositiveIntegerField(default=0)
    record_series = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pack", "version"], name="pack_once")]

    def __str__(self):
        return f"{self.pack} v{self.version}"
