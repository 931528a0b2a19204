"""URLs of `<agency>.BASE_DOMAIN`: the agency portal and its API."""

from django.urls import include, path

from eiso.home.views import DashboardView
from iso_platform import api_docs
from quality.core import urls as portal

handler404 = "iso_platform.api.not_found"  # JSON under /api/
handler400 = "iso_platform.api.bad_request"  # JSON under /api/

# The portal namespace: the home page (composition, it reads every area) and the core pages.
PORTAL = [path("", DashboardView.as_view(), name="dashboard"), *portal.urlpatterns]

urlpatterns = [
    # The portal namespace: the home page (composition) and the core pages.
    path("", include((PORTAL, portal.app_name))),
    path("documents/", include("quality.documents.urls")),
    path("procedures/", include("quality.procedures.urls")),
    path("improvement/", include("quality.improvement.urls")),
    path("risks/", include("quality.risks.urls")),
    path("transition/", include("quality.transition.urls")),
    path("objectives/", include("quality.objectives.urls")),
    path("audits/", include("quality.audits.urls")),
    path("feedback/", include("quality.feedback.urls")),
    path("reviews/", include("quality.reviews.urls")),
    path("competence/", include("quality.competence.urls")),
    path("service-index/", include("insights.service_index.agency_urls")),
    path("s/", include("quality.feedback.public_urls")),
    path("team/", include("quality.core.team.urls")),
    path("onboarding/", include("onboarding.checklist.urls")),
    path("packs/", include("onboarding.pack_pages.urls")),
    path("evaluation/", include("evaluation.agency_urls")),
    path("integrations/webhooks/", include("integrations.webhooks.urls")),
    path("integrations/exchange/", include("integrations.exchange.urls")),
    path("integrations/catalogue/", include("integrations.catalogue.urls")),
    path("integrations/", include("integrations.urls")),
    path("billing/", include("billing.agency.urls")),
    path("accounts/sso/", include("integrations.sso.urls")),
    path("accounts/", include("iso_platform.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("quality.core.api_urls")),
    path("api/v1/", include("quality.documents.api_urls")),
    path("api/v1/", include("integrations.api_urls")),
    path("api/v1/", include("quality.improvement.api_urls")),
    path("api/v1/", include("quality.risks.api_urls")),
    path("api/v1/", include("quality.objectives.api_urls")),
    path("api/v1/", include("quality.audits.api_urls")),
    path("api/v1/", include("quality.feedback.api_urls")),
    path("api/v1/", include("quality.reviews.api_urls")),
    path("api/v1/", include("quality.competence.api_urls")),
    path("api/v1/billing/", include("billing.agency.api_urls")),
    *api_docs.urlpatterns("eiso.urls_tenant"),
]
