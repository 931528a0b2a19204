"""Tenant routing: the Host header picks the agency (and its schema and URL conf).

- the bare BASE_DOMAIN is the public schema: the province console;
- `<code>.BASE_DOMAIN` is that agency's portal;
- an unknown subdomain gets a Vietnamese 404 page, never another agency's data;
- a suspended or not yet ready agency gets a page saying so; its data is untouched
  and its schema is not even selected;
- an archived agency is read-only: reading and signing in work, every other change
  is refused (403, in Vietnamese; JSON under /api/, integration events included);
  so is an active agency whose subscription is suspended for an overdue invoice;
- an agency merged into another answers with a redirect to the other's host: a link to a
  record goes to the record's new page there (its provenance, tenants/services/moved.py),
  a link naming records of no known new address gets a page saying where the agency went
  (410), any other link the same path; changes sent to it are refused (410) rather than
  forwarded;
- a record page that no longer finds its record because a split moved it says where it
  went, with a link to its new address (404).
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
from tenants import host_cache, read_only
from tenants.guards import write_refusal
from tenants.models import AgencyStatus
from tenants.services import moved

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
MSG_RECORD_GONE = gettext_noop(
    "Cơ quan này đã được hợp nhất vào %(name)s; không tìm thấy địa chỉ mới của bản ghi này. "
    "Hãy tìm nó ở %(url)s."
)
MSG_SPLIT_MOVED = gettext_noop(
    "Bản ghi này đã được chuyển sang cơ quan %(name)s khi tách cơ quan; địa chỉ mới: %(url)s"
)
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

    def __call__(self, request):
        token = read_only.begin(False)  # whatever the last request on this thread served
        try:
            return super().__call__(request)
        finally:
            read_only.end(token)

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
                read_only.begin(True)  # the pages offer no change (tenants/read_only.py)
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

    def _refuse(self, request, tenant, message, *, status, extra=None, link=None):
        if request.path_info.startswith("/api/"):
            body = {"detail": message, "agency_status": tenant.status, **(extra or {})}
            return JsonResponse(body, status=status)
        page = TemplateResponse(
            request,
            "tenants/agency_unavailable.html",
            {
                "agency": tenant,
                "message": message,
                "link": link,
                "read_only": not link
                and (tenant.status == "archived" or bool(extra and "billing" in extra)),
            },
            status=status,
        )
        return page.render()

    def process_response(self, request, response):
        if response.status_code == 404 and request.method in SAFE_METHODS:
            tenant = getattr(request, "tenant", None)
            if tenant is not None and not tenant.is_public and not tenant.merged_into_id:
                return self._split_pointer(request, tenant) or response
        return response

    @staticmethod
    def _origin(request, agency) -> str:
        port = request.get_host().partition(":")[2]
        return f"{request.scheme}://{agency.host}{':' + port if port else ''}"

    def _merged(self, request, tenant):
        if request.method not in SAFE_METHODS:
            target = moved.final_agency(tenant)
            url = self._origin(request, target) + "/"
            message = _(MSG_MERGED) % {"name": target.name, "url": url}
            return self._refuse(request, tenant, message, status=410, extra={"moved_to": url})
        found = moved.merged_link(agency=tenant, path=request.path_info)
        url = self._origin(request, found.agency)
        if found.found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponseRedirect(url + found.path + ("?" + query if query else ""))
        message = _(MSG_RECORD_GONE) % {"name": found.agency.name, "url": url + "/"}
        return self._refuse(
            request, tenant, message, status=410, extra={"moved_to": url + "/"}, link=url + "/"
        )

    def _split_pointer(self, request, tenant):
        """A record page of `tenant` that found nothing: was the record split off?"""
        found = moved.split_link(agency=tenant, path=request.path_info)
        if found is None:
            return None
        url = self._origin(request, found.agency) + found.path
        message = _(MSG_SPLIT_MOVED) % {"name": found.agency.name, "url": url}
        return self._refuse(request, tenant, message, status=404, extra={"moved_to": url}, link=url)

    def no_tenant_found(self, request, hostname):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": _("Không có cơ quan nào ở địa chỉ này.")}, status=404)
        page = TemplateResponse(
            request, "tenants/unknown_agency.html", {"hostname": hostname}, status=404
        )
        return page.render()
