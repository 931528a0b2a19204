"""Single sign-on on an agency's host (`/accounts/sso/`), and its settings page."""

from django.urls import path

from integrations.sso import views

app_name = "sso"

urlpatterns = [
    path("start/", views.StartView.as_view(), name="start"),
    path("callback/", views.CallbackView.as_view(), name="callback"),
    path("settings/", views.AgencyPolicyView.as_view(), name="policy"),
]
