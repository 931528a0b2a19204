from django.conf import settings

from quality.core.models import Notification
from tenants.read_only import serving_read_only


def site(request):
    tenant = getattr(request, "tenant", None)
    is_public = tenant is None or tenant.is_public
    unread = 0
    user = getattr(request, "user", None)
    if not is_public and user is not None and user.is_authenticated:
        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {
        "site_unread": unread,
        "site_tenant": tenant,
        "site_is_console": is_public,
        "site_base_domain": settings.BASE_DOMAIN,
        "site_read_only": not is_public and serving_read_only(),
    }
