from django.urls import path

from quality.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.ResultsView.as_view(), name="results"),
    path("poster/", views.PosterView.as_view(), name="poster"),
]
