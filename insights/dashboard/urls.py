"""The department's statistics on the province console."""

from django.urls import path

from insights.dashboard import views

app_name = "insights"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("agencies/<slug:code>/", views.AgencyStatisticsView.as_view(), name="agency"),
]
