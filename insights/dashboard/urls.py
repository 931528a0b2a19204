"""The department's statistics on the province console."""

from django.urls import path

from insights.dashboard import views
from insights.service_index.views import ConsoleServiceIndexView

app_name = "insights"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("service-index/", ConsoleServiceIndexView.as_view(), name="service_index"),
    path("agencies/<slug:code>/", views.AgencyStatisticsView.as_view(), name="agency"),
]
