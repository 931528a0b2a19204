"""OpenAPI schema and its browsable docs, on every host (each shows that host's API)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


def urlpatterns(urlconf: str):
    """`urlconf`: the URL conf the schema describes (the console's or the portal's)."""
    return [
        path("api/v1/schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="api-schema"),
        # The "split" view serves its script as a file: no inline JavaScript, CSP stays strict.
        path(
            "api/v1/docs/",
            SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
            name="api-docs",
        ),
    ]
