from django.urls import path

from eiso.console import signing_views, views
from iso_platform.workdays.views import CalendarView, OverrideRemoveView

app_name = "console"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("agencies/", views.AgencyListView.as_view(), name="agency_list"),
    path("agencies/new/", views.AgencyCreateView.as_view(), name="agency_create"),
    path("agencies/jobs/<uuid:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("agencies/<slug:code>/", views.AgencyDetailView.as_view(), name="agency_detail"),
    path("agencies/<slug:code>/suspend/", views.AgencySuspendView.as_view(), name="agency_suspend"),
    path("agencies/<slug:code>/resume/", views.AgencyResumeView.as_view(), name="agency_resume"),
    path(
        "agencies/<slug:code>/identifier/",
        views.AgencyIdentifierView.as_view(),
        name="agency_identifier",
    ),
    path("signing/", signing_views.SigningView.as_view(), name="signing"),
    path("signing/mine/", signing_views.MySignatureView.as_view(), name="my_signature"),
    path("signing/anchors/", signing_views.TrustAnchorAddView.as_view(), name="trust_anchor_add"),
    path(
        "signing/anchors/<int:pk>/deactivate/",
        signing_views.TrustAnchorActiveView.as_view(active=False),
        name="trust_anchor_deactivate",
    ),
    path(
        "signing/anchors/<int:pk>/activate/",
        signing_views.TrustAnchorActiveView.as_view(active=True),
        name="trust_anchor_activate",
    ),
    path(
        "signing/configuration/",
        signing_views.SigningConfigurationView.as_view(),
        name="signing_configuration",
    ),
    path("calendar/", CalendarView.as_view(), name="calendar"),
    path(
        "calendar/overrides/<str:day>/remove/",
        OverrideRemoveView.as_view(),
        name="calendar_override_remove",
    ),
]
