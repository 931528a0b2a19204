"""OpenAPI schema and its browsable docs, on every host (each shows that host's API)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


def urlpatterns():
    return [
        path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
        # The "split" view serves its script as a file: no inline JavaScript, CSP stays strict.
        path(
            "api/v1/docs/",
            SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
            name="api-docs",
        ),
    ]
