"""The province's own row: the public schema as an Agency, answering on BASE_DOMAIN.

django-tenants routes a host only through a Domain row, so without this row the province
console (the bare BASE_DOMAIN) answers 404 on a new installation. `migrate_fleet
--include-public`, which every deployment runs first, makes it, and moves its host when
BASE_DOMAIN changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from tenants.models import Agency, AgencyKind, AgencyStatus, Domain


@transaction.atomic
def province_ensure(*, name: str = "") -> tuple[Agency, bool]:
    """The province's row and its Domain for BASE_DOMAIN; (row, whether it was created)."""
    default_name = f"Tỉnh {settings.PROVINCE_NAME}" if settings.PROVINCE_NAME else "Tỉnh"
    province, created = Agency.objects.get_or_create(
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        defaults={
            "code": "public",
            "name": name or default_name,
            "kind": AgencyKind.PROVINCE,
            "status": AgencyStatus.ACTIVE,
        },
    )
    domain = province.domains.filter(is_primary=True).first()
    if domain is None:
        Domain.objects.create(domain=province.host, tenant=province, is_primary=True)
    elif domain.domain != province.host:
        domain.domain = province.host
        domain.save(update_fields=["domain"])
    return province, created
