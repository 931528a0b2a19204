from django.urls import path

from eiso.console.audit_views import PlatformAuditView

app_name = "platform_audit"

urlpatterns = [path("", PlatformAuditView.as_view(), name="list")]
