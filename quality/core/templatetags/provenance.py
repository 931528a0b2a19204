"""`{% provenance_badge obj %}`: a small "từ <agency>" badge on rows that a merge or a split
brought in from another agency (quality_core.Provenance)."""

from __future__ import annotations

from django import template

from quality.core.models import Provenance

register = template.Library()


@register.inclusion_tag("quality/core/_provenance_badge.html")
def provenance_badge(obj):
    if obj is None or getattr(obj, "pk", None) is None:
        return {"provenance": None}
    meta = obj._meta
    found = (
        Provenance.objects.filter(
            object_type=f"{meta.app_label}.{meta.model_name}", object_id=str(obj.pk)
        )
        .order_by("-at", "-id")
        .first()
    )
    return {"provenance": found}
