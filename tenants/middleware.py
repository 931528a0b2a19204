"""Tenant routing: the Host header picks the agency (and its schema and URL conf).

- the bare BASE_DOMAIN is the public schema: the province console;
- `<code>.BASE_DOMAIN` is that agency's portal;
- an unknown subdomain gets a Vietnamese 404 page, never another agency's data;
- a suspended, archived or not yet ready agency gets a page saying so; its data
  is untouched and its schema is not even selected.
"""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.middleware.main import TenantMainMiddleware

from iso_platform.logging_context import schema_var
from tenants.models import AgencyStatus

UNAVAILABLE_MESSAGES = {
    AgencyStatus.SUSPENDED: gettext_noop("Cơ quan này đang tạm ngừng sử dụng hệ thống eISO."),
    AgencyStatus.ARCHIVED: gettext_noop("Cơ quan này đã ngừng hoạt động; dữ liệu được lưu trữ."),
    AgencyStatus.PROVISIONING: gettext_noop(
        "Cơ quan này đang được khởi tạo, vui lòng thử lại sau ít phút."
    ),
}


class AgencyMiddleware(TenantMainMiddleware):
    def process_request(self, request):
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        schema_var.set(tenant.schema_name)
        if tenant.is_public or tenant.status == AgencyStatus.ACTIVE:
            return None
        # Do not serve anything from an agency that is not active.
        connection.set_schema_to_public()
        message = _(UNAVAILABLE_MESSAGES[tenant.status])
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message, "agency_status": tenant.status}, status=403)
        page = TemplateResponse(
            request,
            "tenants/agency_unavailable.html",
            {"agency": tenant, "message": message},
            status=403,
        )
        return page.render()

    def no_tenant_found(self, request, hostname):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": _("Không có cơ quan nào ở địa chỉ này.")}, status=404)
        page = TemplateResponse(
            request, "tenants/unknown_agency.html", {"hostname": hostname}, status=404
        )
        return page.render()
