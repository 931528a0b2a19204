"""Province console: /billing/ on the bare domain."""

from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.InvoiceListView.as_view(), name="invoices"),
    path("plans/", views.PlanListView.as_view(), name="plans"),
    path("plans/new-version/", views.PlanVersionCreateView.as_view(), name="plan_version_new"),
    path("subscriptions/", views.SubscriptionListView.as_view(), name="subscriptions"),
    path(
        "subscriptions/<slug:code>/change/",
        views.SubscriptionChangeView.as_view(),
        name="subscription_change",
    ),
    path("usage/<slug:code>/", views.UsageView.as_view(), name="usage"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice"),
    path("invoices/<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="invoice_pdf"),
    path("invoices/<int:pk>/pay/", views.InvoicePayView.as_view(), name="invoice_pay"),
    path("invoices/<int:pk>/void/", views.InvoiceVoidView.as_view(), name="invoice_void"),
    path("run/", views.InvoicingRunView.as_view(), name="run"),
]
