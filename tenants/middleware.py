"""Tenant routing: the Host header picks the agency (and its schema and URL conf).

- the bare BASE_DOMAIN is the public schema: the province console;
- `<code>.BASE_DOMAIN` is that agency's portal;
- an unknown subdomain gets a Vietnamese 404 page, never another agency's data;
- a suspended or not yet ready agency gets a page saying so; its data is untouched
  and its schema is not even selected;
- an archived agency is read-only: reading and signing in work, every other change
  is refused (403, in Vietnamese; JSON under /api/, integration events included);
  so is an active agency whose subscription is suspended for an overdue invoice;
- an agency merged into another answers with a redirect to the other's host (same
  path); changes sent to it are refused (410) rather than forwarded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.middleware.main import TenantMainMiddleware

from iso_platform.logging_context import schema_var
from tenants import host_cache
from tenants.guards import write_refusal
from tenants.models import AgencyStatus

host_cache.connect()

UNAVAILABLE_MESSAGES = {
    AgencyStatus.SUSPENDED: gettext_noop("Cơ quan này đang tạm ngừng sử dụng hệ thống eISO."),
    AgencyStatus.ARCHIVED: gettext_noop("Cơ quan này đã ngừng hoạt động; dữ liệu được lưu trữ."),
    AgencyStatus.PROVISIONING: gettext_noop(
        "Cơ quan này đang được khởi tạo, vui lòng thử lại sau ít phút."
    ),
}


MSG_READ_ONLY = gettext_noop("Cơ quan đã được lưu trữ: chỉ xem.")
MSG_MERGED = gettext_noop("Cơ quan này đã được hợp nhất vào %(name)s; hãy dùng địa chỉ %(url)s.")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writes an archived (read-only) agency still accepts: signing in and out, the language.
READ_ONLY_WRITES = ("accounts:login", "accounts:logout", "set_language")


def _read_only_writes() -> set[str]:
    paths = set()
    for name in READ_ONLY_WRITES:
        try:
            paths.add(reverse(name, urlconf=settings.ROOT_URLCONF))
        except NoReverseMatch:  # pragma: no cover - a renamed route
            continue
    return paths


class AgencyMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model, hostname):
        # A few seconds' memo per process (tenants/host_cache.py): no routing query per request.
        return host_cache.lookup(
            hostname, lambda host: super(AgencyMiddleware, self).get_tenant(domain_model, host)
        )

    def process_request(self, request):
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        schema_var.set(tenant.schema_name)
        if tenant.is_public:
            return None
        if tenant.status == AgencyStatus.ACTIVE:
            return self._write_guarded(request, tenant)
        if tenant.status == AgencyStatus.ARCHIVED:
            if tenant.merged_into_id:
                connection.set_schema_to_public()
                return self._merged(request, tenant)
            if request.method in SAFE_METHODS or request.path_info in _read_only_writes():
                return None  # read-only: served from its schema as usual
            connection.set_schema_to_public()
            return self._refuse(request, tenant, _(MSG_READ_ONLY), status=403)
        # Do not serve anything from an agency that is not active.
        connection.set_schema_to_public()
        return self._refuse(request, tenant, _(UNAVAILABLE_MESSAGES[tenant.status]), status=403)

    def _write_guarded(self, request, tenant):
        """A write guard (tenants/guards.py; billing's: an overdue invoice) makes an active
        agency read-only like an archived one; asked on writes only."""
        if request.method in SAFE_METHODS or request.path_info in _read_only_writes():
            return None
        refusal = write_refusal(tenant)
        if refusal is None:
            return None
        connection.set_schema_to_public()
        return self._refuse(request, tenant, refusal.message, status=403, extra=refusal.extra)

    def _refuse(self, request, tenant, message, *, status, extra=None):
        if request.path_info.startswith("/api/"):
            body = {"detail": message, "agency_status": tenant.status, **(extra or {})}
            return JsonResponse(body, status=status)
        page = TemplateResponse(
            request,
            "tenants/agency_unavailable.html",
            {
                "agency": tenant,
                "message": message,
                "read_only": tenant.status == "archived" or bool(extra and "billing" in extra),
            },
            status=status,
        )
        return page.render()

    def _merged(self, request, tenant):
        target = tenant.merged_into
        host = target.host
        port = request.get_host().partition(":")[2]
        url = f"{request.scheme}://{host}{':' + port if port else ''}"
        if request.method in SAFE_METHODS:
            return HttpResponseRedirect(url + request.get_full_path())
        message = _(MSG_MERGED) % {"name": target.name, "url": url + "/"}
        return self._refuse(request, tenant, message, status=410, extra={"moved_to": url + "/"})

    def no_tenant_found(self, request, hostname):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": _("Không có cơ quan nào ở địa chỉ này.")}, status=404)
        page = TemplateResponse(
            request, "tenants/unknown_agency.html", {"hostname": hostname}, status=404
        )
        return page.render()
