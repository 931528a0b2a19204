from django.urls import path

from onboarding.rollout import views

app_name = "rollout"

urlpatterns = [
    path("", views.BatchListView.as_view(), name="list"),
    path("new/", views.BatchUploadView.as_view(), name="upload"),
    path("template.csv", views.TemplateDownloadView.as_view(), name="template"),
    path("<uuid:pk>/", views.BatchDetailView.as_view(), name="detail"),
    path("<uuid:pk>/start/", views.BatchStartView.as_view(), name="start"),
]
