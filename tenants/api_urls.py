from django.urls import path

from tenants import apis

app_name = "api"

urlpatterns = [
    path("agencies/", apis.AgencyListCreateApi.as_view(), name="agency-list"),
    path("agencies/<slug:code>/", apis.AgencyDetailApi.as_view(), name="agency-detail"),
    path("agencies/<slug:code>/suspend/", apis.AgencySuspendApi.as_view(), name="agency-suspend"),
    path("agencies/<slug:code>/resume/", apis.AgencyResumeApi.as_view(), name="agency-resume"),
    path(
        "provisioning-jobs/<uuid:pk>/",
        apis.ProvisioningJobDetailApi.as_view(),
        name="provisioning-job-detail",
    ),
]
