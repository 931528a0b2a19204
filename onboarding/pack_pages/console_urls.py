from django.urls import path

from onboarding.pack_pages import views

app_name = "packs"

urlpatterns = [
    path("", views.ReleaseListView.as_view(), name="list"),
    path("upload/", views.ReleaseUploadView.as_view(), name="upload"),
    path("<int:pk>/", views.ReleaseDetailView.as_view(), name="detail"),
    path("<int:pk>/publish/", views.ReleasePublishView.as_view(), name="publish"),
    path("<int:pk>/download.json", views.ReleaseDownloadView.as_view(), name="download"),
]
