"""Agency portal: /billing/ on the agency host."""

from django.urls import path

from billing.agency import views

app_name = "billing"

urlpatterns = [
    path("", views.AgencyBillingView.as_view(), name="agency_home"),
    path("invoices/<int:pk>/pdf/", views.AgencyInvoicePdfView.as_view(), name="agency_pdf"),
    path(
        "province-invoices/<int:pk>/pdf/",
        views.AgencyStatementPdfView.as_view(),
        name="agency_statement_pdf",
    ),
]
