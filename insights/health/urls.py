"""The platform health page, mounted at /health/ on the console host."""

from django.urls import path

from insights.health.views import HealthView

app_name = "health"

urlpatterns = [
    path("", HealthView.as_view(), name="home"),
]
