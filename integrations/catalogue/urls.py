from django.urls import path

from integrations.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.LogView.as_view(), name="log"),
    path("fetch/", views.FetchView.as_view(), name="fetch"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    path("<int:pk>/apply/", views.ApplyView.as_view(), name="apply"),
]
