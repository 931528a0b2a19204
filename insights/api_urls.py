"""Read-only statistics API on the console host: /api/v1/statistics/."""

from django.urls import path

from insights import apis
from insights.service_index import apis as index_apis

app_name = "statistics_api"

urlpatterns = [
    path("totals/", apis.TotalsApi.as_view(), name="totals"),
    path("trend/", apis.TrendApi.as_view(), name="trend"),
    path("ranking/", apis.RankingApi.as_view(), name="ranking"),
    path("breakdown/", apis.BreakdownApi.as_view(), name="breakdown"),
    path("grid/", apis.GridApi.as_view(), name="grid"),
    path("fields/", apis.FieldsApi.as_view(), name="fields"),
    path("agencies/<slug:code>/", apis.AgencySummaryApi.as_view(), name="agency"),
    path("service-index/", index_apis.ServiceIndexMonthApi.as_view(), name="service_index"),
    path(
        "service-index/<slug:code>/",
        index_apis.ServiceIndexAgencyApi.as_view(),
        name="service_index_agency",
    ),
]
