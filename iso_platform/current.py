"""The agency whose schema is in use.

The tenant model is read from settings (`TENANT_MODEL`, as `get_user_model()` reads the
user model), so the kernel and every layer can ask without importing `tenants`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_tenant_model


def current_agency():
    """The agency whose schema is active (None on the public schema)."""
    if connection.schema_name == settings.PUBLIC_SCHEMA_NAME:
        return None
    agency_model = get_tenant_model()
    tenant = getattr(connection, "tenant", None)
    if (
        isinstance(tenant, agency_model)
        and tenant.schema_name == connection.schema_name
        and tenant.pk
    ):
        return tenant
    return agency_model.objects.filter(schema_name=connection.schema_name).first()
