"""URLs of `<agency>.BASE_DOMAIN`: the agency portal and its API."""

from django.urls import include, path

from iso_platform import api_docs

urlpatterns = [
    path("", include("quality.core.urls")),
    path("documents/", include("quality.documents.urls")),
    path("procedures/", include("quality.procedures.urls")),
    path("integrations/", include("integrations.urls")),
    path("accounts/", include("iso_platform.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("quality.core.api_urls")),
    path("api/v1/", include("quality.documents.api_urls")),
    path("api/v1/", include("integrations.api_urls")),
    *api_docs.urlpatterns("iso_platform.urls_tenant"),
]
