"""`/api/province/v1/`: the read API of the province's data platform (data keys)."""

from django.urls import path

from insights.data_api import apis

app_name = "province_data"

urlpatterns = [
    path("statistics/totals/", apis.TotalsApi.as_view(), name="totals"),
    path("statistics/trend/", apis.TrendApi.as_view(), name="trend"),
    path("status-grid/", apis.StatusGridApi.as_view(), name="status_grid"),
]
