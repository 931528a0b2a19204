from django.conf import settings


def site(request):
    tenant = getattr(request, "tenant", None)
    is_public = tenant is None or tenant.is_public
    return {
        "site_tenant": tenant,
        "site_is_console": is_public,
        "site_base_domain": settings.BASE_DOMAIN,
    }
