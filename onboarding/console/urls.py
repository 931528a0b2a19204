from django.urls import path

from onboarding.console import views

app_name = "onboarding_console"

urlpatterns = [
    path("", views.ProgressView.as_view(), name="progress"),
    path(
        "<slug:code>/invitation/resend/",
        views.AdminResendView.as_view(),
        name="admin_invitation_resend",
    ),
    path(
        "<slug:code>/invitation/revoke/",
        views.AdminRevokeView.as_view(),
        name="admin_invitation_revoke",
    ),
]
