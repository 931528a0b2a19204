"""Province console: merge, split, archive, export and import agencies (`/lifecycle/`)."""

from django.urls import path

from eiso.fleet import views

app_name = "lifecycle"

urlpatterns = [
    path("", views.OperationListView.as_view(), name="list"),
    path("merge/", views.MergeView.as_view(), name="merge"),
    path("split/", views.SplitView.as_view(), name="split"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("<uuid:pk>/", views.OperationDetailView.as_view(), name="detail"),
    path("<uuid:pk>/confirm/", views.OperationConfirmView.as_view(), name="confirm"),
    path("<uuid:pk>/download/", views.OperationDownloadView.as_view(), name="download"),
    path("agencies/<slug:code>/export/", views.AgencyExportView.as_view(), name="export"),
    path("agencies/<slug:code>/archive/", views.AgencyArchiveView.as_view(), name="archive"),
    path("agencies/<slug:code>/restore/", views.AgencyRestoreView.as_view(), name="restore"),
]
