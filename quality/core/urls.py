from django.urls import path

from quality.core import views
from quality.core.audit_views import AuditTrailView
from quality.core.signatures.views import AgencyCredentialsView, CredentialsView

app_name = "portal"

urlpatterns = [
    path("my-work/", views.MyWorkView.as_view(), name="my_work"),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("units/", views.UnitsView.as_view(), name="units"),
    path("settings/improvement/", views.LoopSettingsView.as_view(), name="loop_settings"),
    path("settings/official/", views.OfficialSettingsView.as_view(), name="official_settings"),
    path("settings/iso-edition/", views.EditionSettingsView.as_view(), name="edition_settings"),
    path("units/<int:pk>/", views.UnitsView.as_view(), name="unit_edit"),
    path("signatures/", CredentialsView.as_view(), name="my_signatures"),
    path("settings/signatures/", AgencyCredentialsView.as_view(), name="agency_signatures"),
    path("audit-trail/", AuditTrailView.as_view(), name="audit_trail"),
]
