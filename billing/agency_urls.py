"""Agency portal: /billing/ on the agency host."""

from django.urls import path

from billing import agency_views

app_name = "billing"

urlpatterns = [
    path("", agency_views.AgencyBillingView.as_view(), name="agency_home"),
    path("invoices/<int:pk>/pdf/", agency_views.AgencyInvoicePdfView.as_view(), name="agency_pdf"),
    path(
        "province-invoices/<int:pk>/pdf/",
        agency_views.AgencyStatementPdfView.as_view(),
        name="agency_statement_pdf",
    ),
]
