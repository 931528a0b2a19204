"""Onboarding data kept in each agency's schema."""

from __future__ import annotations

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


class Checklist(models.Model):
    """The agency's first-run checklist: what cannot be read from the data itself (a
    confirmation, the scope text); the other steps are computed (see services.checklist)."""

    profile_confirmed_at = models.DateTimeField(null=True, blank=True)
    scope = models.TextField(blank=True, help_text="Scope of the QMS (phạm vi áp dụng).")
    steering_unit = models.ForeignKey(
        "quality_core.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pack_chosen_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="checklist_singleton")]

    def __str__(self):
        return "Checklist"

    @classmethod
    def load(cls) -> Checklist:
        return cls.objects.get_or_create(pk=1)[0]


class PackItemState(models.Model):
    """Which version of each pack item this agency holds, and how it got it."""

    pack = models.CharField(max_length=60)
    item_key = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    document = models.ForeignKey(
        "quality_documents.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    adopted_at = models.DateTimeField(default=timezone.now)
    declined_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pack", "item_key"], name="pack_item_once"),
        ]

    def __str__(self):
        return f"{self.pack}:{self.item_key} v{self.version}"
