"""Province billing API: /api/v1/billing/ on the bare domain (read-only)."""

from django.urls import path

from billing import apis

app_name = "billing_api"

urlpatterns = [
    path("invoices/", apis.ProvinceInvoiceListApi.as_view(), name="invoice-list"),
    path("invoices/<int:pk>/", apis.ProvinceInvoiceDetailApi.as_view(), name="invoice-detail"),
    path("subscriptions/", apis.ProvinceSubscriptionListApi.as_view(), name="subscription-list"),
    path("usage/", apis.ProvinceUsageListApi.as_view(), name="usage-list"),
]
