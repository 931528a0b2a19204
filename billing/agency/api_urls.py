"""Agency billing API: /api/v1/billing/ on the agency host (read-only, its own data)."""

from django.urls import path

from billing import apis

app_name = "billing_api"

urlpatterns = [
    path("subscription/", apis.AgencySubscriptionApi.as_view(), name="subscription"),
    path("invoices/", apis.AgencyInvoiceListApi.as_view(), name="invoice-list"),
    path("invoices/<int:pk>/", apis.AgencyInvoiceDetailApi.as_view(), name="invoice-detail"),
    path("lines/", apis.AgencyLineListApi.as_view(), name="line-list"),
]
