from django.urls import path

from quality.core import apis

app_name = "portal_api"

urlpatterns = [
    path("me/", apis.MeApi.as_view(), name="me"),
    path("my-work/", apis.MyWorkApi.as_view(), name="my-work"),
]
