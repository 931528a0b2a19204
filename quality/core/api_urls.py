from django.urls import path

from quality.core import apis

app_name = "portal_api"

urlpatterns = [
    path("me/", apis.MeApi.as_view(), name="me"),
]
