from django.urls import path

from quality.procedures import views

app_name = "procedures"

urlpatterns = [
    path("", views.ProcedureListView.as_view(), name="catalogue"),
    path("new/", views.ProcedureCreateView.as_view(), name="create"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("<int:pk>/", views.ProcedureDetailView.as_view(), name="detail"),
    path("applications/", views.ApplicationListView.as_view(), name="applications"),
    path("applications/tracking-book.xlsx", views.TrackingBookView.as_view(), name="tracking_book"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application"),
    path("applications/<int:pk>/sheet.pdf", views.SheetPdfView.as_view(), name="sheet"),
    path("statistics/", views.StatsView.as_view(), name="stats"),
    path("statistics.xlsx", views.StatsExportView.as_view(), name="stats_export"),
]
