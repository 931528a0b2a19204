"""URLs of the bare BASE_DOMAIN: the province console and the platform API."""

from django.urls import include, path

from iso_platform import api_docs

handler404 = "iso_platform.api.not_found"  # JSON under /api/
handler400 = "iso_platform.api.bad_request"  # JSON under /api/

urlpatterns = [
    path("", include("eiso.console.urls")),
    path("accounts/sso/", include("integrations.sso.console_urls")),
    path("accounts/", include("iso_platform.accounts.urls")),
    path("rollout/", include("onboarding.rollout.urls")),
    path("onboarding/", include("onboarding.console.urls")),
    path("lifecycle/", include("eiso.fleet.urls")),
    path("packs/", include("onboarding.pack_pages.console_urls")),
    path("statistics/", include("insights.dashboard.urls")),
    path("reports/province/", include("insights.report.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("inspections/", include("insights.inspections.urls")),
    path("health/", include("insights.health.urls")),
    path("audit-log/", include("eiso.console.audit_urls")),
    path("billing/", include("billing.urls")),
    path("webhooks/", include("integrations.webhooks.console_urls")),
    path("exchange/", include("integrations.exchange.console_urls")),
    path("catalogue/", include("integrations.catalogue.console_urls")),
    path("data-keys/", include("insights.data_api.console_urls")),
    path("api/province/v1/", include("insights.data_api.urls")),
    path("api/v1/billing/", include("billing.api_urls")),
    path("metrics", include("insights.metrics.urls")),  # Prometheus, bearer token (METRICS_TOKEN)
    path("api/v1/statistics/", include("insights.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("tenants.api_urls")),
    *api_docs.urlpatterns("eiso.urls_public"),
]
