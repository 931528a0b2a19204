from django.urls import path

from quality.core import apis
from quality.core.signatures import apis as signature_apis

app_name = "portal_api"

urlpatterns = [
    path("me/", apis.MeApi.as_view(), name="me"),
    path("my-work/", apis.MyWorkApi.as_view(), name="my-work"),
    path(
        "signed-documents/<int:pk>/",
        signature_apis.SignedDocumentApi.as_view(),
        name="signed-document",
    ),
]
