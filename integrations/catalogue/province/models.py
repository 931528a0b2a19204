"""Where the province's platform publishes the national procedure catalogue (public schema
only; agencies read it through `integrations.catalogue.connection`)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CatalogueConnection(models.Model):
    """One row, set on the console: the address of the catalogue service and its key."""

    url = models.URLField(_("địa chỉ dịch vụ danh mục TTHC"), max_length=500, blank=True)
    # Encrypted with the integrations' cipher (INTEGRATION_KEYS_SECRET, outside the database).
    key_encrypted = models.BinaryField(blank=True, default=b"")
    enabled = models.BooleanField(_("đang bật"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=254, blank=True)

    class Meta:
        verbose_name = _("kết nối danh mục TTHC")

    def __str__(self):
        return self.url or "—"

    @classmethod
    def load(cls) -> CatalogueConnection:
        return cls.objects.filter(pk=1).first() or cls(pk=1)
