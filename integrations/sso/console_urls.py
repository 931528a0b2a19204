"""Single sign-on on the console (`/accounts/sso/`): provincial people sign in, and the
provincial administrator configures the provider."""

from django.urls import path

from integrations.sso import views

app_name = "sso"

urlpatterns = [
    path("start/", views.StartView.as_view(), name="start"),
    path("callback/", views.CallbackView.as_view(), name="callback"),
    path("provider/", views.ProviderSettingsView.as_view(), name="provider"),
]
