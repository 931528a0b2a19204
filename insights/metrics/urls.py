"""`/metrics` on the console host (mounted without a trailing slash in urls_public)."""

from django.urls import path

from insights.metrics.prometheus import metrics_view

urlpatterns = [
    path("", metrics_view, name="metrics"),
]
